"""The dtype finding: a float64 input must give float64 outputs, under any profile.

A library that computes in float32 passes comparisons in the float32 column of the tolerance
table; this finding says what it does whatever the column, in words the reports share.
"""
import numpy as np

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


def require_float64(ctx, value, *, inputs, label="result"):
    """Fail with the named finding unless every floating array in value is float64."""
    found = narrowed(value, label)
    if found:
        where, dtype = found
        ctx.fail(f"{COMPUTES_IN_FLOAT32 if dtype == np.float32 else f'computes in {dtype}'}: "
                 f"given float64 inputs, {where} is {dtype}; float64 in must give float64 out", inputs=inputs)
