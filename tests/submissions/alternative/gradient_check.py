"""Central differences with np.nditer, restoring each entry explicitly."""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        original = x[ix]
        x[ix] = original + h
        f_plus = f(x)
        x[ix] = original - h
        f_minus = f(x)
        x[ix] = original
        grad[ix] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        original = x[ix]
        x[ix] = original + h
        f_plus = np.array(f(x), dtype=float)
        x[ix] = original - h
        f_minus = np.array(f(x), dtype=float)
        x[ix] = original
        grad[ix] = np.sum((f_plus - f_minus) * df) / (2 * h)
        it.iternext()
    return grad


def rel_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
