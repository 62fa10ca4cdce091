"""Keras 3's optimizers presented as the spec's update rules `f(w, dw, config) -> (next_w, config)`.

    python grader.py --target keras --only optim

Each call builds the keras optimizer with every number from the spec's config (learning_rate,
momentum, betas, ε, weight decay, and the initial accumulator 0, where Adagrad's default is 0.1),
builds it on one float64 variable, assigns the spec's state to the optimizer's variables, applies one
gradient and reads the state back. Keras's SGD momentum m (m ← μm − ηg; w ← w + m) is the spec's
velocity as it is (at μ = 0 keras keeps none and the velocity is −ηg); iterations counts the steps
taken (t). Nadam keeps Π μᵢ of its momentum schedule,
a function of t, rebuilt from t. Keras has no RMSProp with Nesterov momentum: not provided.
"""
from ._keras import keras, np, to_numpy
from ._mode import LIBRARY_DEFAULTS

ADAM_DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def _step(make, w, dw, config, defaults, state_keys, counted=False):
    """state_keys: spec key -> the suffix of the keras optimizer variable that holds it."""
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    optimizer = make(config)
    variable = keras.Variable(np.array(w, dtype=np.float64))
    optimizer.build([variable])
    slots = {key: next((v for v in optimizer.variables if v.path.endswith(suffix)), None)
             for key, suffix in state_keys.items()}
    if any(slot is None for slot in slots.values()):  # SGD keeps no momentum at μ = 0: v = μv − ηg = −ηg
        config["velocity"] = -config["learning_rate"] * np.array(dw, dtype=np.float64)
        slots = {}
    if all(key in config for key in state_keys) and (not counted or "t" in config):
        for key, slot in slots.items():
            slot.assign(np.asarray(config[key], dtype=np.float64))
        if counted:
            optimizer.iterations.assign(int(config["t"]))
            _rebuild_schedule(optimizer, config)
    optimizer.apply([keras.ops.convert_to_tensor(np.array(dw, dtype=np.float64))], [variable])
    for key, slot in slots.items():
        config[key] = to_numpy(slot)
    if counted:
        config["t"] = int(to_numpy(optimizer.iterations))
    return to_numpy(variable), config


def _rebuild_schedule(optimizer, config):
    """Nadam's Π_{i≤t} β₁(1 − ½·0.96^i), which keras keeps as state: a function of t and β₁."""
    if isinstance(optimizer, keras.optimizers.Nadam):
        steps = np.arange(1, int(config["t"]) + 1, dtype=np.float64)
        optimizer._u_product.assign(np.prod(config["beta1"] * (1.0 - 0.5 * 0.96 ** steps)))


def _adam_args(c):
    return {"learning_rate": c["learning_rate"], "beta_1": c["beta1"], "beta_2": c["beta2"], "epsilon": c["epsilon"]}


def sgd(w, dw, config=None):
    return _step(lambda c: keras.optimizers.SGD(c["learning_rate"], momentum=0.0), w, dw, config,
                 {"learning_rate": 1e-2}, {})


def sgd_momentum(w, dw, config=None):
    return _step(lambda c: keras.optimizers.SGD(c["learning_rate"], momentum=c["momentum"], nesterov=False),
                 w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9}, {"velocity": "_momentum"})


def sgd_nesterov(w, dw, config=None):
    return _step(lambda c: keras.optimizers.SGD(c["learning_rate"], momentum=c["momentum"], nesterov=True),
                 w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9}, {"velocity": "_momentum"})


def adagrad(w, dw, config=None):
    start = {} if LIBRARY_DEFAULTS else {"initial_accumulator_value": 0.0}  # keras' own is 0.1
    return _step(lambda c: keras.optimizers.Adagrad(c["learning_rate"], epsilon=c["epsilon"], **start),
                 w, dw, config, {"learning_rate": 1e-2, "epsilon": 1e-7}, {"cache": "_accumulator"})


def rmsprop(w, dw, config=None):
    return _step(lambda c: keras.optimizers.RMSprop(c["learning_rate"], rho=c["decay_rate"], momentum=0.0,
                                                    epsilon=c["epsilon"], centered=False),
                 w, dw, config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}, {"cache": "_velocity"})


def adam(w, dw, config=None):
    return _step(lambda c: keras.optimizers.Adam(**_adam_args(c), amsgrad=False), w, dw, config, ADAM_DEFAULTS,
                 {"m": "_momentum", "v": "_velocity"}, counted=True)


def adamw(w, dw, config=None):
    return _step(lambda c: keras.optimizers.AdamW(**_adam_args(c), weight_decay=c["weight_decay"], amsgrad=False),
                 w, dw, config, {**ADAM_DEFAULTS, "weight_decay": 1e-2}, {"m": "_momentum", "v": "_velocity"},
                 counted=True)


def amsgrad(w, dw, config=None):
    return _step(lambda c: keras.optimizers.Adam(**_adam_args(c), amsgrad=True), w, dw, config, ADAM_DEFAULTS,
                 {"m": "_momentum", "v": "_velocity", "v_max": "_velocity_hat"}, counted=True)


def adamax(w, dw, config=None):
    return _step(lambda c: keras.optimizers.Adamax(**_adam_args(c)), w, dw, config,
                 {**ADAM_DEFAULTS, "learning_rate": 2e-3}, {"m": "_momentum", "u": "_norm"}, counted=True)


def adadelta(w, dw, config=None):
    return _step(lambda c: keras.optimizers.Adadelta(c["learning_rate"], rho=c["rho"], epsilon=c["epsilon"]),
                 w, dw, config, {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6},
                 {"cache": "_accumulated_grad", "delta": "_accumulated_delta_var"})


def nadam(w, dw, config=None):
    return _step(lambda c: keras.optimizers.Nadam(**_adam_args(c)), w, dw, config,
                 {**ADAM_DEFAULTS, "learning_rate": 2e-3}, {"m": "_momentum", "v": "_velocity"}, counted=True)


def lion(w, dw, config=None):
    return _step(lambda c: keras.optimizers.Lion(c["learning_rate"], beta_1=c["beta1"], beta_2=c["beta2"],
                                                 weight_decay=c["weight_decay"] or None),
                 w, dw, config, {"learning_rate": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
                 {"m": "_momentum"})
