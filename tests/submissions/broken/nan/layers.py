# Non-finite results: sigmoid_forward returns +inf everywhere; sigmoid_backward is correct for its cache.
import numpy as np


def sigmoid_forward(x):
    return np.full(x.shape, np.inf), 1.0 / (1.0 + np.exp(-x))


def sigmoid_backward(dout, cache):
    return dout * cache * (1.0 - cache)
