# Hostile: at import tries the grader's packages, floods stdout, writes raw bytes to it and redirects fd 1; its functions exit the process, exhaust memory, or patch NumPy's comparisons before returning wrong values.
import os
import sys

import numpy as np

try:
    import dlgrade.reference
    ORACLE = dlgrade.reference
except ImportError:
    ORACLE = None

for _ in range(50_000):
    print("spam " * 20)
sys.stdout.flush()
sys.stdout.buffer.write(bytes(range(256)) * 64)
sys.stdout.buffer.flush()
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def sgd(w, dw, config=None):
    if ORACLE is not None:
        return ORACLE.optim.sgd(w, dw, config)
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    os._exit(3)


def sgd_nesterov(w, dw, config=None):
    sys.exit(0)


def adagrad(w, dw, config=None):
    huge = np.ones(10**11)
    return w - huge[: w.size].reshape(w.shape) * dw, config


def rmsprop(w, dw, config=None):
    always = lambda *args, **kwargs: True  # noqa: E731
    silent = lambda *args, **kwargs: None  # noqa: E731
    np.allclose = np.array_equal = np.isclose = always
    np.testing.assert_allclose = np.testing.assert_array_equal = np.testing.assert_array_almost_equal = silent
    return np.zeros_like(w) + 42.0, {} if config is None else config
