"""Losses and weight penalties (spec: losses.py), each `f(...) -> (loss, grad)` with a float loss.

Formulas and variants are documented in `_core.losses`.
"""
from . import error_bounds
from ._core import losses as core


def softmax_loss(x, y, *, stable=True, mean=True):
    """Mean softmax cross-entropy of scores x (N, C) and int labels y (N,); returns (loss, dx)."""
    loss, dx = core.softmax_loss(x, y, stable=stable, mean=mean)
    return error_bounds.number(loss), dx


def mse_loss(pred, y, *, half=True, mean_over_elements=False):
    """(1/2N) Σ ‖pred − y‖² over the N rows; returns (loss, dpred)."""
    loss, dpred = core.mse_loss(pred, y, half=half, mean_over_elements=mean_over_elements)
    return error_bounds.number(loss), dpred


def logistic_loss(z, y, *, stable=True, mean=True):
    """Mean binary cross-entropy of sigmoid(z), z (N,) logits, y (N,) in {0, 1}; returns (loss, dz)."""
    loss, dz = core.logistic_loss(z, y, stable=stable, mean=mean)
    return error_bounds.number(loss), dz


def l2_regularization(W, lam, m, *, half=True):
    """(λ/2m)‖W‖²; returns (penalty, (λ/m) W)."""
    loss, dW = core.l2_regularization(W, lam, m, half=half)
    return error_bounds.number(loss), dW


def l1_regularization(W, lam, m):
    """(λ/m) Σ|W|; returns (penalty, (λ/m) sign(W))."""
    loss, dW = core.l1_regularization(W, lam, m)
    return error_bounds.number(loss), dW
