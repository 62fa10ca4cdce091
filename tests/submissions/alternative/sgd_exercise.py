"""The worked exercise, one row at a time."""
import numpy as np


def predict(w, X):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        return w[0] + w[1] * X[0] + w[2] * X[1]
    return np.array([w[0] + w[1] * row[0] + w[2] * row[1] for row in X])


def loss(w, X, y):
    return 0.5 * sum((target - predict(w, row)) ** 2 for row, target in zip(np.asarray(X, float), y))


def _row_gradient(w, row, target):
    residual = target - predict(w, row)
    return -residual * np.array([1.0, row[0], row[1]])


def batch_gd_step(w, X, y, lr):
    w = np.array(w, dtype=float)
    total = np.zeros(3)
    for row, target in zip(np.asarray(X, float), y):
        total += _row_gradient(w, row, target)
    return w - lr * total


def sgd_epoch(w, X, y, lr):
    w = np.array(w, dtype=float)
    for row, target in zip(np.asarray(X, float), y):
        w -= lr * _row_gradient(w, row, target)
    return w
