# Broken: optim.py does not parse (missing colon and unbalanced parenthesis), so the whole module fails to import.
import numpy as np


def sgd(w, dw, config=None)
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * (dw, config
