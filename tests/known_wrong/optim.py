"""Known-wrong optimizers: every check of checks/areas/optim.py must catch the one written for it.

Each is a realistic bug, written as a wrapper of the reference rule it is appended to:
- a falsy default (`config.get(key) or default`), which turns a deliberate 0 into the default;
- a wrong default hyperparameter (the first call from an empty config shows it);
- state dropped between calls (the first step is right, the second is not);
- ε one hundred times too large (visible only where ε dominates).
"""
from dlgrade.reference.optim import RULES


def _wrapper(name, body):
    return (f"_reference_{name} = {name}\n"
            f"def {name}(w, dw, config=None):\n"
            f"    config = dict(config or {{}})\n"
            f"{body}"
            f"    return _reference_{name}(w, dw, config)\n")


def falsy_default(name, key, default=None):
    """`config.get(key) or default`: a deliberate 0 becomes the default (the spec's unless given)."""
    default = RULES[name].defaults[key] if default is None else default
    return _wrapper(name, f"    config[{key!r}] = config.get({key!r}) or {default!r}\n")


def wrong_default(name):
    return _wrapper(name, f"    config.setdefault('learning_rate', {RULES[name].defaults['learning_rate'] * 10!r})\n")


def dropped_state(name):
    return _wrapper(name, f"    for key in {RULES[name].state!r}:\n        config.pop(key, None)\n")


def large_epsilon(name):
    return _wrapper(name, f"    config['epsilon'] = 100 * config.get('epsilon', {RULES[name].defaults['epsilon']!r})\n")


# Adadelta's ε sits in both roots, so scaling it barely shows; ε outside the roots does.
ADADELTA_EPS_OUTSIDE = """
import numpy as np
def adadelta(w, dw, config=None):
    config = {} if config is None else config
    rho, eps = config.setdefault("rho", 0.9), config.setdefault("epsilon", 1e-6)
    lr = config.setdefault("learning_rate", 1.0)
    r = rho * config.get("cache", np.zeros_like(w)) + (1 - rho) * dw**2
    d = config.get("delta", np.zeros_like(w))
    step = -(np.sqrt(d) + eps) / (np.sqrt(r) + eps) * dw
    config["cache"], config["delta"] = r, rho * d + (1 - rho) * step**2
    return w + lr * step, config
"""


def _for(name):
    entries = {
        f"optim.{name}/first_step": wrong_default(name),
        # sgd has no state to drop: its trajectory check catches a wrong default as well.
        f"optim.{name}/trajectory": dropped_state(name) if RULES[name].state else wrong_default(name),
        f"optim.{name}/zero_learning_rate":
            falsy_default(name, "learning_rate"),
    }
    if RULES[name].adaptive:
        entries[f"optim.{name}/tiny_gradients"] = \
            ADADELTA_EPS_OUTSIDE if name == "adadelta" else large_epsilon(name)
    return entries


KNOWN_WRONG = {k: v for name in RULES for k, v in _for(name).items()}
KNOWN_WRONG.update({
    "optim.sgd_momentum/momentum_zero_is_sgd": falsy_default("sgd_momentum", "momentum"),
    "optim.sgd_nesterov/momentum_zero_is_sgd": falsy_default("sgd_nesterov", "momentum"),
    "optim.adamw/zero_decay_is_adam": falsy_default("adamw", "weight_decay"),
    "optim.adam/beta1_zero_is_rmsprop": falsy_default("adam", "beta1"),
    **{f"optim.{name}/scale_invariance":
       falsy_default(name, "epsilon", 1e-3) for name in ("adagrad", "rmsprop", "adam")},
})
