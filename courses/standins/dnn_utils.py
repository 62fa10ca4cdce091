"""Stand-in for the Deep Learning Specialization's dnn_utils and dnn_utils_v2 (Course 1 week 4), written by
dlgrade from the contracts in COURSES_DLS_D2L.md, not copied from the course: sigmoid(Z) -> (A, Z), relu(Z) -> (A, Z),
relu_backward(dA, Z) -> dZ (0 where Z <= 0), sigmoid_backward(dA, Z) -> dZ. Column-major arrays of any shape."""
import numpy as np

__all__ = ["sigmoid", "relu", "relu_backward", "sigmoid_backward"]


def _sigmoid(Z):
    Z = np.asarray(Z, dtype=np.float64)
    e = np.exp(-np.abs(Z))  # never overflows
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(Z):
    return _sigmoid(Z), Z


def relu(Z):
    return np.maximum(0, Z), Z


def relu_backward(dA, cache):
    dZ = np.array(dA, copy=True)
    dZ[np.asarray(cache) <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    s = _sigmoid(cache)
    return dA * s * (1 - s)
