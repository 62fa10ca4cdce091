"""Update rules: pure functions `rule(w, g, *state, [t,] *hyperparameters) -> (next_w, *next_state)`.

The state arrays come in the order of the rule's state keys and the hyperparameters in the order of
its defaults (the table `reference.optim.RULES`). Written against the inputs' array namespace (NumPy,
CuPy, array-api-strict). Symbols as in the spec: g the gradient, η the learning rate, μ the momentum,
ρ a decay rate, ε the epsilon, λ the weight decay, t the 1-based step count (a Python int, already
incremented for this step). Nothing is updated in place.
"""
from . import array_namespace, error_bounds


def ema(avg, new, decay):
    """Exponential moving average: decay·avg + (1 − decay)·new."""
    return decay * avg + (1 - decay) * new


def rms_scaled(g, r, eps, *, eps_inside=False, root=True):
    """g / (√r + ε);  eps_inside: g / √(r + ε);  root=False: g / (r + ε) (the square root left out)."""
    xp = array_namespace(g, r)
    if not root:
        return g / (r + eps)
    return g / xp.sqrt(r + eps) if eps_inside else g / (xp.sqrt(r) + eps)


def bias_corrected(x, beta, t):
    """x / (1 − βᵗ)."""
    return x / (1 - beta**t)


def sgd(w, g, lr, *, ascent=False):
    """w ← w − η g;  ascent: w ← w + η g."""
    return w + lr * g if ascent else w - lr * g


def momentum(w, g, v, lr, mu, *, form="spec"):
    """Heavy-ball momentum; returns (w, v).

    spec:              v ← μv − ηg;        w ← w + v
    ema:               v ← μv + (1 − μ)g;  w ← w − ηv
    torch_buffer:      v ← μv + g;         w ← w − ηv
    positive_velocity: v ← μv + ηg;        w ← w − v
    ascent:            v ← μv − ηg;        w ← w − v
    sign_flipped:      v ← μv + ηg;        w ← w + v   (the velocity's sign flipped, and added: uphill)
    """
    if form == "spec":
        v = mu * v - lr * g
        return w + v, v
    if form == "ema":
        v = ema(v, g, mu)
        return w - lr * v, v
    if form == "torch_buffer":
        v = mu * v + g
        return w - lr * v, v
    if form == "positive_velocity":
        v = mu * v + lr * g
        return w - v, v
    if form == "ascent":
        v = mu * v - lr * g
        return w - v, v
    if form == "sign_flipped":
        v = mu * v + lr * g
        return w + v, v
    raise ValueError(f"unknown momentum form {form!r}")


def nesterov_momentum(w, v, step, mu, *, lookahead=True):
    """Nesterov momentum in look-ahead coordinates ŵ = w + μv, step taken at ŵ; returns (w, v).

    v' ← μv − step;  w ← w − μv + (1 + μ)v'   (Sutskever et al. 2013)
    lookahead=False: w ← w + v' (plain momentum).
    """
    next_v = mu * v - step
    next_w = w - mu * v + (1 + mu) * next_v if lookahead else w + next_v
    return next_w, next_v


def sgd_nesterov(w, g, v, lr, mu, *, lookahead=True):
    """Nesterov momentum with the step ηg taken at the look-ahead point; returns (w, v)."""
    return nesterov_momentum(w, v, lr * g, mu, lookahead=lookahead)


def adagrad(w, g, r, lr, eps, *, eps_inside=False, accumulate=True):
    """r ← r + g²;  w ← w − η g / (√r + ε); returns (w, r).  accumulate=False: r ← g² (the sum overwritten)."""
    r = r + g * g if accumulate else g * g
    return w - lr * rms_scaled(g, r, eps, eps_inside=eps_inside), r


def rmsprop_cache(r, g, rho, *, swapped_decay=False):
    """r ← ρr + (1 − ρ)g²;  swapped_decay: r ← (1 − ρ)r + ρg²."""
    return ema(r, g * g, 1 - rho if swapped_decay else rho)


def rmsprop(w, g, r, lr, rho, eps, *, eps_inside=False, swapped_decay=False, root=True):
    """r ← ρr + (1 − ρ)g²;  w ← w − η g / (√r + ε); returns (w, r).  root=False: w ← w − η g / (r + ε)."""
    r = rmsprop_cache(r, g, rho, swapped_decay=swapped_decay)
    return w - lr * rms_scaled(g, r, eps, eps_inside=eps_inside, root=root), r


def rmsprop_nesterov(w, g, r, v, lr, rho, mu, eps, *, eps_inside=False, lookahead=True):
    """r ← ρr + (1 − ρ)g²;  v' ← μv − η g / (√r + ε);  w ← w − μv + (1 + μ)v'; returns (w, r, v).

    Goodfellow et al. Alg. 8.7 in look-ahead coordinates.
    """
    r = rmsprop_cache(r, g, rho)
    step = lr * rms_scaled(g, r, eps, eps_inside=eps_inside)
    w, v = nesterov_momentum(w, v, step, mu, lookahead=lookahead)
    return w, r, v


def adam_moments(m, v, g, beta1, beta2):
    """m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²."""
    return ema(m, g, beta1), ema(v, g * g, beta2)


def adam_update(w, m_hat, v_hat, lr, eps, *, eps_inside=False):
    """w ← w − η m̂ / (√v̂ + ε)."""
    return w - lr * rms_scaled(m_hat, v_hat, eps, eps_inside=eps_inside)


def adam(w, g, m, v, t, lr, beta1, beta2, eps, *, eps_inside=False, bias_correction=True,
         eps_hat=False):
    """Adam step t; returns (w, m, v).

    m, v as adam_moments;  m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ);  w ← w − η m̂ / (√v̂ + ε).
    bias_correction=False: m̂ = m, v̂ = v.
    eps_hat (Kingma & Ba's efficient form): w ← w − η (√(1 − β₂ᵗ)/(1 − β₁ᵗ)) m / (√v + ε).
    """
    m, v = adam_moments(m, v, g, beta1, beta2)
    if eps_hat:
        step_size = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
        return w - step_size * rms_scaled(m, v, eps, eps_inside=eps_inside), m, v
    if bias_correction:
        m_hat, v_hat = bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)
    else:
        m_hat, v_hat = m, v
    return adam_update(w, m_hat, v_hat, lr, eps, eps_inside=eps_inside), m, v


def adamw(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay, *, decoupled=True,
          decay_scaled_by_lr=True, eps_hat=False):
    """Decoupled weight decay w ← w − ηλw, then the adam step with the same g; returns (w, m, v).

    decay_scaled_by_lr=False: w ← w − λw.
    decoupled=False (Adam + L2): g ← g + λw, then the adam step.
    eps_hat: the adam step in Kingma & Ba's efficient form (adam).
    """
    if not decoupled:
        return adam(w, g + weight_decay * w, m, v, t, lr, beta1, beta2, eps, eps_hat=eps_hat)
    decay = lr * weight_decay if decay_scaled_by_lr else weight_decay
    return adam(w - decay * w, g, m, v, t, lr, beta1, beta2, eps, eps_hat=eps_hat)


def amsgrad(w, g, m, v, v_max, t, lr, beta1, beta2, eps, *, max_of_corrected=False, eps_hat=False):
    """Adam with v_max ← max(v_max, v);  v̂ = v_max/(1 − β₂ᵗ); returns (w, m, v, v_max).

    max_of_corrected: v_max ← max(v_max, v/(1 − β₂ᵗ));  v̂ = v_max.
    eps_hat (Kingma & Ba's efficient form): w ← w − η (√(1 − β₂ᵗ)/(1 − β₁ᵗ)) m / (√v_max + ε).
    """
    xp = array_namespace(w, g)
    m, v = adam_moments(m, v, g, beta1, beta2)
    if max_of_corrected:
        v_max = xp.maximum(v_max, bias_corrected(v, beta2, t))
        v_hat = v_max
    else:
        v_max = xp.maximum(v_max, v)
        v_hat = bias_corrected(v_max, beta2, t)
    if eps_hat:
        step_size = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
        return w - step_size * rms_scaled(m, v_max, eps), m, v, v_max
    return adam_update(w, bias_corrected(m, beta1, t), v_hat, lr, eps), m, v, v_max


def adamax(w, g, m, u, t, lr, beta1, beta2, eps, *, eps_in_denominator=False, bias_correction=True):
    """m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  w ← w − (η/(1 − β₁ᵗ)) m/u; returns (w, m, u).

    eps_in_denominator: u ← max(β₂u, |g|) and w ← w − (η/(1 − β₁ᵗ)) m/(u + ε).
    bias_correction=False: η in place of η/(1 − β₁ᵗ).
    """
    xp = array_namespace(w, g)
    m = ema(m, g, beta1)
    if eps_in_denominator:
        u = xp.maximum(beta2 * u, xp.abs(g))
        denominator = u + eps
    else:
        u = xp.maximum(beta2 * u, xp.abs(g) + eps)
        denominator = u
    step_size = lr / (1 - beta1**t) if bias_correction else lr
    return w - step_size * m / denominator, m, u


def adadelta(w, g, r, d, lr, rho, eps, *, stale_cache=False):
    """r ← ρr + (1 − ρ)g²;  Δ = −(√(d + ε)/√(r + ε)) g;  d ← ρd + (1 − ρ)Δ²;  w ← w + ηΔ.

    Returns (w, r, d). stale_cache: Δ uses the r from before this step's update.
    """
    xp = array_namespace(w, g)
    next_r = ema(r, g * g, rho)
    delta = -xp.sqrt(d + eps) / xp.sqrt((r if stale_cache else next_r) + eps) * g
    return w + lr * delta, next_r, ema(d, delta * delta, rho)


def nadam(w, g, m, v, t, lr, beta1, beta2, eps, *, nesterov=True, t_plus_one=True, momentum_schedule=False):
    """Nadam (Dozat 2016, constant μ = β₁); returns (w, m, v).

    m, v as adam_moments;  m̄ = β₁ m/(1 − β₁ᵗ⁺¹) + (1 − β₁) g/(1 − β₁ᵗ);  w ← w − η m̄ / (√v̂ + ε).
    t_plus_one=False: β₁ m/(1 − β₁ᵗ) in the first term.  nesterov=False: the adam step (m̄ = m̂).
    momentum_schedule (Dozat's scheduled μ, Keras' Nadam): μᵢ = β₁(1 − ½·0.96ⁱ), Πₜ = μ₁⋯μₜ;
    m̄ = μₜ₊₁ m/(1 − Πₜ μₜ₊₁) + (1 − μₜ) g/(1 − Πₜ).
    """
    m, v = adam_moments(m, v, g, beta1, beta2)
    if momentum_schedule:
        def mu(i):
            return beta1 * (1.0 - 0.5 * 0.96**i)
        product = 1.0
        for i in range(1, t + 1):
            product *= mu(i)
        m_bar = mu(t + 1) * m / (1 - product * mu(t + 1)) + (1 - mu(t)) * g / (1 - product)
        return adam_update(w, m_bar, bias_corrected(v, beta2, t), lr, eps), m, v
    if nesterov:
        m_bar = (beta1 * bias_corrected(m, beta1, t + 1 if t_plus_one else t)
                 + (1 - beta1) * bias_corrected(g, beta1, t))
    else:
        m_bar = bias_corrected(m, beta1, t)
    return adam_update(w, m_bar, bias_corrected(v, beta2, t), lr, eps), m, v


def lion(w, g, m, lr, beta1, beta2, weight_decay, *, update_before_sign=False, decay_scaled_by_lr=True):
    """Lion (Chen et al. 2023, the form of Optax's `lion`); returns (w, m).

    c = β₁m + (1 − β₁)g;  w ← w − η(sign(c) + λw);  m ← β₂m + (1 − β₂)g, with sign(0) = 0.
    update_before_sign: m is updated first and c = β₁m' + (1 − β₁)g uses the new m'.
    decay_scaled_by_lr=False: w ← w − η sign(c) − λw.
    """
    xp = array_namespace(w, g)
    next_m = ema(m, g, beta2)
    c = ema(next_m if update_before_sign else m, g, beta1)
    if decay_scaled_by_lr:
        return w - lr * (xp.sign(c) + weight_decay * w), next_m
    return w - lr * xp.sign(c) - weight_decay * w, next_m


error_bounds.follow(globals())  # float inputs enter the rounding mode as Bounded (reference.error_bounds)
