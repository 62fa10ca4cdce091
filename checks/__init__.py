"""Checks: named, Hypothesis-driven properties of every function of the student API.

Importing this package fills checks.registry.REGISTRY, one area module per spec module
(like array-api-tests). checks.runner.grade runs them on a sandboxed submission.
"""
from . import gradient_check, init, layers, losses, net, norms, optim, schedules, sgd_exercise, training  # noqa: F401  (they register)
from .registry import REGISTRY, Check, check

__all__ = ["REGISTRY", "Check", "check"]
