"""Optax's optimizers presented as the spec's update rules `f(w, dw, config) -> (next_w, config)`.

    python grader.py --target optax --only optim

Each call builds the optax transformation from the spec's config (every number the spec fixes is
passed, learning_rate, betas, ε, weight decay, and the initial accumulator, which the spec starts
at 0 while optax.adagrad's default is 0.1); switches of form (ε inside or outside the root) keep
optax's defaults, so the grade says which form optax computes. The spec's state is loaded into
optax's state, one update is taken and the state converted back: optax's trace b (b ← g + μb,
update −ηb) is the spec's velocity v = −η·b (in rmsprop with momentum the trace follows the
learning-rate scaling, b ← μb − ηu, and is v itself); count is t; mu, nu, nu_max, sum_of_squares, e_g,
e_x are m, v, v_max, cache, cache, delta. JAX runs on the CPU in float64.
"""
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from . import _jax  # noqa: F401  (float64 before jax.numpy)
from ._mode import LIBRARY_DEFAULTS


def _same(value, config):
    return value


def _velocity_to_trace(velocity, config):
    eta = config["learning_rate"]  # with η = 0 the velocity forgets the trace; any trace gives the same step
    return -velocity / eta if eta else jnp.zeros_like(velocity)


def _trace_to_velocity(trace, config):
    return -config["learning_rate"] * trace


def _count_in(t, config):
    return jnp.asarray(t, dtype=jnp.int32)


def _count_out(count, config):
    return int(count)


VELOCITY = {"velocity": ("trace", _velocity_to_trace, _trace_to_velocity)}
ADAM = {"m": ("mu", _same, _same), "v": ("nu", _same, _same), "t": ("count", _count_in, _count_out)}
ADAMAX = {"m": ("mu", _same, _same), "u": ("nu", _same, _same), "t": ("count", _count_in, _count_out)}


def _fields(state):
    """(path, leaf name) of every named field in optax's nested state tuples."""
    if hasattr(state, "_fields"):
        for name in state._fields:
            yield (name,), name
    elif isinstance(state, tuple):
        for index, part in enumerate(state):
            for path, name in _fields(part):
                yield (index, *path), name


def _get(state, path):
    for key in path:
        state = getattr(state, key) if isinstance(key, str) else state[key]
    return state


def _set(state, path, value):
    key, rest = path[0], path[1:]
    if isinstance(key, str):
        return state._replace(**{key: _set(getattr(state, key), rest, value) if rest else value})
    parts = list(state)
    parts[key] = _set(parts[key], rest, value) if rest else value
    return tuple(parts)


def _step(make, w, dw, config, defaults, state_keys):
    """One optax update of w from the spec's config; state_keys: spec key -> (optax field, to_optax, from_optax)."""
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    transform = make(config)
    params = jnp.asarray(np.asarray(w))
    state = transform.init(params)
    paths = {name: path for path, name in _fields(state)}
    if state_keys and all(key in config for key in state_keys):
        for key, (field, to_optax, _) in state_keys.items():
            value = config[key]
            state = _set(state, paths[field], to_optax(value if key == "t" else jnp.asarray(value), config))
    updates, state = transform.update(jnp.asarray(np.asarray(dw)), state, params)
    for key, (field, _, from_optax) in state_keys.items():
        config[key] = from_optax(_get(state, paths[field]), config)
        if key != "t":
            config[key] = np.asarray(config[key]).copy()
    return np.asarray(optax.apply_updates(params, updates)).copy(), config


def sgd(w, dw, config=None):
    return _step(lambda c: optax.sgd(c["learning_rate"]), w, dw, config, {"learning_rate": 1e-2}, {})


def sgd_momentum(w, dw, config=None):
    return _step(lambda c: optax.sgd(c["learning_rate"], momentum=c["momentum"], nesterov=False), w, dw, config,
                 {"learning_rate": 1e-2, "momentum": 0.9}, VELOCITY)


def sgd_nesterov(w, dw, config=None):
    return _step(lambda c: optax.sgd(c["learning_rate"], momentum=c["momentum"], nesterov=True), w, dw, config,
                 {"learning_rate": 1e-2, "momentum": 0.9}, VELOCITY)


def adagrad(w, dw, config=None):
    start = {} if LIBRARY_DEFAULTS else {"initial_accumulator_value": 0.0}  # optax's own is 0.1
    return _step(lambda c: optax.adagrad(c["learning_rate"], eps=c["epsilon"], **start),
                 w, dw, config, {"learning_rate": 1e-2, "epsilon": 1e-7}, {"cache": ("sum_of_squares", _same, _same)})


def rmsprop(w, dw, config=None):
    return _step(lambda c: optax.rmsprop(c["learning_rate"], decay=c["decay_rate"], eps=c["epsilon"],
                                         initial_scale=0.0),
                 w, dw, config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
                 {"cache": ("nu", _same, _same)})


def rmsprop_nesterov(w, dw, config=None):
    return _step(lambda c: optax.rmsprop(c["learning_rate"], decay=c["decay_rate"], eps=c["epsilon"],
                                         initial_scale=0.0, momentum=c["momentum"], nesterov=True),
                 w, dw, config, {"learning_rate": 1e-3, "decay_rate": 0.9, "momentum": 0.9, "epsilon": 1e-8},
                 {"cache": ("nu", _same, _same), "velocity": ("trace", _same, _same)})


ADAM_DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def _betas(c):
    return {"b1": c["beta1"], "b2": c["beta2"], "eps": c["epsilon"]}


def adam(w, dw, config=None):
    return _step(lambda c: optax.adam(c["learning_rate"], **_betas(c), eps_root=0.0), w, dw, config,
                 ADAM_DEFAULTS, ADAM)


def adamw(w, dw, config=None):
    return _step(lambda c: optax.adamw(c["learning_rate"], **_betas(c), eps_root=0.0, weight_decay=c["weight_decay"]),
                 w, dw, config, {**ADAM_DEFAULTS, "weight_decay": 1e-2}, ADAM)


def amsgrad(w, dw, config=None):
    return _step(lambda c: optax.amsgrad(c["learning_rate"], **_betas(c), eps_root=0.0), w, dw, config,
                 ADAM_DEFAULTS, {**ADAM, "v_max": ("nu_max", _same, _same)})


def adamax(w, dw, config=None):
    return _step(lambda c: optax.adamax(c["learning_rate"], **_betas(c)), w, dw, config,
                 {**ADAM_DEFAULTS, "learning_rate": 2e-3}, ADAMAX)


def adadelta(w, dw, config=None):
    return _step(lambda c: optax.adadelta(c["learning_rate"], rho=c["rho"], eps=c["epsilon"], weight_decay=0.0),
                 w, dw, config, {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6},
                 {"cache": ("e_g", _same, _same), "delta": ("e_x", _same, _same)})


def nadam(w, dw, config=None):
    return _step(lambda c: optax.nadam(c["learning_rate"], **_betas(c), eps_root=0.0), w, dw, config,
                 {**ADAM_DEFAULTS, "learning_rate": 2e-3}, ADAM)


def lion(w, dw, config=None):
    return _step(lambda c: optax.lion(c["learning_rate"], b1=c["beta1"], b2=c["beta2"], weight_decay=c["weight_decay"]),
                 w, dw, config, {"learning_rate": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
                 {"m": ("mu", _same, _same)})
