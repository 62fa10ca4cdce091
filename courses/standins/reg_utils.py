"""Stand-in for the Deep Learning Specialization's reg_utils (Course 2 week 1, Regularization), written by dlgrade
from the contracts in COURSES_DLS_D2L.md, not copied from the course: relu and sigmoid return the activation
only; compute_cost(a3, Y) = (1/m)·nansum of the cross-entropy; forward_propagation(X, parameters) -> (a3, cache)
of the 3-layer net LINEAR→RELU→LINEAR→RELU→LINEAR→SIGMOID, cache (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)."""
import numpy as np

__all__ = ["sigmoid", "relu", "compute_cost", "forward_propagation"]


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x):
    return np.maximum(0, x)


def compute_cost(a3, Y):
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1.0 / m * np.nansum(logprobs)


def forward_propagation(X, parameters):
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = np.dot(W1, X) + b1
    a1 = relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = sigmoid(z3)
    return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)
