# Hangs at import: the module body never finishes, so mlp_loss is never defined.
import numpy as np

while True:
    pass


def mlp_loss(params, X, y, activation="relu", reg=0.0):
    raise NotImplementedError
