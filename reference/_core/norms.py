"""One normalization core for batch, layer, spatial-batch, instance and group norm.

The norms differ only in the view of x (a reshape) and the axes the statistics are taken over;
M is the number of entries reduced for one statistic.
"""
import math

from . import array_namespace, error_bounds


def moments(x, axes, *, ddof=0, one_pass=False):
    """μ = Σx/M and σ² = Σ(x − μ)²/(M − ddof) over axes (kept as size-1 axes).

    one_pass: σ² = mean(x²) − μ² (Keras' moments), which cancels when |μ| ≫ σ.
    """
    xp = array_namespace(x)
    mean = xp.mean(x, axis=axes, keepdims=True)
    count = math.prod(x.shape[a] for a in axes)
    if one_pass:
        return mean, (xp.mean(x * x, axis=axes, keepdims=True) - mean * mean) * count / (count - ddof)
    centred = x - mean
    return mean, xp.sum(centred * centred, axis=axes, keepdims=True) / (count - ddof)


def denominator(var, eps, *, eps_outside_sqrt=False):
    """√(σ² + ε), or √σ² + ε when eps_outside_sqrt."""
    xp = array_namespace(var)
    return xp.sqrt(var) + eps if eps_outside_sqrt else xp.sqrt(var + eps)


def normalize(x, mean, var, eps, *, eps_outside_sqrt=False):
    """x̂ = (x − μ) / √(σ² + ε)."""
    return (x - mean) / denominator(var, eps, eps_outside_sqrt=eps_outside_sqrt)


def normalize_backward(dxhat, xhat, var, eps, axes, *, ddof=0, eps_outside_sqrt=False,
                       through_stats=True, drop_term=None):
    """dx from dx̂, with μ and σ² functions of x:

    dx = (dx̂ − mean(dx̂)) / d − x̂ · Σ(dx̂ · x̂) / (s · (M − ddof)),  d = √(σ² + ε) = s
    (eps_outside_sqrt: d = √σ² + ε, s = √σ²). For ddof=0 this is (1/(dM))(M dx̂ − Σdx̂ − x̂ Σ(dx̂ x̂)).
    through_stats=False treats μ and σ² as constants: dx = dx̂ / d.
    drop_term leaves one term out: "mean" the −mean(dx̂)/d of μ's path, "variance" the x̂·Σ(dx̂ · x̂) of σ²'s.
    """
    xp = array_namespace(dxhat, xhat, var)
    den = denominator(var, eps, eps_outside_sqrt=eps_outside_sqrt)
    if not through_stats:
        return dxhat / den
    count = math.prod(xhat.shape[a] for a in axes)
    s = xp.sqrt(var) if eps_outside_sqrt else den
    through_mean = 0.0 if drop_term == "mean" else xp.mean(dxhat, axis=axes, keepdims=True)
    through_var = 0.0 if drop_term == "variance" else xhat * xp.sum(dxhat * xhat, axis=axes, keepdims=True)
    return (dxhat - through_mean) / den - through_var / (s * (count - ddof))


def scale_shift(xhat, gamma, beta):
    """out = γ x̂ + β (γ, β broadcast against x̂)."""
    return gamma * xhat + beta


def scale_shift_backward(dout, xhat, gamma, axes):
    """dx̂ = dout · γ; dγ = Σ dout · x̂ and dβ = Σ dout over the axes γ is broadcast along (kept)."""
    xp = array_namespace(dout, xhat, gamma)
    dgamma = xp.sum(dout * xhat, axis=axes, keepdims=True)
    return dout * gamma, dgamma, xp.sum(dout, axis=axes, keepdims=True)


def running_average(running, batch, momentum, *, swapped=False):
    """running ← m · running + (1 − m) · batch; swapped: (1 − m) · running + m · batch."""
    if swapped:
        momentum = 1.0 - momentum
    return momentum * running + (1.0 - momentum) * batch


error_bounds.follow(globals())  # float inputs enter the rounding mode as Bounded (reference.error_bounds)
