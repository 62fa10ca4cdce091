"""The worked gradient-descent exercise (spec: sgd_exercise.py).

Model h(x) = w₀ + w₁x₁ + w₂x₂ (w₀ the bias), loss L(w) = ½ Σᵢ (yᵢ − h(xᵢ))².
Textbook instance: w = (0, 1, 0.5), X = [[1, 2], [−2, 5], [0, 1]], y = (1, 6, 1), η = 0.01 gives
h((2, 3)) = 3.5, L = 15.75; one batch step → w = (0.05, 0.88, 0.76), L = 8.71335;
one SGD epoch → w = (0.047846, 0.8782, 0.761446), L ≈ 8.678060 (lower).

`reduction` names how the squared residuals are combined:
"half_sum" ½ Σ rᵢ² (the spec), "sum" Σ rᵢ², "mean" (1/N) Σ rᵢ².
"""
import numpy as np

_REDUCTION_FACTOR = {"half_sum": lambda n: 0.5, "sum": lambda n: 1.0, "mean": lambda n: 1.0 / n}


def predict(w, X):
    """h(x) = w₀ + w₁x₁ + w₂x₂ for each row of X (N, 2) → (N,); a sample of shape (2,) → a scalar."""
    w = np.asarray(w, dtype=float)
    return w[0] + np.asarray(X, dtype=float) @ w[1:]


def _residuals(w, X, y):
    return np.asarray(y, dtype=float) - predict(w, X)


def loss(w, X, y, *, reduction="half_sum"):
    """L(w) = ½ Σᵢ (yᵢ − h(xᵢ))²; reduction "sum" drops the ½, "mean" is (1/N) Σ rᵢ²."""
    r = _residuals(w, X, y)
    return float(_REDUCTION_FACTOR[reduction](r.shape[0]) * np.sum(r * r))


def _gradient(w, X, y, *, reduction="half_sum"):
    """∂L/∂w = −Σᵢ rᵢ (1, xᵢ₁, xᵢ₂) with rᵢ = yᵢ − h(xᵢ) (times 2 for "sum", 2/N for "mean")."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    r = _residuals(w, X, y)
    design = np.hstack([np.ones((X.shape[0], 1)), X])
    return -2.0 * _REDUCTION_FACTOR[reduction](r.shape[0]) * (design.T @ r)


def batch_gd_step(w, X, y, lr, *, reduction="half_sum", bias_gradient=True):
    """One full-batch step w ← w − η ∂L/∂w on the summed loss.

    bias_gradient=False leaves the bias w₀ unchanged (its gradient forgotten).
    """
    step = lr * _gradient(w, X, y, reduction=reduction)
    if not bias_gradient:
        step[0] = 0.0
    return np.asarray(w, dtype=float) - step


def sgd_epoch(w, X, y, lr, *, stale_weights=False):
    """One pass over the rows in order, w ← w − η ∂Lᵢ/∂w with Lᵢ = ½ (yᵢ − h(xᵢ))² per row.

    stale_weights=True takes every row's gradient at the epoch-start weights (updates still applied).
    """
    w = np.asarray(w, dtype=float)
    start = w
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    for i in range(X.shape[0]):
        w = w - lr * _gradient(start if stale_weights else w, X[i:i + 1], y[i:i + 1])
    return w
