"""Layers (spec: layers.py): forward `f_forward(...) -> (out, cache)`, backward `f_backward(dout, cache)`.

Documented variants and named mistakes are keyword-only parameters (defaults = the spec).
A backward pass is the exact gradient of the forward that filled its cache (forward variants
included); its own keyword parameters name mistakes of the backward formula.
"""
import numpy as np
from array_api_compat import is_cupy_array

from ._core import activations, array_namespace, conv
from ._core import layers as core
from .layers_norms import (  # noqa: F401  (the spec's layers module holds the normalizations)
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    groupnorm_backward,
    groupnorm_forward,
    instancenorm_backward,
    instancenorm_forward,
    layernorm_backward,
    layernorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

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


# --- dropout ----------------------------------------------------------------------------


def _generator(x, seed):
    """A Generator on x's device: numpy.random.default_rng(seed) (cupy's for CuPy arrays)."""
    if is_cupy_array(x):
        import cupy
        return cupy.random.default_rng(seed)
    return np.random.default_rng(seed)


def dropout_forward(x, dropout_param, *, inverted=True, p_is_keep=False, mask_per_column=False, only_2d=False):
    """p = probability of dropping a unit; mode 'train' (default) or 'test'; seed optional.
    Train: keep = rng.random(x.shape) ≥ p, out = x ⊙ keep / (1 − p). Test: identity.

    Mistakes: inverted=False (train out = x ⊙ keep, test out = (1 − p)·x);
    p_is_keep (p read as the keep probability: keep = rng.random(x.shape) < p, scaled by 1/p);
    mask_per_column (one draw per column, x.shape[1:], shared by every row of the batch);
    only_2d (raises unless x is 2-D, as rng.random((x.shape[0], x.shape[1])) does).
    """
    if only_2d and x.ndim != 2:
        raise ValueError(f"operands could not be broadcast together with shapes {x.shape} and {x.shape[:2]}")
    p = dropout_param["p"]
    mode = dropout_param.get("mode", "train")
    keep_prob = p if p_is_keep else 1.0 - p
    cache = {"mode": mode, "keep_prob": keep_prob, "inverted": inverted, "keep": None}
    if mode == "test":
        return core.dropout_test(x, keep_prob, inverted=inverted), cache
    if mode != "train":
        raise ValueError(f"dropout_param mode must be 'train' or 'test', not {mode!r}")
    draws = _generator(x, dropout_param.get("seed")).random(x.shape[1:] if mask_per_column else x.shape)
    if mask_per_column:
        draws = array_namespace(x).broadcast_to(draws, x.shape)  # the batch's rows share one mask
    cache["keep"] = draws < p if p_is_keep else draws >= p
    return core.dropout(x, cache["keep"], keep_prob, inverted=inverted), cache


def dropout_backward(dout, cache, *, scale=True, apply_mask=True):
    """dx = dout ⊙ keep / (1 − p) with the forward's mask (test: dx = dout).
    Mistakes scale=False: dx = dout ⊙ keep; apply_mask=False: dx = dout / (1 − p)."""
    if cache["mode"] == "test":
        return core.dropout_test(dout, cache["keep_prob"], inverted=cache["inverted"])
    return core.dropout_backward(dout, cache["keep"], cache["keep_prob"], inverted=cache["inverted"],
                                 scale=scale, apply_mask=apply_mask)


# --- convolution and pooling ------------------------------------------------------------


def conv_forward_naive(x, w, b, conv_param, *, flip_kernel=False, rounding="floor", row_index="spec"):
    """x (N, C, H, W), w (F, C, HH, WW), b (F,), conv_param stride, pad (zeros):
    out (N, F, 1 + ⌊(H + 2p − HH)/s⌋, 1 + ⌊(W + 2p − WW)/s⌋), cross-correlation.
    Mistakes: flip_kernel (true convolution, kernel flipped in both spatial axes);
    rounding="round" (the output size 1 + round((H + 2p − HH)/s), windows past the input reading zeros);
    row_index="h_times_out_h" (an im2col row index h·out_h + w: conv.conv2d)."""
    out = conv.conv2d(x, w, b, conv_param["stride"], conv_param["pad"], flip_kernel=flip_kernel, rounding=rounding,
                      row_index=row_index)
    return out, (x, w, conv_param)


def conv_backward_naive(dout, cache, *, flip_kernel=False, negative_crop=False):
    """(dx, dw, db). flip_kernel=True: the gradients of the flip_kernel forward.
    Mistake negative_crop: dx cropped from the padded gradient as [pad:−pad] (empty when pad = 0)."""
    x, w, conv_param = cache
    return conv.conv2d_backward(dout, x, w, conv_param["stride"], conv_param["pad"],
                                flip_kernel=flip_kernel, negative_crop=negative_crop)


def _pool_shape(pool_param):
    return pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]


def max_pool_forward_naive(x, pool_param, *, width_from_height=False):
    """x (N, C, H, W): max over pool_height × pool_width windows at the given stride, no padding.
    Mistake width_from_height: the output width computed from pool_height (conv.max_pool)."""
    return conv.max_pool(x, *_pool_shape(pool_param), width_from_height=width_from_height), (x, pool_param)


def max_pool_backward_naive(dout, cache, *, ties="first", overwrite=False):
    """dx: each dout entry goes to its window's first maximum in row-major order.
    Mistakes: ties="all" (every maximal entry), ties="last" (the last maximum),
    overwrite (dx[window] = … window by window: = in place of +=, overlapping windows overwrite)."""
    x, pool_param = cache
    return conv.max_pool_backward(dout, x, *_pool_shape(pool_param), ties=ties, overwrite=overwrite)


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


def zero_pad(x, pad, *, every_axis=False):
    """x (N, C, H, W) with `pad` zeros on both sides of H and W (a course row: the Deep Learning Specialization's
    zero_pad, there channels-last). Mistake every_axis: N and C padded too (np.pad(x, pad))."""
    if every_axis:
        return np.pad(x, pad)
    return conv.zero_pad(x, pad)


def conv_single_step(a, w, b, *, bias="once"):
    """Σ a·w + b over one window (a, w of one shape, b one number of any shape): the Deep Learning Specialization's
    conv_single_step (a course row). Variant bias="every_entry": Σ (a·w + b), the 2017 template's."""
    b = float(np.asarray(b).reshape(-1)[0])
    return float(np.sum(a * w + b)) if bias == "every_entry" else float(np.sum(a * w)) + b
