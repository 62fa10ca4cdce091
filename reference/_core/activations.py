"""Elementwise activations and their derivatives (spec: layers.py relu_*, sigmoid_*, tanh_*)."""
from . import array_namespace, error_bounds


def relu(x):
    """ReLU(x) = max(x, 0)."""
    xp = array_namespace(x)
    return xp.where(x > 0, x, xp.zeros_like(x))


def relu_backward(dout, x, *, grad_at_zero=0.0):
    """dx = dout · 1[x > 0], with ReLU'(0) = grad_at_zero (the spec: 0)."""
    xp = array_namespace(dout, x)
    slope = xp.astype(x > 0, dout.dtype) + grad_at_zero * xp.astype(x == 0, dout.dtype)
    return dout * slope


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), evaluated through e^(−|x|) so that it never overflows."""
    xp = array_namespace(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(dout, x, out, *, derivative_from="output"):
    """dx = dout · σ(1 − σ) with σ = out; derivative_from="input" uses x(1 − x) on the pre-activation."""
    s = {"output": out, "input": x}[derivative_from]
    return dout * s * (1.0 - s)


def tanh(x):
    """tanh(x)."""
    return array_namespace(x).tanh(x)


def tanh_backward(dout, out, *, squared=True):
    """dx = dout · (1 − tanh²x); squared=False: dout · (1 − tanh x)."""
    return dout * (1.0 - (out * out if squared else out))


error_bounds.follow(globals())  # float inputs enter the rounding mode as Bounded (reference.error_bounds)
