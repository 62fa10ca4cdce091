"""Formula core: pure functions of arrays, namespace taken from the inputs.

`array_namespace` is array-api-compat's, except in the rounding mode of reference.error_bounds, where the
same formulas compute bounds of their rounding error in a narrower dtype.
"""
from array_api_compat import array_namespace as _inputs_namespace
from array_api_compat import device as _inputs_device

from .. import error_bounds

__all__ = ["array_namespace", "device", "error_bounds"]


def array_namespace(*arrays, **kwargs):
    return error_bounds.namespace(arrays) or _inputs_namespace(*arrays, **kwargs)


def device(x):
    return "cpu" if isinstance(x, error_bounds.Bounded) else _inputs_device(x)
