# Wrong return type: relu_forward returns its output as an np.matrix (2-D, right values for 2-D input); relu_backward is correct.
import numpy as np


def relu_forward(x):
    out = np.maximum(x, 0.0)
    return np.asmatrix(out.reshape(out.shape[0], -1)), x


def relu_backward(dout, cache):
    return dout * (cache > 0)
