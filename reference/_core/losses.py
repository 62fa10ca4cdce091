"""Loss functions and weight penalties: `f(...) -> (loss, grad)`, loss a 0-d array.

Written against the inputs' array namespace, so NumPy, CuPy and array-api-strict arrays
all work. `scale` is the normaliser of a sum: 1/N for a mean over the N rows, 1 for a sum.
"""
import math

from . import array_namespace, error_bounds


def _row_scale(x, mean):
    return 1.0 / x.shape[0] if mean else 1.0


def softmax_loss(x, y, *, stable=True, mean=True, log_floor=None, naive=False):
    """Softmax cross-entropy of scores x (N, C) against integer labels y (N,).

    p = softmax(x − maxⱼ xⱼ) row-wise,  L = −(1/N) Σᵢ log p_{i,yᵢ},  ∂L/∂x = (p − onehot(y)) / N.
    stable=False drops the max-subtraction (exp overflows for large scores: the loss is inf);
    naive: no max-subtraction either, and p = e^x / Σe^x first, L from log p, as the textbook's loop writes it
    (overflow makes inf / inf = nan, in the gradient too);
    log_floor: L from log(p + log_floor) with p computed stably (log(p + 1e-20): a probability below the
    floor gives about −log(floor), not the true −log p);
    mean=False sums over the rows (no 1/N in L and ∂L/∂x).
    """
    xp = array_namespace(x, y)
    onehot = xp.astype(y[:, None] == xp.arange(x.shape[1])[None, :], x.dtype)
    scale = _row_scale(x, mean)
    if naive:
        exps = xp.exp(x)
        probs = exps / xp.sum(exps, axis=1, keepdims=True)
        return -xp.sum(onehot * xp.log(probs)) * scale, (probs - onehot) * scale
    shifted = x - xp.max(x, axis=1, keepdims=True) if stable else x
    log_probs = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    probs = xp.exp(log_probs)
    if log_floor is not None:
        log_probs = xp.log(probs + log_floor)
    loss = -xp.sum(onehot * log_probs) * scale
    return loss, (probs - onehot) * scale


def logistic_loss(z, y, *, stable=True, mean=True, log1p=True):
    """Binary cross-entropy of σ(z) for logits z (N,) and targets y (N,) in {0, 1}.

    L = −(1/N) Σᵢ [yᵢ log σ(zᵢ) + (1 − yᵢ) log(1 − σ(zᵢ))],  ∂L/∂z = (σ(z) − y) / N.
    Stable form: log σ(z) = −log(1 + e^{−z}) and log(1 − σ(z)) = −log(1 + e^{z}) via logaddexp,
    σ(z) = exp(log σ(z)); finite for any finite z.
    stable=False computes σ(z) = 1/(1 + e^{−z}) and takes its logs (±inf / nan for |z| ≳ 40);
    log1p=False: the stable form with log(e^{−m} + e^{−z−m}) + m, m = max(0, −z) (torch's and Keras' form),
    in which a loss under 1e-16 of its term rounds to 0 (log 1) where log1p keeps it;
    mean=False sums over the rows.
    """
    xp = array_namespace(z, y)
    y = xp.astype(y, z.dtype)
    if stable and not log1p:
        def log_sigmoid(u):
            m = xp.maximum(-u, xp.zeros_like(u))
            return -(m + xp.log(xp.exp(-m) + xp.exp(-u - m)))
        log_sig, log_one_minus_sig = log_sigmoid(z), log_sigmoid(-z)
        sig = xp.exp(log_sig)
    elif stable:
        zero = xp.zeros_like(z)
        log_sig = -xp.logaddexp(zero, -z)
        log_one_minus_sig = -xp.logaddexp(zero, z)
        sig = xp.exp(log_sig)
    else:
        sig = 1.0 / (1.0 + xp.exp(-z))
        log_sig = xp.log(sig)
        log_one_minus_sig = xp.log(1.0 - sig)
    scale = _row_scale(z, mean)
    loss = -xp.sum(y * log_sig + (1.0 - y) * log_one_minus_sig) * scale
    return loss, (sig - y) * scale


def mse_loss(pred, y, *, half=True, mean_over_elements=False):
    """Squared error of pred against y, both (N,) or (N, D).

    L = (1/2N) Σᵢ ‖predᵢ − yᵢ‖²,  ∂L/∂pred = (pred − y) / N.
    half=False drops the ½ (L = (1/N) Σ‖·‖², gradient doubled);
    mean_over_elements=True divides by the element count N·D instead of N (np.mean; same as N for 1-D).
    """
    xp = array_namespace(pred, y)
    diff = pred - y
    count = math.prod(pred.shape) if mean_over_elements else pred.shape[0]
    factor = (0.5 if half else 1.0) / count
    return factor * xp.sum(diff * diff), (2.0 * factor) * diff


def l2_regularization(W, lam, m, *, half=True):
    """L2 penalty (λ/2m)‖W‖², gradient (λ/m) W.

    half=False: (λ/m)‖W‖², gradient (2λ/m) W.
    """
    xp = array_namespace(W)
    factor = lam / (2 * m) if half else lam / m
    return factor * xp.sum(W * W), (2.0 * factor) * W


def l1_regularization(W, lam, m):
    """L1 penalty (λ/m) Σ|W|, subgradient (λ/m) sign(W) with sign(0) = 0."""
    xp = array_namespace(W)
    factor = lam / m
    return factor * xp.sum(xp.abs(W)), factor * xp.sign(W)


error_bounds.follow(globals())  # float inputs enter the rounding mode as Bounded (reference.error_bounds)
