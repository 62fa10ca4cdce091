"""Checks: named, Hypothesis-driven properties of every function of the student API.

Importing this package fills checks.registry.REGISTRY, one area module per spec module
(like array-api-tests). checks.runner.grade runs them on a sandboxed submission.
"""
from . import optim  # noqa: F401  (registers its checks)
from .registry import REGISTRY, Check, check

__all__ = ["REGISTRY", "Check", "check"]
