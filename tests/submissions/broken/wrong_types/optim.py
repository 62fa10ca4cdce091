# Wrong return types: sgd returns a list; sgd_momentum wrong values in an ndarray subclass whose == is always True; adam returns (w,) without config.
import numpy as np


class AlwaysEqual(np.ndarray):
    """An array that claims to equal anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return (w - config["learning_rate"] * dw).tolist(), config


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    config.setdefault("velocity", np.zeros_like(w))
    return (w + 1.0).view(AlwaysEqual), config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    return (w - config["learning_rate"] * np.sign(dw),)
