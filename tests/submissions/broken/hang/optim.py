# Hangs: sgd loops forever, adam sleeps 60 s; sgd_momentum is correct.
import time

import numpy as np


def sgd(w, dw, config=None):
    while True:
        pass


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def adam(w, dw, config=None):
    time.sleep(60)
    return w, config
