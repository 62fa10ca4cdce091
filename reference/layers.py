"""Layers (spec: layers.py): forward `f_forward(...) -> (out, cache)`, backward `f_backward(dout, cache)`.

Documented variants and named mistakes are keyword-only parameters (defaults = the spec).
A backward pass is the exact gradient of the forward that filled its cache (forward variants
included); its own keyword parameters name mistakes of the backward formula.
"""
import numpy as np
from array_api_compat import array_namespace, device, is_cupy_array

from ._core import activations, conv, norms
from ._core import layers as core

# --- affine and activations -------------------------------------------------------------


def affine_forward(x, w, b):
    """out = x̃ w + b, x (N, d1…dk) flattened to x̃ (N, D), w (D, M), b (M,)."""
    return core.affine(x, w, b), (x, w)


def affine_backward(dout, cache):
    """(dx, dw, db): dx = dout wᵀ in x's shape, dw = x̃ᵀ dout, db = Σₙ dout."""
    x, w = cache
    return core.affine_backward(dout, x, w)


def relu_forward(x):
    """out = max(x, 0)."""
    return activations.relu(x), x


def relu_backward(dout, cache, *, grad_at_zero=0.0):
    """dx = dout · 1[x > 0]. Mistake grad_at_zero=1.0: ReLU'(0) = 1."""
    return activations.relu_backward(dout, cache, grad_at_zero=grad_at_zero)


def sigmoid_forward(x):
    """out = σ(x) = 1 / (1 + e^(−x))."""
    out = activations.sigmoid(x)
    return out, (x, out)


def sigmoid_backward(dout, cache, *, derivative_from="output"):
    """dx = dout · σ(x)(1 − σ(x)). Mistake derivative_from="input": dout · x(1 − x)."""
    x, out = cache
    return activations.sigmoid_backward(dout, x, out, derivative_from=derivative_from)


def tanh_forward(x):
    """out = tanh x."""
    out = activations.tanh(x)
    return out, out


def tanh_backward(dout, cache, *, squared=True):
    """dx = dout · (1 − tanh²x). Mistake squared=False: dout · (1 − tanh x)."""
    return activations.tanh_backward(dout, cache, squared=squared)


# --- normalization ----------------------------------------------------------------------


def _per_channel(param, x):
    """γ or β, (C,) or (1, C, 1, 1), reshaped to broadcast along axis 1 of x."""
    xp = array_namespace(param)
    return xp.reshape(param, (1, x.shape[1]) + (1,) * (x.ndim - 2))


def _norm_forward(x, gamma, beta, eps, view_shape, axes, *, ddof=0, eps_outside_sqrt=False,
                  stats=None):
    """out = γ x̂ + β per channel, x̂ normalized over `axes` of x viewed as view_shape, with the
    statistics of x or the given constant (μ, σ²). Returns out, cache, μ, σ²."""
    xp = array_namespace(x, gamma, beta)
    x_view = xp.reshape(x, view_shape)
    mean, var = norms.moments(x_view, axes, ddof=ddof) if stats is None else stats
    xhat = xp.reshape(norms.normalize(x_view, mean, var, eps, eps_outside_sqrt=eps_outside_sqrt),
                      x.shape)
    out = norms.scale_shift(xhat, _per_channel(gamma, x), _per_channel(beta, x))
    cache = {"xhat": xhat, "var": var, "eps": eps, "view_shape": view_shape, "axes": axes,
             "gamma": gamma, "ddof": ddof, "eps_outside_sqrt": eps_outside_sqrt,
             "stats_from_x": stats is None}
    return out, cache, mean, var


def _norm_backward(dout, cache, *, through_stats=True):
    """(dx, dγ, dβ) for _norm_forward; dγ, dβ in γ's shape."""
    xp = array_namespace(dout)
    gamma, view_shape = cache["gamma"], cache["view_shape"]
    affine_axes = (0,) + tuple(range(2, dout.ndim))
    dxhat, dgamma, dbeta = norms.scale_shift_backward(dout, cache["xhat"], _per_channel(gamma, dout),
                                                      affine_axes)
    dx = norms.normalize_backward(
        xp.reshape(dxhat, view_shape), xp.reshape(cache["xhat"], view_shape), cache["var"],
        cache["eps"], cache["axes"], ddof=cache["ddof"], eps_outside_sqrt=cache["eps_outside_sqrt"],
        through_stats=through_stats and cache["stats_from_x"])
    return xp.reshape(dx, dout.shape), xp.reshape(dgamma, gamma.shape), xp.reshape(dbeta, gamma.shape)


def _batchnorm(x, gamma, beta, bn_param, axes, *, ddof, eps_outside_sqrt, running_momentum_swapped,
               running_var_unbiased, test_uses_batch_stats):
    """Batch norm over `axes` with running statistics of shape (C,) kept in bn_param."""
    xp = array_namespace(x)
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param mode must be 'train' or 'test', not {mode!r}")
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    channels = x.shape[1]
    running_mean = bn_param.setdefault("running_mean", xp.zeros(channels, dtype=x.dtype, device=device(x)))
    running_var = bn_param.setdefault("running_var", xp.zeros(channels, dtype=x.dtype, device=device(x)))
    variants = {"ddof": ddof, "eps_outside_sqrt": eps_outside_sqrt}
    if mode == "test" and not test_uses_batch_stats:
        stats = (_per_channel(running_mean, x), _per_channel(running_var, x))
        out, cache, _, _ = _norm_forward(x, gamma, beta, eps, x.shape, axes, stats=stats, **variants)
        return out, cache
    out, cache, mean, var = _norm_forward(x, gamma, beta, eps, x.shape, axes, **variants)
    if mode == "train":
        count = x.size // channels
        if running_var_unbiased:
            var = var * (count - ddof) / (count - 1)
        bn_param["running_mean"] = norms.running_average(
            running_mean, xp.reshape(mean, (channels,)), momentum, swapped=running_momentum_swapped)
        bn_param["running_var"] = norms.running_average(
            running_var, xp.reshape(var, (channels,)), momentum, swapped=running_momentum_swapped)
    return out, cache


def batchnorm_forward(x, gamma, beta, bn_param, *, ddof=0, eps_outside_sqrt=False,
                      running_momentum_swapped=False, running_var_unbiased=False,
                      test_uses_batch_stats=False):
    """x (N, D). Train: x̂ = (x − μ)/√(σ² + ε) with batch μ and biased σ² over N, out = γx̂ + β,
    running ← momentum·running + (1 − momentum)·batch for μ and σ², stored in bn_param.
    Test: normalize with the running statistics.

    Variants/mistakes: ddof=1 (unbiased batch variance), eps_outside_sqrt ((x − μ)/(σ + ε)),
    running_momentum_swapped (running ← (1 − momentum)·running + momentum·batch),
    running_var_unbiased (running update with the N − 1 variance, torch's convention),
    test_uses_batch_stats (mode 'test' normalizes with the batch's own statistics).
    """
    return _batchnorm(x, gamma, beta, bn_param, (0,), ddof=ddof, eps_outside_sqrt=eps_outside_sqrt,
                      running_momentum_swapped=running_momentum_swapped,
                      running_var_unbiased=running_var_unbiased,
                      test_uses_batch_stats=test_uses_batch_stats)


def batchnorm_backward(dout, cache, *, through_stats=True):
    """(dx, dγ, dβ): dx = (γ/σ)/N · (N·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)), dx̂ = dout·γ, σ = √(σ² + ε).
    Mistake through_stats=False: dx = dout·γ/σ (μ and σ² treated as constants)."""
    return _norm_backward(dout, cache, through_stats=through_stats)


def layernorm_forward(x, gamma, beta, ln_param, *, ddof=0):
    """x (N, D): statistics per row over D, eps=1e-5, the same in train and test; out = γx̂ + β.
    Mistake ddof=1: unbiased variance."""
    eps = (ln_param or {}).get("eps", 1e-5)
    out, cache, _, _ = _norm_forward(x, gamma, beta, eps, x.shape, tuple(range(1, x.ndim)), ddof=ddof)
    return out, cache


def layernorm_backward(dout, cache, *, through_stats=True):
    """(dx, dγ, dβ), the batchnorm formula along each row. Mistake through_stats=False: dx = dout·γ/σ."""
    return _norm_backward(dout, cache, through_stats=through_stats)


def spatial_batchnorm_forward(x, gamma, beta, bn_param, *, naive_reshape=False):
    """x (N, C, H, W), γ, β (C,): batch norm per channel over N, H, W; bn_param as batchnorm.
    Mistake naive_reshape: x.reshape(−1, C) without moving the channel axis last, batchnorm,
    reshaped back."""
    if naive_reshape:
        xp = array_namespace(x)
        out, cache = batchnorm_forward(xp.reshape(x, (-1, x.shape[1])), gamma, beta, bn_param)
        return xp.reshape(out, x.shape), {"naive_reshape": cache}
    return _batchnorm(x, gamma, beta, bn_param, (0,) + tuple(range(2, x.ndim)), ddof=0,
                      eps_outside_sqrt=False, running_momentum_swapped=False,
                      running_var_unbiased=False, test_uses_batch_stats=False)


def spatial_batchnorm_backward(dout, cache):
    """(dx, dγ, dβ), the batchnorm formula per channel over N, H, W."""
    if "naive_reshape" in cache:
        xp = array_namespace(dout)
        dx, dgamma, dbeta = batchnorm_backward(xp.reshape(dout, (-1, dout.shape[1])),
                                               cache["naive_reshape"])
        return xp.reshape(dx, dout.shape), dgamma, dbeta
    return _norm_backward(dout, cache)


def instancenorm_forward(x, gamma, beta, in_param, *, ddof=0):
    """x (N, C, H, W), γ, β (C,) or (1, C, 1, 1): statistics per sample and channel over H, W,
    eps=1e-5. Mistake ddof=1: unbiased variance."""
    eps = (in_param or {}).get("eps", 1e-5)
    out, cache, _, _ = _norm_forward(x, gamma, beta, eps, x.shape, tuple(range(2, x.ndim)), ddof=ddof)
    return out, cache


def instancenorm_backward(dout, cache):
    """(dx, dγ, dβ), dγ and dβ in γ's shape."""
    return _norm_backward(dout, cache)


def groupnorm_forward(x, gamma, beta, G, gn_param, *, interleaved_groups=False):
    """x (N, C, H, W), C divisible by G, groups of C/G contiguous channels: statistics per sample
    and group over (C/G, H, W), eps=1e-5. Mistake interleaved_groups: channel c in group c % G."""
    eps = (gn_param or {}).get("eps", 1e-5)
    n, channels, *spatial = x.shape
    if interleaved_groups:
        view_shape, group_axis = (n, channels // G, G, *spatial), 2
    else:
        view_shape, group_axis = (n, G, channels // G, *spatial), 1
    axes = tuple(a for a in range(1, len(view_shape)) if a != group_axis)
    out, cache, _, _ = _norm_forward(x, gamma, beta, eps, view_shape, axes)
    return out, cache


def groupnorm_backward(dout, cache):
    """(dx, dγ, dβ), dγ and dβ in γ's shape."""
    return _norm_backward(dout, cache)


# --- dropout ----------------------------------------------------------------------------


def _generator(x, seed):
    """A Generator on x's device: numpy.random.default_rng(seed) (cupy's for CuPy arrays)."""
    if is_cupy_array(x):
        import cupy
        return cupy.random.default_rng(seed)
    return np.random.default_rng(seed)


def dropout_forward(x, dropout_param, *, inverted=True, p_is_keep=False):
    """p = probability of dropping a unit; mode 'train' (default) or 'test'; seed optional.
    Train: keep = rng.random(x.shape) ≥ p, out = x ⊙ keep / (1 − p). Test: identity.

    Mistakes: inverted=False (train out = x ⊙ keep, test out = (1 − p)·x);
    p_is_keep (p read as the keep probability: keep = rng.random(x.shape) < p, scaled by 1/p).
    """
    p = dropout_param["p"]
    mode = dropout_param.get("mode", "train")
    keep_prob = p if p_is_keep else 1.0 - p
    cache = {"mode": mode, "keep_prob": keep_prob, "inverted": inverted, "keep": None}
    if mode == "test":
        return core.dropout_test(x, keep_prob, inverted=inverted), cache
    if mode != "train":
        raise ValueError(f"dropout_param mode must be 'train' or 'test', not {mode!r}")
    draws = _generator(x, dropout_param.get("seed")).random(x.shape)
    cache["keep"] = draws < p if p_is_keep else draws >= p
    return core.dropout(x, cache["keep"], keep_prob, inverted=inverted), cache


def dropout_backward(dout, cache, *, scale=True):
    """dx = dout ⊙ keep / (1 − p) with the forward's mask (test: dx = dout).
    Mistake scale=False: dx = dout ⊙ keep."""
    if cache["mode"] == "test":
        return core.dropout_test(dout, cache["keep_prob"], inverted=cache["inverted"])
    return core.dropout_backward(dout, cache["keep"], cache["keep_prob"], inverted=cache["inverted"],
                                 scale=scale)


# --- convolution and pooling ------------------------------------------------------------


def conv_forward_naive(x, w, b, conv_param, *, flip_kernel=False):
    """x (N, C, H, W), w (F, C, HH, WW), b (F,), conv_param stride, pad (zeros):
    out (N, F, 1 + ⌊(H + 2p − HH)/s⌋, 1 + ⌊(W + 2p − WW)/s⌋), cross-correlation.
    Mistake flip_kernel: true convolution (kernel flipped in both spatial axes)."""
    out = conv.conv2d(x, w, b, conv_param["stride"], conv_param["pad"], flip_kernel=flip_kernel)
    return out, (x, w, conv_param)


def conv_backward_naive(dout, cache, *, flip_kernel=False):
    """(dx, dw, db). flip_kernel=True: the gradients of the flip_kernel forward."""
    x, w, conv_param = cache
    return conv.conv2d_backward(dout, x, w, conv_param["stride"], conv_param["pad"],
                                flip_kernel=flip_kernel)


def _pool_shape(pool_param):
    return pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]


def max_pool_forward_naive(x, pool_param):
    """x (N, C, H, W): max over pool_height × pool_width windows at the given stride, no padding."""
    return conv.max_pool(x, *_pool_shape(pool_param)), (x, pool_param)


def max_pool_backward_naive(dout, cache, *, ties="first"):
    """dx: each dout entry goes to its window's first maximum in row-major order.
    Mistakes: ties="all" (every maximal entry), ties="last" (the last maximum)."""
    x, pool_param = cache
    return conv.max_pool_backward(dout, x, *_pool_shape(pool_param), ties=ties)


def avg_pool_forward_naive(x, pool_param):
    """x (N, C, H, W): mean over pool_height × pool_width windows at the given stride, no padding."""
    return conv.avg_pool(x, *_pool_shape(pool_param)), (x, pool_param)


def avg_pool_backward_naive(dout, cache, *, divide=True):
    """dx: each dout entry shared equally by its window. Mistake divide=False: not divided by its size."""
    x, pool_param = cache
    return conv.avg_pool_backward(dout, x, *_pool_shape(pool_param), divide=divide)


def conv1d_full(x, w, *, correlate=False):
    """z_i = Σ_j w_j x_{i−j+1} (1-based), length d + k − 1: np.convolve(x, w, 'full').
    Mistake correlate: np.correlate(x, w, 'full') (kernel not flipped)."""
    return conv.conv1d_full(x, w, correlate=correlate)
