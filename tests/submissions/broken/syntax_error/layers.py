# Partial: only relu_forward / relu_backward, both correct; every other layer is missing.
import numpy as np


def relu_forward(x):
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)
