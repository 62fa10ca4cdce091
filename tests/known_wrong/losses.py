"""Plausible wrong implementations of losses.py, one per check, each caught by that check."""

KNOWN_WRONG = {
    "losses.softmax_loss/oracle": '''
import numpy as np

def softmax_loss(x, y):
    """Forgets to subtract 1 at the correct class in the gradient."""
    n = x.shape[0]
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(n), y]).mean(), p / n
''',
    "losses.softmax_loss/large_scores": '''
import numpy as np

def softmax_loss(x, y):
    """Exponentiates the raw scores (no max subtraction), clipping log(0) away."""
    n = x.shape[0]
    e = np.exp(x)
    p = e / e.sum(axis=1, keepdims=True)
    dx = p.copy()
    dx[np.arange(n), y] -= 1
    return -np.log(np.maximum(p[np.arange(n), y], 1e-300)).mean(), dx / n
''',
    "losses.softmax_loss/finite_differences": '''
import numpy as np

def softmax_loss(x, y):
    """The gradient has the opposite sign: onehot − p."""
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    dx = -p
    dx[np.arange(n), y] += 1
    return -np.log(p[np.arange(n), y]).mean(), dx / n
''',
    "losses.softmax_loss/shift_invariance": '''
import numpy as np

def softmax_loss(x, y):
    """Normalizes over the batch (axis 0) instead of over the classes."""
    n = x.shape[0]
    shifted = x - x.max(axis=0, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True)
    dx = p.copy()
    dx[np.arange(n), y] -= 1
    return -np.log(p[np.arange(n), y]).mean(), dx / n
''',
    "losses.logistic_loss/oracle": '''
import numpy as np

def logistic_loss(z, y):
    """The gradient y − σ(z) has the wrong sign."""
    loss = np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
    return loss, (y - 1 / (1 + np.exp(-z))) / z.shape[0]
''',
    "losses.logistic_loss/large_logits": '''
import numpy as np

def logistic_loss(z, y):
    """Clips σ(z) to [1e-15, 1 − 1e-15]: finite, but the loss saturates near 34.5."""
    s = np.clip(1 / (1 + np.exp(-z)), 1e-15, 1 - 1e-15)
    loss = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    return loss, (s - y) / z.shape[0]
''',
    "losses.logistic_loss/finite_differences": '''
import numpy as np

def logistic_loss(z, y):
    """Leaves the 1/N out of the gradient but not out of the loss."""
    loss = np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
    return loss, np.exp(-np.logaddexp(0, -z)) - y
''',
    "losses.logistic_loss/class_swap": '''
import numpy as np

def logistic_loss(z, y):
    """Forgets the (1 − y)·log(1 − σ(z)) term."""
    loss = np.mean(y * np.logaddexp(0, -z))
    return loss, -y * np.exp(-np.logaddexp(0, z)) / z.shape[0]
''',
    "losses.mse_loss/oracle_vector": '''
import numpy as np

def mse_loss(pred, y):
    """The gradient has the wrong sign: (y − pred)/N."""
    n = pred.shape[0]
    return np.sum((pred - y) ** 2) / (2 * n), (y - pred) / n
''',
    "losses.mse_loss/oracle_rows": '''
import numpy as np

def mse_loss(pred, y):
    """Divides by the last axis (D) instead of the N rows."""
    d = pred.shape[-1]
    return np.sum((pred - y) ** 2) / (2 * d), (pred - y) / d
''',
    "losses.mse_loss/finite_differences": '''
import numpy as np

def mse_loss(pred, y):
    """Loss without the 1/2, gradient as if it had it."""
    n = pred.shape[0]
    return np.sum((pred - y) ** 2) / n, (pred - y) / n
''',
    "losses.l2_regularization/oracle": '''
import numpy as np

def l2_regularization(W, lam, m):
    """Uses ‖W‖ instead of ‖W‖²."""
    return lam / (2 * m) * np.sqrt(np.sum(W * W)), lam / m * W
''',
    "losses.l2_regularization/finite_differences": '''
import numpy as np

def l2_regularization(W, lam, m):
    """The gradient keeps a factor 2 the ½ should have cancelled."""
    return lam / (2 * m) * np.sum(W * W), 2 * lam / m * W
''',
    "losses.l1_regularization/oracle": '''
import numpy as np

def l1_regularization(W, lam, m):
    """Divides by 2m, copying the L2 penalty's ½."""
    return lam / (2 * m) * np.abs(W).sum(), lam / (2 * m) * np.sign(W)
''',
    "losses.l1_regularization/zero_subgradient": '''
import numpy as np

def l1_regularization(W, lam, m):
    """Takes sign(0) = +1."""
    return lam / m * np.abs(W).sum(), lam / m * np.where(W >= 0, 1.0, -1.0)
''',
    "losses.l1_regularization/finite_differences": '''
import numpy as np

def l1_regularization(W, lam, m):
    """Returns the L2 gradient (λ/m)W as the subgradient."""
    return lam / m * np.abs(W).sum(), lam / m * W
''',
}


# --- issue 10: confident scores and logits, float64 --------------------------------------------------

KNOWN_WRONG.update({
    "losses.softmax_loss/confident_wrong": '''
import numpy as np

def softmax_loss(x, y):
    """log(p + ε) with ε = 2.2e-16 (numpy-ml's CrossEntropy): the loss saturates near 36."""
    n = x.shape[0]
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    p = shifted / shifted.sum(axis=1, keepdims=True)
    dx = p.copy()
    dx[np.arange(n), y] -= 1
    return -np.log(p[np.arange(n), y] + np.finfo(float).eps).mean(), dx / n
''',
    "losses.logistic_loss/confident_right": '''
import numpy as np

def logistic_loss(z, y):
    """log(1 + e^(−z)) without log1p: exact for small |z|, 0 past |z| ≈ 37, digits lost from |z| ≈ 20."""
    with np.errstate(over="ignore"):
        loss = np.mean(y * np.log(1 + np.exp(-z)) + (1 - y) * np.log(1 + np.exp(z)))
    return loss, (np.exp(-np.logaddexp(0, -z)) - y) / z.shape[0]
''',
    "losses.softmax_loss/float64": '''
import numpy as np

def softmax_loss(x, y):
    """Computes in float32 (the oracle on x cast to float32)."""
    n = x.shape[0]
    x = x.astype(np.float32)
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dx = np.exp(log_p)
    dx[np.arange(n), y] -= 1
    return -log_p[np.arange(n), y].mean(), dx / n
''',
    "losses.logistic_loss/float64": '''
import numpy as np

def logistic_loss(z, y):
    """Computes in float32 (the oracle on z cast to float32): dz comes back float32."""
    z32 = z.astype(np.float32)
    loss = np.mean(y * np.logaddexp(np.float32(0), -z32) + (1 - y) * np.logaddexp(np.float32(0), z32))
    return loss, ((1 / (1 + np.exp(-z32)) - y) / np.float32(z.shape[0])).astype(np.float32)
''',
})
