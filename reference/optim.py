"""Update rules (spec: optim.py), each `f(w, dw, config=None) -> (next_w, config)`.

`RULES` is the one table of the rules: each row gives the spec's defaults, the state keys, the
hyperparameter ranges that generated inputs are drawn from, and the pure core function
(`_core.optim`). The oracle's wrappers, the checks and the tests all read it.

Hyperparameters missing from `config` get the defaults (`config.setdefault`); state arrays are
created as zeros on the first call and stored back into `config`, the step count `t` as a Python
int. The caller's arrays are never modified. Documented variants and named mistakes are the
keyword-only parameters of each wrapper.
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._core import array_namespace
from ._core import optim as core


@dataclass(frozen=True)
class Rule:
    """One update rule of the spec.

    core(w, g, *state arrays, [t,] *hyperparameters, **variant) -> (next_w, *next state arrays), or next_w
    alone for a rule without state; the state arrays in `state` order, the hyperparameters in `defaults`
    order. ranges: per hyperparameter, a (low, high) interval or a list of values to choose from.
    adaptive: the step divides by a running magnitude plus ε, so tiny gradients (where ε dominates)
    tell where ε sits.
    """
    name: str
    core: Callable[..., Any]
    defaults: dict[str, float]
    state: tuple[str, ...]
    ranges: dict[str, Sequence[float]]
    adaptive: bool = False

    @property
    def arrays(self) -> tuple[str, ...]:
        """The state keys that hold arrays (all but the step count t)."""
        return tuple(key for key in self.state if key != "t")

    @property
    def counts_steps(self) -> bool:
        return "t" in self.state


_LR, _DECAY, _EPS, _BETA1 = (1e-4, 1.0), (0.5, 0.999), [1e-8, 1e-6, 1e-4], (0.0, 0.99)
_ADAM = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
_ADAM_RANGES = {"learning_rate": _LR, "beta1": _BETA1, "beta2": _DECAY, "epsilon": _EPS}
_ADAM_STATE = ("m", "v", "t")

RULES = {rule.name: rule for rule in [
    Rule("sgd", core.sgd, {"learning_rate": 1e-2}, (), {"learning_rate": _LR}),
    Rule("sgd_momentum", core.momentum, {"learning_rate": 1e-2, "momentum": 0.9}, ("velocity",),
         {"learning_rate": _LR, "momentum": (0.0, 0.99)}),
    Rule("sgd_nesterov", core.sgd_nesterov, {"learning_rate": 1e-2, "momentum": 0.9}, ("velocity",),
         {"learning_rate": _LR, "momentum": (0.0, 0.99)}),
    Rule("adagrad", core.adagrad, {"learning_rate": 1e-2, "epsilon": 1e-7}, ("cache",),
         {"learning_rate": _LR, "epsilon": _EPS}, adaptive=True),
    Rule("rmsprop", core.rmsprop, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}, ("cache",),
         {"learning_rate": _LR, "decay_rate": _DECAY, "epsilon": _EPS}, adaptive=True),
    Rule("rmsprop_nesterov", core.rmsprop_nesterov,
         {"learning_rate": 1e-3, "decay_rate": 0.9, "momentum": 0.9, "epsilon": 1e-8}, ("cache", "velocity"),
         {"learning_rate": _LR, "decay_rate": _DECAY, "momentum": (0.0, 0.99), "epsilon": _EPS}, adaptive=True),
    Rule("adam", core.adam, _ADAM, _ADAM_STATE, _ADAM_RANGES, adaptive=True),
    Rule("adamw", core.adamw, {**_ADAM, "weight_decay": 1e-2}, _ADAM_STATE,
         {**_ADAM_RANGES, "weight_decay": (0.0, 0.2)}, adaptive=True),
    Rule("amsgrad", core.amsgrad, _ADAM, ("m", "v", "v_max", "t"), _ADAM_RANGES, adaptive=True),
    Rule("adamax", core.adamax, {**_ADAM, "learning_rate": 2e-3}, ("m", "u", "t"), _ADAM_RANGES, adaptive=True),
    Rule("adadelta", core.adadelta, {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}, ("cache", "delta"),
         {"learning_rate": (0.1, 2.0), "rho": _DECAY, "epsilon": _EPS}, adaptive=True),
    Rule("nadam", core.nadam, {**_ADAM, "learning_rate": 2e-3}, _ADAM_STATE, _ADAM_RANGES, adaptive=True),
    Rule("lion", core.lion, {"learning_rate": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}, ("m",),
         {"learning_rate": _LR, "beta1": _BETA1, "beta2": _DECAY, "weight_decay": (0.0, 0.2)}),
]}


T_COUNTERS = ("spec", "starts_at_1", "after_use", "never_updated", "always_1")


def step(name, w, dw, config=None, *, t_counter="spec", initial=0.0, pinned=None, **variant):
    """One step of RULES[name]: defaults filled in, state created as zeros, t counted, core applied.

    t_counter (mistakes of the step count): "spec" (t ← t + 1 from 0, then used), "starts_at_1" (from 1:
    step 1 uses t = 2), "after_use" (from 1, used, then t ← t + 1: the stored count runs one ahead),
    "never_updated" (t + 1 used, t never stored back), "always_1" (t = 1 used and stored at every step).
    initial: the value the state arrays start at (a library's own start: Optax's and Keras' AdaGrad 0.1,
    timm's RMSpropTF 1); the spec's is 0. pinned: hyperparameters the step uses whatever config says (a
    course's hard-coded ε: d2l's variants); config keeps its own.
    """
    rule = RULES[name]
    config = {} if config is None else config
    for key, value in rule.defaults.items():
        config.setdefault(key, value)
    xp = array_namespace(w)
    for key in rule.arrays:
        if key not in config:
            config[key] = xp.zeros_like(w) + initial
    count = ()
    if rule.counts_steps:
        before = int(config.get("t", 1 if t_counter in ("starts_at_1", "after_use") else 0))
        used = {"after_use": before, "always_1": 1}.get(t_counter, before + 1)
        config["t"] = {"after_use": before + 1, "never_updated": before}.get(t_counter, used)
        count = (used,)
    hyperparameters = {**{k: config[k] for k in rule.defaults}, **(pinned or {})}
    result = rule.core(w, dw, *(config[k] for k in rule.arrays), *count, *hyperparameters.values(), **variant)
    next_w, *next_state = result if rule.arrays else (result,)  # a rule without state returns next_w alone
    config.update(zip(rule.arrays, next_state))
    return next_w, config


def sgd(w, dw, config=None, *, ascent=False):
    """w ← w − η g."""
    return step("sgd", w, dw, config, ascent=ascent)


def sgd_momentum(w, dw, config=None, *, form="spec"):
    """v ← μv − ηg;  w ← w + v.  Other forms (ema, torch_buffer, …): `core.momentum`."""
    return step("sgd_momentum", w, dw, config, form=form)


def sgd_nesterov(w, dw, config=None, *, lookahead=True):
    """w is the look-ahead point: v' ← μv − ηg;  w ← w − μv + (1 + μ)v'."""
    return step("sgd_nesterov", w, dw, config, lookahead=lookahead)


def adagrad(w, dw, config=None, *, eps_inside=False, initial=0.0, accumulate=True, pinned=None):
    """r ← r + g²;  w ← w − η g / (√r + ε)."""
    return step("adagrad", w, dw, config, eps_inside=eps_inside, initial=initial, accumulate=accumulate,
                pinned=pinned)


def rmsprop(w, dw, config=None, *, eps_inside=False, swapped_decay=False, root=True, initial=0.0, pinned=None):
    """r ← ρr + (1 − ρ)g²;  w ← w − η g / (√r + ε)."""
    return step("rmsprop", w, dw, config, eps_inside=eps_inside, swapped_decay=swapped_decay, root=root,
                initial=initial, pinned=pinned)


def rmsprop_nesterov(w, dw, config=None, *, eps_inside=False, lookahead=True):
    """r ← ρr + (1 − ρ)g²;  v' ← μv − η g / (√r + ε);  w ← w − μv + (1 + μ)v'."""
    return step("rmsprop_nesterov", w, dw, config, eps_inside=eps_inside, lookahead=lookahead)


def adam(w, dw, config=None, *, eps_inside=False, bias_correction=True, eps_hat=False, t_counter="spec",
         pinned=None):
    """t ← t + 1;  m, v moving averages of g, g²;  w ← w − η m̂ / (√v̂ + ε)."""
    return step("adam", w, dw, config, eps_inside=eps_inside, bias_correction=bias_correction, eps_hat=eps_hat,
                t_counter=t_counter, pinned=pinned)


def adamw(w, dw, config=None, *, decoupled=True, decay_scaled_by_lr=True, eps_hat=False):
    """w ← w − ηλw, then the adam step with the same g."""
    return step("adamw", w, dw, config, decoupled=decoupled, decay_scaled_by_lr=decay_scaled_by_lr, eps_hat=eps_hat)


def amsgrad(w, dw, config=None, *, max_of_corrected=False, eps_hat=False):
    """Adam with v_max ← max(v_max, v);  v̂ = v_max/(1 − β₂ᵗ)."""
    return step("amsgrad", w, dw, config, max_of_corrected=max_of_corrected, eps_hat=eps_hat)


def adamax(w, dw, config=None, *, eps_in_denominator=False, bias_correction=True, t_counter="spec"):
    """m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  w ← w − (η/(1 − β₁ᵗ)) m/u."""
    return step("adamax", w, dw, config, eps_in_denominator=eps_in_denominator, bias_correction=bias_correction,
                t_counter=t_counter)


def adadelta(w, dw, config=None, *, stale_cache=False):
    """r ← ρr + (1 − ρ)g²;  Δ = −(√(d + ε)/√(r + ε)) g;  d ← ρd + (1 − ρ)Δ²;  w ← w + ηΔ."""
    return step("adadelta", w, dw, config, stale_cache=stale_cache)


def nadam(w, dw, config=None, *, nesterov=True, t_plus_one=True, momentum_schedule=False):
    """Adam with m̄ = β₁ m/(1 − β₁ᵗ⁺¹) + (1 − β₁) g/(1 − β₁ᵗ) in place of m̂."""
    return step("nadam", w, dw, config, nesterov=nesterov, t_plus_one=t_plus_one,
                momentum_schedule=momentum_schedule)


def lion(w, dw, config=None, *, update_before_sign=False, decay_scaled_by_lr=True):
    """c = β₁m + (1 − β₁)g;  w ← w − η(sign(c) + λw);  m ← β₂m + (1 − β₂)g (sign(0) = 0)."""
    return step("lion", w, dw, config, update_before_sign=update_before_sign, decay_scaled_by_lr=decay_scaled_by_lr)
