"""Update rules (spec: optim.py), each `f(w, dw, config=None) -> (next_w, config)`.

Hyperparameters missing from `config` get the spec's defaults (`config.setdefault`); state arrays
are created as zeros on the first call and stored back into `config`, the step count `t` as a
Python int. The caller's arrays are never modified. Formulas and variants: `_core.optim`.
"""
from ._core import array_namespace
from ._core import optim as core

_ADAM_DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def _config(config, **defaults):
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def _state(config, w, *keys):
    """The state arrays named by keys, zeros in w's namespace when absent."""
    xp = array_namespace(w)
    for key in keys:
        if key not in config:
            config[key] = xp.zeros_like(w)
    return [config[key] for key in keys]


def _next_step(config):
    config["t"] = int(config.get("t", 0)) + 1
    return config["t"]


def _adam_hyper(config):
    return config["learning_rate"], config["beta1"], config["beta2"], config["epsilon"]


def sgd(w, dw, config=None):
    """w ← w − η g."""
    config = _config(config, learning_rate=1e-2)
    return core.sgd(w, dw, config["learning_rate"]), config


def sgd_momentum(w, dw, config=None, *, form="spec"):
    """v ← μv − ηg;  w ← w + v.  Other forms (ema, torch_buffer, …): `core.momentum`."""
    config = _config(config, learning_rate=1e-2, momentum=0.9)
    (v,) = _state(config, w, "velocity")
    next_w, config["velocity"] = core.momentum(
        w, v, dw, config["learning_rate"], config["momentum"], form=form)
    return next_w, config


def sgd_nesterov(w, dw, config=None, *, lookahead=True):
    """w is the look-ahead point: v' ← μv − ηg;  w ← w − μv + (1 + μ)v'."""
    config = _config(config, learning_rate=1e-2, momentum=0.9)
    (v,) = _state(config, w, "velocity")
    next_w, config["velocity"] = core.nesterov_momentum(
        w, v, config["learning_rate"] * dw, config["momentum"], lookahead=lookahead)
    return next_w, config


def adagrad(w, dw, config=None, *, eps_inside=False):
    """r ← r + g²;  w ← w − η g / (√r + ε)."""
    config = _config(config, learning_rate=1e-2, epsilon=1e-7)
    (r,) = _state(config, w, "cache")
    next_w, config["cache"] = core.adagrad(
        w, r, dw, config["learning_rate"], config["epsilon"], eps_inside=eps_inside)
    return next_w, config


def rmsprop(w, dw, config=None, *, eps_inside=False, swapped_decay=False):
    """r ← ρr + (1 − ρ)g²;  w ← w − η g / (√r + ε)."""
    config = _config(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    (r,) = _state(config, w, "cache")
    next_w, config["cache"] = core.rmsprop(
        w, r, dw, config["learning_rate"], config["decay_rate"], config["epsilon"],
        eps_inside=eps_inside, swapped_decay=swapped_decay)
    return next_w, config


def rmsprop_nesterov(w, dw, config=None, *, eps_inside=False, lookahead=True):
    """r ← ρr + (1 − ρ)g²;  v' ← μv − η g / (√r + ε);  w ← w − μv + (1 + μ)v'."""
    config = _config(config, learning_rate=1e-3, decay_rate=0.9, momentum=0.9, epsilon=1e-8)
    r, v = _state(config, w, "cache", "velocity")
    next_w, config["cache"], config["velocity"] = core.rmsprop_nesterov(
        w, r, v, dw, config["learning_rate"], config["decay_rate"], config["momentum"],
        config["epsilon"], eps_inside=eps_inside, lookahead=lookahead)
    return next_w, config


def adam(w, dw, config=None, *, eps_inside=False, bias_correction=True, eps_hat=False):
    """t ← t + 1;  m, v moving averages of g, g²;  w ← w − η m̂ / (√v̂ + ε)."""
    config = _config(config, **_ADAM_DEFAULTS)
    m, v = _state(config, w, "m", "v")
    t = _next_step(config)
    next_w, config["m"], config["v"] = core.adam(
        w, m, v, t, dw, *_adam_hyper(config),
        eps_inside=eps_inside, bias_correction=bias_correction, eps_hat=eps_hat)
    return next_w, config


def adamw(w, dw, config=None, *, decoupled=True, decay_scaled_by_lr=True):
    """w ← w − ηλw, then the adam step with the same g."""
    config = _config(config, **_ADAM_DEFAULTS, weight_decay=1e-2)
    m, v = _state(config, w, "m", "v")
    t = _next_step(config)
    next_w, config["m"], config["v"] = core.adamw(
        w, m, v, t, dw, *_adam_hyper(config), config["weight_decay"],
        decoupled=decoupled, decay_scaled_by_lr=decay_scaled_by_lr)
    return next_w, config


def amsgrad(w, dw, config=None, *, max_of_corrected=False):
    """Adam with v_max ← max(v_max, v);  v̂ = v_max/(1 − β₂ᵗ)."""
    config = _config(config, **_ADAM_DEFAULTS)
    m, v, v_max = _state(config, w, "m", "v", "v_max")
    t = _next_step(config)
    next_w, config["m"], config["v"], config["v_max"] = core.amsgrad(
        w, m, v, v_max, t, dw, *_adam_hyper(config), max_of_corrected=max_of_corrected)
    return next_w, config


def adamax(w, dw, config=None, *, eps_in_denominator=False, bias_correction=True):
    """m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  w ← w − (η/(1 − β₁ᵗ)) m/u."""
    config = _config(config, **{**_ADAM_DEFAULTS, "learning_rate": 2e-3})
    m, u = _state(config, w, "m", "u")
    t = _next_step(config)
    next_w, config["m"], config["u"] = core.adamax(
        w, m, u, t, dw, *_adam_hyper(config),
        eps_in_denominator=eps_in_denominator, bias_correction=bias_correction)
    return next_w, config


def adadelta(w, dw, config=None, *, stale_cache=False):
    """r ← ρr + (1 − ρ)g²;  Δ = −(√(d + ε)/√(r + ε)) g;  d ← ρd + (1 − ρ)Δ²;  w ← w + ηΔ."""
    config = _config(config, learning_rate=1.0, rho=0.9, epsilon=1e-6)
    r, d = _state(config, w, "cache", "delta")
    next_w, config["cache"], config["delta"] = core.adadelta(
        w, r, d, dw, config["learning_rate"], config["rho"], config["epsilon"],
        stale_cache=stale_cache)
    return next_w, config


def nadam(w, dw, config=None, *, nesterov=True, t_plus_one=True):
    """Adam with m̄ = β₁ m/(1 − β₁ᵗ⁺¹) + (1 − β₁) g/(1 − β₁ᵗ) in place of m̂."""
    config = _config(config, **{**_ADAM_DEFAULTS, "learning_rate": 2e-3})
    m, v = _state(config, w, "m", "v")
    t = _next_step(config)
    next_w, config["m"], config["v"] = core.nadam(
        w, m, v, t, dw, *_adam_hyper(config), nesterov=nesterov, t_plus_one=t_plus_one)
    return next_w, config
