"""Stand-in for the Deep Learning Specialization's gc_utils (Course 2 week 1, gradient checking), written by
dlgrade from the contracts in COURSES_DLS_D2L.md, not copied from the course. dictionary_to_vector(parameters)
-> (theta (n, 1), keys) over the layers' W, b in order; vector_to_dictionary(theta) -> the dict of the shapes the
last dictionary_to_vector saw; gradients_to_vector(gradients) -> the dW, db entries (n, 1) in the same order.
relu and sigmoid return the activation only."""
import numpy as np

__all__ = ["sigmoid", "relu", "dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector"]
_SHAPES: dict = {}  # key -> shape, of the last dictionary_to_vector


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x):
    return np.maximum(0, x)


def _layer_keys(keys, prefix=""):
    """W1, b1, W2, b2, … (with prefix "d": dW1, db1, …) among keys, by layer, W before b."""
    found = [k for k in keys if k[len(prefix):len(prefix) + 1] in ("W", "b") and k[len(prefix) + 1:].isdigit()
             and k.startswith(prefix)]
    return sorted(found, key=lambda k: (int(k[len(prefix) + 1:]), k[len(prefix)] != "W"))


def dictionary_to_vector(parameters):
    keys = _layer_keys(parameters)
    _SHAPES.clear()
    _SHAPES.update({k: np.shape(parameters[k]) for k in keys})
    theta = np.concatenate([np.reshape(parameters[k], (-1, 1)) for k in keys], axis=0)
    return theta, [k for k in keys for _ in range(int(np.size(parameters[k])))]


def vector_to_dictionary(theta):
    parameters, start = {}, 0
    for key, shape in _SHAPES.items():
        size = int(np.prod(shape))
        parameters[key] = np.reshape(theta[start:start + size], shape)
        start += size
    return parameters


def gradients_to_vector(gradients):
    return np.concatenate([np.reshape(gradients[k], (-1, 1)) for k in _layer_keys(gradients, "d")], axis=0)
