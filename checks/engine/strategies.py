"""Hypothesis strategies shared by every check: shapes, arrays and hyperparameters.

Arrays are float64, bounded, never subnormal, and built with fill=st.nothing() so every
entry is drawn (the default fill makes large arrays mostly constant, which hides bugs).
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def floats(min_value=-10.0, max_value=10.0, **kwargs):
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False, **kwargs)


def arrays(shape, min_value=-10.0, max_value=10.0, *, elements=None, unique=False):
    """float64 arrays of `shape` (a tuple or a strategy of tuples), every entry drawn."""
    return hnp.arrays(np.float64, shape, elements=floats(min_value, max_value) if elements is None else elements,
                      fill=st.nothing(), unique=unique)


def labels(n, classes):
    """n integer class labels in range(classes)."""
    return hnp.arrays(np.int64, (n,), elements=st.integers(0, classes - 1), fill=st.nothing())


def signs(shape):
    """An array of ±1.0 (to flip entries without changing magnitudes)."""
    return arrays(shape, elements=st.sampled_from([-1.0, 1.0]))


def shapes(min_dims=1, max_dims=3, min_side=1, max_side=6):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def magnitudes():
    """Scale factors that spread gradients over many orders, tiny ones (where ε dominates) included."""
    return st.sampled_from([1e-8, 1e-4, 1e-2, 1.0, 1e2])


def seeds():
    return st.integers(0, 2**31 - 1)
