"""The dtype finding: a float64 input must give float64 outputs, computed in float64; reported under any profile.

A library that computes in float32 passes comparisons in the float32 column of the tolerance
table; this finding says what it does whatever the column, in words the reports share: under the
float64 column it fails the check, under the float32 one the check passes with the finding noted.
"""
import numpy as np

from ..policy.tolerances import ROUNDING_SAFETY
from .compare import difference
from .rounding import rounding_tolerance

COMPUTES_IN_FLOAT32 = "computes in float32"


def narrowed(value, label="result"):
    """The label and dtype of the first floating array in value (nested) that is not float64, or None."""
    if isinstance(value, dict):
        items = [(f"{label}[{k!r}]", v) for k, v in value.items()]
    elif isinstance(value, (tuple, list)):
        items = [(f"{label}[{i}]", v) for i, v in enumerate(value)]
    else:
        dtype = getattr(value, "dtype", None)
        if dtype is not None and np.dtype(dtype).kind == "f" and np.dtype(dtype) != np.float64:
            return label, np.dtype(dtype)
        return None
    for item_label, item in items:
        found = narrowed(item, item_label)
        if found:
            return found
    return None


def finding(ctx, message, *, inputs):
    """The finding fails the check under the float64 column; under the float32 one (a profile for a float32
    library) it is what the profile expects: the check passes and the report still says it."""
    if ctx.dtype == "float64":
        ctx.fail(message, inputs=inputs)
    if message not in ctx.notes:
        ctx.notes.append(message)


def require_float64(ctx, value, *, inputs, label="result"):
    """The named finding unless every floating array in value is float64."""
    found = narrowed(value, label)
    if found:
        where, dtype = found
        finding(ctx, f"{COMPUTES_IN_FLOAT32 if dtype == np.float32 else f'computes in {dtype}'}: "
                     f"given float64 inputs, {where} is {dtype}; float64 in must give float64 out", inputs=inputs)
        return False
    return True


def rounded_to_float32(value):
    """value with every floating array rounded to float32 and back (nested), integers as they are."""
    if isinstance(value, dict):
        return {k: rounded_to_float32(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(rounded_to_float32(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32).astype(np.float64)
    return value


def require_float64_arithmetic(ctx, got, oracle, *, inputs, tol64, tol32, label="result"):
    """The finding unless got is float64 and computed so: got must be float64 arrays and, where it misses
    oracle(inputs) at tol64 but matches oracle(inputs rounded to float32) within float32's rounding error, it
    computed in float32. That error is the oracle's own bound of float32 rounding on those inputs
    (rounding.rounding_tolerance); tol32, the table's float32 column, where the bound cannot be followed.
    oracle(values) -> expected; another difference is left to the function's other checks."""
    if not require_float64(ctx, got, inputs=inputs, label=label):
        return
    if difference(got, oracle(inputs), tol64, label) is None:
        return
    rounded = rounded_to_float32(inputs)
    within = rounding_tolerance(lambda: oracle(rounded), "float32", tol64, tol32, ROUNDING_SAFETY)
    if difference(got, oracle(rounded), within, label) is None:
        said = tol32.describe() if within is tol32 else f"{ROUNDING_SAFETY:g} × the bound of float32 rounding"
        finding(ctx, f"{COMPUTES_IN_FLOAT32}: given float64 inputs, {label or 'the result'} is float64 but agrees "
                     f"with the oracle only on the inputs rounded to float32 (within {said}), not on the "
                     f"inputs themselves (within {tol64.describe()})", inputs=inputs)
