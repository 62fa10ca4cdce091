"""A fake library's update rules with defaults of its own (tests/test_adapters.py): its SGD's learning rate
defaults to 1e-3 and its AdaGrad starts the accumulator at 0.1, as Optax's does; the formulas are the textbook's.
The adapter passes the spec's values unless _mode.LIBRARY_DEFAULTS (the matrix's defaults column)."""
import numpy as np

from ._mode import LIBRARY_DEFAULTS

SPEC = {"sgd": {"learning_rate": 1e-2}, "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-7}}
OWN = {"sgd": {"learning_rate": 1e-3}, "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-7}}
OWN_ACCUMULATOR = 0.1


def _filled(name, config):
    config = {} if config is None else config
    for key, value in (OWN if LIBRARY_DEFAULTS else SPEC)[name].items():
        config.setdefault(key, value)
    return config


def sgd(w, dw, config=None):
    config = _filled("sgd", config)
    return w - config["learning_rate"] * dw, config


def adagrad(w, dw, config=None):
    config = _filled("adagrad", config)
    start = OWN_ACCUMULATOR if LIBRARY_DEFAULTS else 0.0
    cache = config.get("cache", np.full_like(w, start)) + dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config
