"""Numerical gradients (spec: gradient_check.py), the oracle's and the tests' finite differences."""
import numpy as np


def eval_numerical_gradient(f, x, h=1e-5, *, scheme="central", restore=True):
    """∂f/∂x of a scalar f, entry by entry.

    central: (f(x + h eᵢ) − f(x − h eᵢ)) / 2h   (error O(h²))
    Named mistakes: scheme="forward" (f(x + h eᵢ) − f(x)) / h, error O(h);
    restore=False leaves the last entry perturbed.
    """
    return _numerical_gradient(f, x, h, scheme, restore)


def _numerical_gradient(f, x, h, scheme, restore=True):
    """eval_numerical_gradient's body, which relative_difference shares (a known-wrong eval_numerical_gradient
    of a test's submission must not change the course row's oracle)."""
    grad = np.zeros_like(x, dtype=float)
    fx = f(x) if scheme == "forward" else None
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        if scheme == "forward":
            grad[idx] = (f_plus - fx) / h
        else:
            x[idx] = old - h
            grad[idx] = (f_plus - f(x)) / (2 * h)
        if restore:
            x[idx] = old
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5, *, scheme="central"):
    """∂(Σ f(x)·df)/∂x for an array-valued f, by differences of f along each entry of x."""
    grad = np.zeros_like(x, dtype=float)
    fx = f(x).copy() if scheme == "forward" else None
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x).copy()
        if scheme == "forward":
            grad[idx] = np.sum((f_plus - fx) * df) / h
        else:
            x[idx] = old - h
            grad[idx] = np.sum((f_plus - f(x)) * df) / (2 * h)
        x[idx] = old
    return grad


def rel_error(a, b, *, floor=1e-8):
    """max over entries of |a − b| / max(floor, |a| + |b|)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))


def relative_difference(f, x, grad, h=1e-7, *, scheme="central", denominator="sum_of_norms"):
    """‖grad − g̃‖₂ / (‖grad‖₂ + ‖g̃‖₂) with g̃ = eval_numerical_gradient(f, x, h): gradient checking's verdict in
    the Deep Learning Specialization (a course row; the spec's rel_error is the largest elementwise error).
    Named mistakes: scheme="forward" (a one-sided difference); denominator="norm_of_sum" (‖grad + g̃‖₂)."""
    return _relative_difference(f, x, grad, h, scheme, denominator)


def _relative_difference(f, x, grad, h, scheme, denominator):
    numerical = _numerical_gradient(f, np.array(x, dtype=float), h, scheme)
    grad = np.asarray(grad, dtype=float).reshape(numerical.shape)
    below = np.linalg.norm(grad) + np.linalg.norm(numerical) if denominator == "sum_of_norms" \
        else np.linalg.norm(grad + numerical)
    return float(np.linalg.norm(grad - numerical) / below)


def relative_difference_1d(f, x, grad, h=1e-7, *, scheme="central", denominator="sum_of_norms"):
    """relative_difference of a one-number θ (x and grad of one entry): the course's 1-D gradient_check."""
    return _relative_difference(f, x, grad, h, scheme, denominator)
