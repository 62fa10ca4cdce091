"""Update rules written in place: state arrays and w are mutated, config is filled as we go."""
import numpy as np


def _state(config, key, w):
    if key not in config:
        config[key] = np.zeros_like(w)
    return config[key]


def sgd(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = _state(config, "velocity", w)
    v *= config["momentum"]
    v -= config["learning_rate"] * dw
    w += v
    return w, config


def sgd_nesterov(w, dw, config=None):
    """torch's form: v' = μv − ηg; w ← w + μv' − ηg (equal to w − μv + (1+μ)v')."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    lr, mu = config["learning_rate"], config["momentum"]
    v = _state(config, "velocity", w)
    v *= mu
    v -= lr * dw
    w += mu * v
    w -= lr * dw
    return w, config


def adagrad(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-7)
    r = _state(config, "cache", w)
    r += np.square(dw)
    w -= config["learning_rate"] * dw / (np.sqrt(r) + config["epsilon"])
    return w, config


def rmsprop(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    rho = config["decay_rate"]
    r = _state(config, "cache", w)
    r *= rho
    r += (1 - rho) * np.square(dw)
    w -= config["learning_rate"] * dw / (np.sqrt(r) + config["epsilon"])
    return w, config


def rmsprop_nesterov(w, dw, config=None):
    """Scaled step s = η g/(√r+ε); v' = μv − s; w ← w + μv' − s."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("decay_rate", 0.9)
    config.setdefault("momentum", 0.9)
    config.setdefault("epsilon", 1e-8)
    rho, mu = config["decay_rate"], config["momentum"]
    r = _state(config, "cache", w)
    v = _state(config, "velocity", w)
    r *= rho
    r += (1 - rho) * np.square(dw)
    step = config["learning_rate"] * dw / (np.sqrt(r) + config["epsilon"])
    v *= mu
    v -= step
    w += mu * v
    w -= step
    return w, config


def _adam_defaults(config, learning_rate):
    config = {} if config is None else config
    config.setdefault("learning_rate", learning_rate)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config["t"] = config.get("t", 0) + 1
    return config


def _moments(config, w, dw):
    b1, b2 = config["beta1"], config["beta2"]
    m = _state(config, "m", w)
    v = _state(config, "v", w)
    m *= b1
    m += (1 - b1) * dw
    v *= b2
    v += (1 - b2) * np.square(dw)
    return m, v


def _adam_step(w, m, second, config):
    t = config["t"]
    m_hat = m / (1 - config["beta1"] ** t)
    second_hat = second / (1 - config["beta2"] ** t)
    w -= config["learning_rate"] * m_hat / (np.sqrt(second_hat) + config["epsilon"])
    return w


def adam(w, dw, config=None):
    config = _adam_defaults(config, 1e-3)
    m, v = _moments(config, w, dw)
    return _adam_step(w, m, v, config), config


def adamw(w, dw, config=None):
    config = _adam_defaults(config, 1e-3)
    config.setdefault("weight_decay", 1e-2)
    w *= 1 - config["learning_rate"] * config["weight_decay"]
    m, v = _moments(config, w, dw)
    return _adam_step(w, m, v, config), config


def amsgrad(w, dw, config=None):
    config = _adam_defaults(config, 1e-3)
    m, v = _moments(config, w, dw)
    v_max = _state(config, "v_max", w)
    np.maximum(v_max, v, out=v_max)
    return _adam_step(w, m, v_max, config), config


def adamax(w, dw, config=None):
    config = _adam_defaults(config, 2e-3)
    b1, t = config["beta1"], config["t"]
    m = _state(config, "m", w)
    u = _state(config, "u", w)
    m *= b1
    m += (1 - b1) * dw
    np.maximum(config["beta2"] * u, np.abs(dw) + config["epsilon"], out=u)
    w -= config["learning_rate"] / (1 - b1 ** t) * m / u
    return w, config


def adadelta(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1.0)
    config.setdefault("rho", 0.9)
    config.setdefault("epsilon", 1e-6)
    rho, eps = config["rho"], config["epsilon"]
    r = _state(config, "cache", w)
    d = _state(config, "delta", w)
    r *= rho
    r += (1 - rho) * np.square(dw)
    delta = -np.sqrt(d + eps) / np.sqrt(r + eps) * dw
    d *= rho
    d += (1 - rho) * np.square(delta)
    w += config["learning_rate"] * delta
    return w, config


def nadam(w, dw, config=None):
    config = _adam_defaults(config, 2e-3)
    b1, t = config["beta1"], config["t"]
    m, v = _moments(config, w, dw)
    m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * dw / (1 - b1 ** t)
    v_hat = v / (1 - config["beta2"] ** t)
    w -= config["learning_rate"] * m_bar / (np.sqrt(v_hat) + config["epsilon"])
    return w, config


def lion(w, dw, config=None):
    config = {} if config is None else config
    for key, default in (("learning_rate", 1e-4), ("beta1", 0.9), ("beta2", 0.99), ("weight_decay", 0.0)):
        config.setdefault(key, default)
    m = _state(config, "m", w)
    direction = np.sign(m + (1 - config["beta1"]) * (dw - m))  # β₁m + (1−β₁)g, interpolated
    w *= 1 - config["learning_rate"] * config["weight_decay"]
    w -= config["learning_rate"] * direction
    m += (1 - config["beta2"]) * (dw - m)
    return w, config
