"""Tolerances from the computation: the oracle run in its rounding mode (engine.spec.ROUNDING, declared by the
areas) gives each output entry its own tolerance. Apart from compare.py, which the students' public bundle carries
and which must need nothing but NumPy."""
import numpy as np

from .compare import EntryTolerance, RoundingBound
from .spec import ROUNDING


def rounding_tolerance(compute, dtype, tol64, fallback, safety):
    """The tolerance of a comparison with compute() (the oracle on this input) in `dtype`: per entry, safety ×
    the first-order bound of a careful `dtype` implementation's rounding error, on top of the float64 row tol64.
    fallback (the table's `dtype` column) where the bound cannot be followed: no rounding mode is declared
    (engine.spec.ROUNDING, the oracle's), compute() raises in it, or a value comes out of it without a bound."""
    if not ROUNDING:
        return fallback
    try:
        values, bounds = ROUNDING[0](compute, dtype)
    except Exception:  # a formula outside the rounding namespace (plain NumPy, an operation it lacks)
        return fallback
    followed = []

    def leaf(value, bound):
        if isinstance(value, dict):
            return {k: leaf(value[k], bound[k]) for k in value}
        if isinstance(value, (tuple, list)):
            return type(value)(leaf(v, b) for v, b in zip(value, bound))
        if bound is None or not np.all(np.isfinite(bound)):  # not followed, or singular (÷ 0) on this input
            return fallback
        with np.errstate(invalid="ignore", over="ignore"):
            atol = safety * bound + tol64.atol + tol64.rtol * np.abs(np.asarray(value, dtype=float))
        followed.append(True)
        return RoundingBound(np.where(np.isfinite(atol), atol, np.inf), fallback, dtype, safety)

    tree = leaf(values, bounds)
    if not followed:
        return fallback
    return tree if isinstance(tree, RoundingBound) else EntryTolerance(tree, fallback)
