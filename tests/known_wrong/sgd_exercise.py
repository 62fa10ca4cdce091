"""Plausible wrong implementations of sgd_exercise.py, one for each check (the check must fail)."""

KNOWN_WRONG = {
    "sgd_exercise.predict/textbook": '''
import numpy as np

def predict(w, X):
    # always 2-D: a single sample comes back as an array of shape (1,), not a scalar
    return w[0] + np.atleast_2d(X) @ w[1:]
''',
    "sgd_exercise.predict/oracle": '''
import numpy as np

def predict(w, X):
    # takes the last weight as the bias
    X = np.asarray(X, dtype=float)
    return w[2] + X @ w[:2]
''',
    "sgd_exercise.loss/textbook": '''
import numpy as np

def loss(w, X, y):
    # mean squared error instead of the half sum
    r = y - (w[0] + X @ w[1:])
    return np.mean(r ** 2)
''',
    "sgd_exercise.loss/oracle": '''
import numpy as np

def loss(w, X, y):
    # the bias left out of the residuals
    r = y - X @ w[1:]
    return 0.5 * np.sum(r ** 2)
''',
    "sgd_exercise.batch_gd_step/textbook": '''
import numpy as np

def batch_gd_step(w, X, y, lr):
    # the bias is never updated
    r = y - (w[0] + X @ w[1:])
    w = np.array(w, dtype=float)
    w[1:] += lr * X.T @ r
    return w
''',
    "sgd_exercise.batch_gd_step/oracle": '''
import numpy as np

def batch_gd_step(w, X, y, lr):
    # gradient of the mean loss
    r = y - (w[0] + X @ w[1:])
    return w + lr * np.concatenate(([r.sum()], X.T @ r)) / len(y)
''',
    "sgd_exercise.sgd_epoch/textbook": '''
import numpy as np

def sgd_epoch(w, X, y, lr):
    # every row's gradient at the starting weights
    start = np.array(w, dtype=float)
    w = start.copy()
    for x_i, y_i in zip(X, y):
        r = y_i - (start[0] + x_i @ start[1:])
        w = w + lr * r * np.concatenate(([1.0], x_i))
    return w
''',
    "sgd_exercise.sgd_epoch/oracle": '''
import numpy as np

def sgd_epoch(w, X, y, lr):
    # rows visited last to first
    w = np.array(w, dtype=float)
    for x_i, y_i in zip(X[::-1], y[::-1]):
        r = y_i - (w[0] + x_i @ w[1:])
        w = w + lr * r * np.concatenate(([1.0], x_i))
    return w
''',
}
