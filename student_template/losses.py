"""Loss functions: ``f(...) -> (loss, grad)``, loss a Python float or 0-d scalar."""


def softmax_loss(x, y):
    """Softmax cross-entropy, averaged over the batch.

    x (N, C) scores; y (N,) integer labels in [0, C).
    p = softmax(x) row by row; loss = −(1/N) Σ_i log p[i, y_i];
    dx = (p − onehot(y)) / N, shape (N, C).
    Returns (loss, dx).
    """
    raise NotImplementedError


def mse_loss(pred, y):
    """Mean squared error over rows.

    pred, y of the same shape (N, ...). loss = (1/2N) Σ_i ‖pred_i − y_i‖²;
    dpred = (pred − y) / N. Returns (loss, dpred).
    """
    raise NotImplementedError


def logistic_loss(z, y):
    """Binary cross-entropy of sigmoid(z), averaged over the batch.

    z (N,) logits; y (N,) in {0, 1}.
    loss = −(1/N) Σ_i [y_i log σ(z_i) + (1 − y_i) log(1 − σ(z_i))];
    dz = (σ(z) − y) / N. Must stay finite for |z| up to 1e3 (use a stable form).
    Returns (loss, dz).
    """
    raise NotImplementedError


def l2_regularization(W, lam, m):
    """L2 penalty: loss = (λ / 2m) ‖W‖², grad = (λ / m) W. Returns (loss, grad)."""
    raise NotImplementedError


def l1_regularization(W, lam, m):
    """L1 penalty: loss = (λ / m) Σ |W|, subgradient = (λ / m) sign(W) (0 at 0).

    Returns (loss, grad).
    """
    raise NotImplementedError
