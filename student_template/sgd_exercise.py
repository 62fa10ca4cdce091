"""The worked gradient-descent exercise.

Model h(x) = w₀ + w₁x₁ + w₂x₂ (w₀ is the bias), w (3,), X (N, 2), y (N,).
Loss L(w) = ½ Σᵢ (yᵢ − h(xᵢ))².
Textbook instance: w = (0, 1, 0.5), X = [[1, 2], [−2, 5], [0, 1]], y = (1, 6, 1), η = 0.01.
"""


def predict(w, X):
    """h(X): X (N, 2) → (N,); a single sample X of shape (2,) → a scalar."""
    raise NotImplementedError


def loss(w, X, y):
    """L(w) = ½ Σᵢ (yᵢ − h(xᵢ))², a scalar."""
    raise NotImplementedError


def batch_gd_step(w, X, y, lr):
    """One full-batch gradient step on the summed loss.

    ∂L/∂w₀ = −Σᵢ (yᵢ − h(xᵢ)),  ∂L/∂wⱼ = −Σᵢ (yᵢ − h(xᵢ)) xᵢⱼ;  w ← w − η ∇L.
    Returns the new w (3,).
    """
    raise NotImplementedError


def sgd_epoch(w, X, y, lr):
    """One SGD pass: rows in order, one update per row on ½ (yᵢ − h(xᵢ))².

    Returns the new w (3,).
    """
    raise NotImplementedError
