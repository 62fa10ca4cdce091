"""Gradients judged by central differences of the submission's own forward, at a step its precision allows.

A central difference with step h errs by truncation ≈ h²·|f'''|/6 and by rounding ≈ u·|f|/h, u the unit
roundoff of the precision f is computed in. So the step depends on that precision: the profile's dtype,
or float32 when the forward's values are float32 (its dtype, or float64 values that are all exactly
float32 although the inputs are not: a forward that rounds to float32 inside). When the gradient
disagrees with the estimate at that step, a second estimate at STEP_RATIO times the step decides:
agreeing with it passes (the forward was noisy at the first step); two finite estimates that disagree
with each other mean the forward is too noisy to judge on this input (a note, not a failure: the oracle
checks still judge the gradient); two that agree mean the gradient is wrong.
"""
import numpy as np

from ..policy.tolerances import DIFFERENCE_STEPS, STEP_RATIO, tolerance
from .compare import difference

ROW = "finite_difference"


def expect_gradient(ctx, got, numeric, *, forward, inputs, label):
    """Fail unless got matches numeric(h), the central differences of the forward whose value at the
    input is `forward`, at the step of its precision (see the module docstring)."""
    precision = forward_precision(ctx.dtype, forward, inputs)
    tol, step = tolerance(ROW, precision), DIFFERENCE_STEPS[precision]
    first = numeric(step)
    if difference(got, first, tol, label) is None:
        return
    second = numeric(STEP_RATIO * step)
    if difference(got, second, tol, label) is None:
        return
    if _finite(first) and _finite(second) and difference(second, first, tol, label) is not None:
        note = (f"{label or 'the gradient'}: your forward is too noisy here to judge the gradient by finite "
                f"differences (the estimates at h = {step:g} and {STEP_RATIO * step:g} disagree); the other "
                f"checks judge it")
        if note not in ctx.notes:
            ctx.notes.append(note)
        return
    ctx.expect(got, first, inputs=inputs, label=label, tol=tol)


def forward_precision(dtype, forward, inputs):
    """"float32" when the profile says so or the forward's values show it; else "float64"."""
    if dtype == "float32" or any(np.asarray(v).dtype in (np.float32, np.float16) for v in _floats(forward)):
        return "float32"
    shown = [v for v in _floats(forward) if _informative(v)]
    if shown and all(_float32_exact(v) for v in shown) \
            and not all(_float32_exact(v) for v in _floats(inputs) if _informative(v)):
        return "float32"
    return "float64"


def _finite(value):
    """Every float inside value is finite (a forward that returns NaN is wrong, not noisy)."""
    return all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in _floats(value))


def _floats(value):
    """The float arrays and numbers inside value (dicts, tuples and lists searched)."""
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, (tuple, list)):
        return [f for v in value for f in _floats(v)]
    if isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
        return [value]
    return []


def _informative(value):
    """Holds a finite value that is not an integer (integers are exact in every precision)."""
    values = np.asarray(value, dtype=float)
    values = values[np.isfinite(values)]
    return bool(np.any(values != np.round(values)))


def _float32_exact(value):
    values = np.asarray(value, dtype=float)
    values = values[np.isfinite(values)]
    return bool(np.all(values.astype(np.float32).astype(float) == values))
