"""Checks: named, Hypothesis-driven properties of every function of the student API.

    engine/   runs any check and knows no formula: registry, context, compare, runner, strategies, mistakes
    policy/   what a course tunes: tolerances, profiles (profiles/*.toml, the bundled ones)
    areas/    one module per spec module (layers_norms: the normalizations): its checks and,
              beside them, its rows of named mistakes and documented variants

Importing this package fills the registry (engine.registry.REGISTRY) and the mistakes table
(engine.mistakes.MISTAKES), one area module at a time, in the spec's order.
"""
if "." not in __name__:  # this folder imported by its bare name (not dlgrade.X) would load it twice
    raise ImportError(f"import dlgrade.checks, not {__name__}: this folder is the subpackage dlgrade.checks")
from .areas import (  # noqa: F401  (they register)
    course_rows,
    gradient_check,
    init,
    layers,
    layers_norms,
    losses,
    net,
    nets,
    optim,
    schedules,
    sgd_exercise,
    training,
)
from .engine.registry import REGISTRY, Check, check

__all__ = ["REGISTRY", "Check", "check"]
