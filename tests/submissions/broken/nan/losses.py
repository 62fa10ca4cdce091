# Non-finite results: every loss returns NaN as its loss and its gradient.
import numpy as np


def softmax_loss(x, y):
    return float("nan"), np.full(x.shape, np.nan)


def mse_loss(pred, y):
    return np.nan, np.full(pred.shape, np.nan)


def logistic_loss(z, y):
    return np.float64(np.nan), np.full(z.shape, np.nan)


def l2_regularization(W, lam, m):
    return np.nan, np.full(W.shape, np.nan)


def l1_regularization(W, lam, m):
    return np.nan, np.full(W.shape, np.nan)
