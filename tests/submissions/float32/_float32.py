"""The oracle computing in float32: every float64 array that goes in becomes float32 (dicts in place,
so running statistics and optimizer state land where the caller looks); what comes out is float64, as the
spec asks, holding float32 values (the checks must see that it computed in float32 from the values alone).

A careful float32 implementation of the spec, graded under a profile with dtype = "float32"
(tests/test_false_positives.py copies the reference beside these modules as `_oracle`).
"""
import functools

import numpy as np


def converted(value, dtype):
    """value with its float arrays (and those in dicts, in place, tuples and lists) of `dtype`."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(dtype)
    if isinstance(value, np.floating):
        return dtype(value)
    if type(value) is dict:
        for key, item in value.items():
            value[key] = converted(item, dtype)
        return value
    if type(value) in (tuple, list):
        return type(value)(converted(v, dtype) for v in value)
    if type(value) is float:
        return float(np.float32(value))  # a number computed in float32, returned as a Python float
    return value


def in_float32(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*converted(args, np.float32), **converted(kwargs, np.float32))
        converted(args, np.float64)  # the caller's dicts (running statistics, state) back in float64
        return converted(result, np.float64)
    return wrapper


def export(module, names=None):
    """The module's spec functions, computing in float32."""
    return {name: in_float32(f) for name, f in vars(module).items()
            if callable(f) and not name.startswith("_") and getattr(f, "__module__", "").startswith(module.__package__)
            and (names is None or name in names)}
