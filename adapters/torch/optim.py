"""torch.optim presented as the spec's update rules, so dlgrade grades PyTorch's optimizers.

    python grader.py adapters/torch --only optim

Each call builds a one-parameter torch optimizer, loads the spec's state into it (converting
conventions: the spec's velocity is v = −η·b of torch's momentum buffer b), takes one step
and converts the state back. Rules without a torch counterpart (rmsprop_nesterov) are left out,
so they grade as missing. NAdam's momentum schedule is set to the spec's constant μ = β₁.
"""
import inspect

import numpy as np
import torch

from ._mode import LIBRARY_DEFAULTS


def _tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64))


def _step(optimizer_class, w, dw, config, defaults, hyper, state, derived=None, **fixed):
    """One torch step. hyper: spec key -> torch argument; state: spec key -> (torch key, to_torch, from_torch);
    derived: config -> more torch state that the spec's state determines (NAdam's Π μᵢ from t)."""
    config = {} if config is None else config
    for key, value in (_own_defaults(optimizer_class, hyper, defaults) if LIBRARY_DEFAULTS else defaults).items():
        config.setdefault(key, value)
    parameter = torch.nn.Parameter(_tensor(w))
    parameter.grad = _tensor(dw)
    optimizer = optimizer_class([parameter], **{hyper[k]: config[k] for k in hyper}, **fixed)
    if all(key in config for key in state) and state:
        loaded = {torch_key: to_torch(_tensor(config[key]), config) for key, (torch_key, to_torch, _) in state.items()}
        loaded["step"] = torch.tensor(float(config.get("t", 1)))
        loaded.update(derived(config) if derived else {})
        optimizer.state[parameter] = loaded
    optimizer.step()
    after = optimizer.state[parameter]
    for key, (torch_key, _, from_torch) in state.items():
        # torch keeps no momentum buffer when momentum = 0: the velocity is then −η·g
        value = after[torch_key] if torch_key in after else parameter.grad
        config[key] = from_torch(value, config).numpy().copy()
    if "step" in after and any(k in ("m", "u") for k in state):
        config["t"] = int(after["step"])
    return parameter.detach().numpy().copy(), config


def _own_defaults(optimizer_class, hyper, defaults):
    """torch's own default (its signature's) for each spec hyperparameter the class takes, in place of the spec's."""
    own = {name: p.default for name, p in inspect.signature(optimizer_class).parameters.items()
           if p.default is not inspect.Parameter.empty}
    return {key: own.get(hyper.get(key), value) for key, value in defaults.items()}


def _same(tensor, config):
    return tensor


def _velocity_to_buffer(velocity, config):
    # with η = 0 the spec's velocity forgets the buffer; any buffer gives the same step
    eta = config["learning_rate"]
    return -velocity / eta if eta else torch.zeros_like(velocity)


def _buffer_to_velocity(buffer, config):
    return -config["learning_rate"] * buffer


_VELOCITY = {"velocity": ("momentum_buffer", _velocity_to_buffer, _buffer_to_velocity)}
_ADAM_STATE = {"m": ("exp_avg", _same, _same), "v": ("exp_avg_sq", _same, _same)}
_ADAM_HYPER = {"learning_rate": "lr", "epsilon": "eps"}


def _betas(config):
    return {"betas": (config.setdefault("beta1", 0.9), config.setdefault("beta2", 0.999))}


def sgd(w, dw, config=None):
    return _step(torch.optim.SGD, w, dw, config, {"learning_rate": 1e-2}, {"learning_rate": "lr"}, {})


def sgd_momentum(w, dw, config=None):
    return _step(torch.optim.SGD, w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9},
                 {"learning_rate": "lr", "momentum": "momentum"}, _VELOCITY)


def sgd_nesterov(w, dw, config=None):
    config = {} if config is None else config
    # torch refuses nesterov=True with momentum 0, where Nesterov is plain SGD
    return _step(torch.optim.SGD, w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9},
                 {"learning_rate": "lr", "momentum": "momentum"}, _VELOCITY,
                 nesterov=config.setdefault("momentum", 0.9) != 0)


def adagrad(w, dw, config=None):
    return _step(torch.optim.Adagrad, w, dw, config, {"learning_rate": 1e-2, "epsilon": 1e-7}, _ADAM_HYPER,
                 {"cache": ("sum", _same, _same)})


def rmsprop(w, dw, config=None):
    return _step(torch.optim.RMSprop, w, dw, config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
                 {**_ADAM_HYPER, "decay_rate": "alpha"}, {"cache": ("square_avg", _same, _same)})


def _adam_like(optimizer_class, w, dw, config, defaults, state=_ADAM_STATE, **fixed):
    config = {} if config is None else config
    return _step(optimizer_class, w, dw, config, defaults, _ADAM_HYPER, state, **_betas(config), **fixed)


def adam(w, dw, config=None):
    return _adam_like(torch.optim.Adam, w, dw, config, {"learning_rate": 1e-3, "epsilon": 1e-8})


def adamw(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("weight_decay", 1e-2)
    return _adam_like(torch.optim.AdamW, w, dw, config, {"learning_rate": 1e-3, "epsilon": 1e-8},
                      weight_decay=config["weight_decay"])


def amsgrad(w, dw, config=None):
    state = {**_ADAM_STATE, "v_max": ("max_exp_avg_sq", _same, _same)}
    return _adam_like(torch.optim.Adam, w, dw, config, {"learning_rate": 1e-3, "epsilon": 1e-8}, state,
                      amsgrad=True)


def adamax(w, dw, config=None):
    state = {"m": ("exp_avg", _same, _same), "u": ("exp_inf", _same, _same)}
    return _adam_like(torch.optim.Adamax, w, dw, config, {"learning_rate": 2e-3, "epsilon": 1e-8}, state)


def adadelta(w, dw, config=None):
    return _step(torch.optim.Adadelta, w, dw, config, {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6},
                 {**_ADAM_HYPER, "rho": "rho"},
                 {"cache": ("square_avg", _same, _same), "delta": ("acc_delta", _same, _same)})


# torch's NAdam schedules μₜ = β₁(1 − ½·0.96^(tψ)) (ψ its momentum_decay); with ψ this large 0.96^(tψ) is 0.0 from
# the first step, so μₜ = β₁: the spec's (Dozat's) constant-μ Nadam, which torch computes as written in the spec.
CONSTANT_MU = 1e9


def nadam(w, dw, config=None):
    config = {} if config is None else config
    for key in ("m", "v"):  # the state loaded from the first step: torch's own Π μᵢ would start in float32
        config.setdefault(key, np.zeros_like(np.asarray(w, dtype=np.float64)))
    config.setdefault("t", 0)
    return _adam_like(torch.optim.NAdam, w, dw, config, {"learning_rate": 2e-3, "epsilon": 1e-8},
                      derived=lambda c: {"mu_product": torch.tensor(c["beta1"] ** c["t"], dtype=torch.float64)},
                      momentum_decay=CONSTANT_MU)
