"""The oracle's own formulas, run in a "rounding" mode: per output entry, a first-order bound of the error a careful
implementation of the same formula makes when it computes in a narrower dtype (float32).

One source of truth: no formula is written twice. The reference is written against the array namespace of its
inputs (`reference._core.array_namespace`); inside `rounding(dtype)` that namespace is the one below, whose arrays
(`Bounded`) carry, beside the float64 value, a bound of the error of that value computed in `dtype`. Each operation
follows the standard model of floating-point arithmetic, fl(a ∘ b) = (a ∘ b)(1 + δ) + η with |δ| ≤ u (the unit
roundoff, eps/2 of the dtype) and |η| ≤ the dtype's smallest normal (underflow, flushed or gradual), and propagates
its operands' bounds to first order (the derivative of the operation times each operand's bound):

    a ± b   e = e_a + e_b + u|a ± b|              a · b   e = |b| e_a + |a| e_b + u|ab| + η
    a / b   e = (e_a + |a/b| e_b)/|b| + u|a/b| + η    √a, eˣ, log …  e = |f'(a)| e_a + u|f(a)| + η
    Σ of n  e = Σ e_i + (n − 1) u Σ|x_i|        (recursive summation, the worst order a careful code may take)

So cancellation (x − μ), amplification (÷ σ) and conditioning (a mean of large offsets) are followed as the
formula meets them, instead of a fixed tolerance per area. Every function of reference._core takes its float
inputs (arrays and Python numbers: ε, β, the learning rate) as Bounded (`follow`), exact where the dtype holds
them (the checks draw float32-exact inputs under the float32 column) and otherwise rounded once; so β₂ rounded to
float32 is followed through 1 − β₂ᵗ. The bound is first order; the comparison multiplies it by a safety factor.
"""
import contextlib
import contextvars
import functools
import inspect
import math
from dataclasses import dataclass

import numpy as np

_MODE = contextvars.ContextVar("rounding", default=None)


@dataclass(frozen=True)
class Rounding:
    """The standard model's constants for one dtype."""
    dtype: str
    unit: float   # u = eps / 2: the relative error of one rounding
    tiny: float   # the smallest normal: an underflow's absolute error

    @classmethod
    def of(cls, dtype):
        info = np.finfo(dtype)
        return cls(str(np.dtype(dtype)), float(info.eps) / 2, float(info.tiny))


@contextlib.contextmanager
def rounding(dtype):
    """Within: the reference's functions compute Bounded values (array_namespace gives the namespace below)."""
    token = _MODE.set(Rounding.of(dtype))
    try:
        yield
    finally:
        _MODE.reset(token)


def active():
    return _MODE.get() is not None


def evaluate(function, dtype):
    """function() run in rounding mode: its result with each Bounded leaf split into (value, bound) pairs."""
    with rounding(dtype), np.errstate(all="ignore"):
        return function()


def split(result):
    """(values, bounds) of a result of evaluate: the same structure twice; a leaf that is not Bounded (a value the
    mode did not follow: plain NumPy code, a Python float) has bound None."""
    if isinstance(result, Bounded):
        return result.value, result.error
    if isinstance(result, dict):
        pairs = {k: split(v) for k, v in result.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if isinstance(result, (tuple, list)):
        pairs = [split(v) for v in result]
        return type(result)(p[0] for p in pairs), type(result)(p[1] for p in pairs)
    return result, None


def _mode():
    mode = _MODE.get()
    if mode is None:  # a Bounded outside the mode (kept in a cache): its arithmetic is float64's, no rounding
        return Rounding("float64", 0.0, 0.0)
    return mode


def _parts(a):
    """(value, bound) of an operand: a Bounded as it is; a float the dtype cannot hold, rounded once; else exact."""
    if isinstance(a, Bounded):
        return a.value, a.error
    value = np.asarray(a)
    if value.dtype.kind != "f":
        return value, np.zeros(value.shape)
    held = value.astype(_mode().dtype)
    return value.astype(float), np.where(held == value, 0.0, _mode().unit * np.abs(value))


class Bounded:
    """A float64 array and a bound of its error in the dtype of the rounding mode, entry by entry."""
    __array_ufunc__ = None  # NumPy defers to our reflected operators: ndarray − Bounded is a Bounded
    __slots__ = ("value", "error")

    def __init__(self, value, error):
        self.value = np.asarray(value, dtype=float)
        self.error = np.broadcast_to(np.asarray(error, dtype=float), self.value.shape).copy()

    def __array_namespace__(self, api_version=None):
        return NAMESPACE

    shape = property(lambda self: self.value.shape)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    dtype = property(lambda self: self.value.dtype)
    device = property(lambda self: "cpu")
    T = property(lambda self: Bounded(self.value.T, self.error.T))

    def __len__(self):
        return len(self.value)

    def __float__(self):
        return float(self.value)

    def __bool__(self):
        return bool(self.value)

    def copy(self):
        return Bounded(self.value.copy(), self.error.copy())

    def reshape(self, *shape):  # NumPy's, which a check's oracle calls on a result (out.reshape(x.shape))
        return Bounded(self.value.reshape(*shape), self.error.reshape(*shape))

    def __getitem__(self, index):
        return Bounded(self.value[index], self.error[index])

    def __setitem__(self, index, item):
        value, error = _parts(item)
        self.value[index], self.error[index] = value, error

    def __neg__(self):
        return Bounded(-self.value, self.error)

    def __pos__(self):
        return self

    def __abs__(self):
        return Bounded(np.abs(self.value), self.error)

    def __add__(self, other):
        return _add(self, other, 1.0)

    def __radd__(self, other):
        return _add(other, self, 1.0)

    def __sub__(self, other):
        return _add(self, other, -1.0)

    def __rsub__(self, other):
        return _add(other, self, -1.0)

    def __mul__(self, other):
        return _mul(self, other)

    def __rmul__(self, other):
        return _mul(other, self)

    def __truediv__(self, other):
        return _div(self, other)

    def __rtruediv__(self, other):
        return _div(other, self)

    def __pow__(self, power):
        if isinstance(power, Bounded) or np.ndim(power):
            return NAMESPACE.exp(power * NAMESPACE.log(self))
        z = self.value ** power
        slope = np.abs(power * self.value ** (power - 1)) if power != 0 else 0.0
        return _rounded(z, slope * self.error, tiny=True)

    def __matmul__(self, other):
        return NAMESPACE.tensordot(self, other, axes=1)

    def __rmatmul__(self, other):
        return NAMESPACE.tensordot(other, self, axes=1)

    def _compare(self, other, op):
        return op(self.value, _parts(other)[0])

    def __eq__(self, other):  # comparisons give the values' booleans (a mask, a where's condition)
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared entry by entry: not hashable


def _rounded(z, propagated, *, tiny=False, roundings=1.0):
    """z with the propagated bound plus its own rounding(s): roundings·u|z|, and an underflow's η where it can."""
    mode = _mode()
    return Bounded(z, propagated + roundings * mode.unit * np.abs(z) + (mode.tiny if tiny else 0.0))


def _add(a, b, sign):
    (va, ea), (vb, eb) = _parts(a), _parts(b)
    return _rounded(va + sign * vb, ea + eb)


def _mul(a, b):
    (va, ea), (vb, eb) = _parts(a), _parts(b)
    return _rounded(va * vb, np.abs(vb) * ea + np.abs(va) * eb, tiny=True)


def _div(a, b):
    (va, ea), (vb, eb) = _parts(a), _parts(b)
    z = va / vb
    return _rounded(z, (ea + np.abs(z) * eb) / np.abs(vb), tiny=True)


def _count(shape, axis):
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod(shape[a] for a in axes)


class _Namespace:
    """The array-API functions the reference uses, on Bounded arrays (NumPy underneath). An absent one raises
    AttributeError: the caller (checks.engine.rounding.rounding_tolerance) then keeps its table's tolerance."""

    # --- exact: shape, selection, constants ---------------------------------------------------------------
    @staticmethod
    def _each(function, x, *args, **kwargs):
        value, error = _parts(x)
        return Bounded(function(value, *args, **kwargs), function(error, *args, **kwargs))

    def reshape(self, x, shape, **_):
        return self._each(np.reshape, x, shape)

    def permute_dims(self, x, axes):
        return self._each(np.transpose, x, axes)

    def expand_dims(self, x, axis=0):
        return self._each(np.expand_dims, x, axis)

    def flip(self, x, axis=None):
        return self._each(np.flip, x, axis=axis)

    def broadcast_to(self, x, shape):
        return self._each(np.broadcast_to, x, shape)

    def abs(self, x):
        return self._each(np.abs, x)

    def astype(self, x, dtype, **_):
        value, error = _parts(x)
        if np.dtype(dtype).kind != "f":
            return value.astype(dtype)
        return Bounded(value, error)

    def stack(self, arrays, axis=0):
        parts = [_parts(a) for a in arrays]
        return Bounded(np.stack([p[0] for p in parts], axis), np.stack([p[1] for p in parts], axis))

    def where(self, condition, a, b):
        (va, ea), (vb, eb) = _parts(a), _parts(b)
        condition = _parts(condition)[0]
        return Bounded(np.where(condition, va, vb), np.where(condition, ea, eb))

    def maximum(self, a, b):
        (va, ea), (vb, eb) = _parts(a), _parts(b)
        return Bounded(np.maximum(va, vb), np.maximum(ea, eb))

    def max(self, x, axis=None, keepdims=False):
        value, error = _parts(x)
        return Bounded(np.max(value, axis=axis, keepdims=keepdims), np.max(error, axis=axis, keepdims=keepdims))

    def argmax(self, x, axis=None, keepdims=False):
        return np.argmax(_parts(x)[0], axis=axis, keepdims=keepdims)

    def sign(self, x):
        return Bounded(np.sign(_parts(x)[0]), 0.0)

    def zeros(self, shape, dtype=None, device=None):
        return Bounded(np.zeros(shape), 0.0)

    def zeros_like(self, x, **_):
        return Bounded(np.zeros(np.shape(_parts(x)[0])), 0.0)

    def ones_like(self, x, **_):
        return Bounded(np.ones(np.shape(_parts(x)[0])), 0.0)

    def arange(self, *args, dtype=None, device=None, **_):
        return np.arange(*args)

    # --- rounded: sums, products, elementary functions -----------------------------------------------------
    def sum(self, x, axis=None, keepdims=False, **_):
        value, error = _parts(x)
        n = _count(value.shape, axis)
        magnitude = np.sum(np.abs(value), axis=axis, keepdims=keepdims)
        return Bounded(np.sum(value, axis=axis, keepdims=keepdims),
                       np.sum(error, axis=axis, keepdims=keepdims) + max(n - 1, 0) * _mode().unit * magnitude)

    def mean(self, x, axis=None, keepdims=False):
        n = _count(np.shape(_parts(x)[0]), axis)
        return self.sum(x, axis=axis, keepdims=keepdims) / float(n)

    def tensordot(self, a, b, axes=2):
        (va, ea), (vb, eb) = _parts(a), _parts(b)
        z = np.tensordot(va, vb, axes)
        inner = (np.size(va) * np.size(vb) / np.size(z)) ** 0.5 if np.size(z) else 0
        magnitude = np.tensordot(np.abs(va), np.abs(vb), axes)
        propagated = np.tensordot(np.abs(va), eb, axes) + np.tensordot(ea, np.abs(vb), axes)
        return Bounded(z, propagated + inner * _mode().unit * magnitude + _mode().tiny)

    def _function(self, x, f, slope, roundings=1.0):
        value, error = _parts(x)
        z = f(value)
        return _rounded(z, np.abs(slope(value, z)) * error, tiny=True, roundings=roundings)

    def sqrt(self, x):
        return self._function(x, np.sqrt, lambda v, z: 0.5 / z)

    def exp(self, x):
        return self._function(x, np.exp, lambda v, z: z)

    def log(self, x):
        return self._function(x, np.log, lambda v, z: 1.0 / v)

    def tanh(self, x):
        return self._function(x, np.tanh, lambda v, z: 1.0 - z * z)

    def logaddexp(self, a, b):
        """log(eᵃ + eᵇ) = max + log1p(e^(−|a − b|)): the stable form's three roundings; slopes σ(a − b), σ(b − a)."""
        (va, ea), (vb, eb) = _parts(a), _parts(b)
        z = np.logaddexp(va, vb)
        weight = np.exp(va - z)
        return _rounded(z, weight * ea + (1.0 - weight) * eb, tiny=True, roundings=3.0)


NAMESPACE = _Namespace()


def namespace(arrays):
    """The rounding namespace when the mode is on or an argument is Bounded; else None (the inputs' own)."""
    if active() or any(isinstance(a, Bounded) for a in arrays):
        return NAMESPACE
    return None


def _entering(value):
    """A formula's argument in the rounding mode: float arrays and Python floats as Bounded, the rest as it is."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" or type(value) is float:
        return Bounded(*_parts(value))
    return value


def follow(names):
    """Make every function defined in a module (its globals(), `names`) take its float inputs as Bounded in the
    rounding mode, so an operation between two inputs is followed too; outside the mode they run unchanged."""
    module = names["__name__"]
    for name, function in list(names.items()):
        if inspect.isfunction(function) and function.__module__ == module and not name.startswith("__"):
            names[name] = _following(function)


def _following(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not active():
            return function(*args, **kwargs)
        return function(*map(_entering, args), **{k: _entering(v) for k, v in kwargs.items()})
    return wrapper


def number(value):
    """A 0-d result as the spec's Python float, or kept Bounded in the rounding mode (its bound goes on)."""
    return value if isinstance(value, Bounded) else float(value)
