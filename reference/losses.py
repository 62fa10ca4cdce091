"""Losses and weight penalties (spec: losses.py), each `f(...) -> (loss, grad)` with a float loss.

Formulas and variants are documented in `_core.losses`.
"""
import numpy as np

from . import error_bounds
from ._core import losses as core


def softmax_loss(x, y, *, stable=True, mean=True, log_floor=None, naive=False):
    """Mean softmax cross-entropy of scores x (N, C) and int labels y (N,); returns (loss, dx)."""
    loss, dx = core.softmax_loss(x, y, stable=stable, mean=mean, log_floor=log_floor, naive=naive)
    return error_bounds.number(loss), dx


def mse_loss(pred, y, *, half=True, mean_over_elements=False):
    """(1/2N) Σ ‖pred − y‖² over the N rows; returns (loss, dpred)."""
    loss, dpred = core.mse_loss(pred, y, half=half, mean_over_elements=mean_over_elements)
    return error_bounds.number(loss), dpred


def logistic_loss(z, y, *, stable=True, mean=True, log1p=True):
    """Mean binary cross-entropy of sigmoid(z), z (N,) logits, y (N,) in {0, 1}; returns (loss, dz)."""
    loss, dz = core.logistic_loss(z, y, stable=stable, mean=mean, log1p=log1p)
    return error_bounds.number(loss), dz


def l2_regularization(W, lam, m, *, half=True):
    """(λ/2m)‖W‖²; returns (penalty, (λ/m) W)."""
    loss, dW = core.l2_regularization(W, lam, m, half=half)
    return error_bounds.number(loss), dW


def l1_regularization(W, lam, m):
    """(λ/m) Σ|W|; returns (penalty, (λ/m) sign(W))."""
    loss, dW = core.l1_regularization(W, lam, m)
    return error_bounds.number(loss), dW


def binary_cross_entropy(p, y, *, mean=True):
    """−(1/N) Σ [y log p + (1 − y) log(1 − p)] of probabilities p (N,) and labels y (N,) in {0, 1}: the loss only
    (a course row: the Deep Learning Specialization's compute_cost, on probabilities, not logits).
    mean=False: the sum, not the mean."""
    return _binary_cross_entropy(p, y, mean)


def _binary_cross_entropy(p, y, mean=True):
    loss = -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum()
    return float(loss / p.shape[0] if mean else loss)


def binary_cross_entropy_l2(p, y, params, lambd, *, half=True, biases=False):
    """binary_cross_entropy(p, y) + (λ/2N) Σ_l ‖W_l‖² over the weights of params (a course row: the Deep Learning
    Specialization's compute_cost_with_regularization). Mistakes: half=False (λ/N); biases=True (the b_l too)."""
    penalised = [v for k, v in params.items() if k.startswith("W") or (biases and k.startswith("b"))]
    penalty = sum(float(np.sum(np.square(v))) for v in penalised) * lambd / len(y) / (2 if half else 1)
    return _binary_cross_entropy(p, y) + penalty
