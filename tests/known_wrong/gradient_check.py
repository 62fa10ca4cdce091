"""Plausible wrong implementations of gradient_check.py, one for each check (the check must fail)."""

KNOWN_WRONG = {
    "gradient_check.eval_numerical_gradient/quadratic": '''
import numpy as np

def eval_numerical_gradient(f, x, h=1e-5):
    # forward difference: error h·f''/2
    grad = np.zeros_like(x)
    fx = f(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        grad[ix] = (f(x) - fx) / h
        x[ix] = old
    return grad
''',
    "gradient_check.eval_numerical_gradient/order_h2": '''
import numpy as np

def eval_numerical_gradient(f, x, h=1e-5):
    # central difference, but with a hard-coded step: the h given is ignored
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + 1e-5
        plus = f(x)
        x[ix] = old - 1e-5
        minus = f(x)
        x[ix] = old
        grad[ix] = (plus - minus) / 2e-5
    return grad
''',
    "gradient_check.eval_numerical_gradient/restores_x": '''
import numpy as np

def eval_numerical_gradient(f, x, h=1e-5):
    # perturbs a flat view and never puts the last entry back
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat_grad[i] = (plus - minus) / (2 * h)
        if i < flat.size - 1:
            flat[i] = old
    return grad
''',
    "gradient_check.eval_numerical_gradient_array/quadratic": '''
import numpy as np

def eval_numerical_gradient_array(f, x, df, h=1e-5):
    # forward difference
    grad = np.zeros_like(x)
    fx = np.array(f(x), dtype=float)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        grad[ix] = np.sum((np.array(f(x)) - fx) * df) / h
        x[ix] = old
    return grad
''',
    "gradient_check.eval_numerical_gradient_array/order_h2": '''
import numpy as np

def eval_numerical_gradient_array(f, x, df, h=1e-5):
    # central difference with the step fixed at 1e-5, whatever h is given
    step = 1e-5
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + step
        plus = np.array(f(x), dtype=float)
        x[ix] = old - step
        minus = np.array(f(x), dtype=float)
        x[ix] = old
        grad[ix] = np.sum((plus - minus) * df) / (2 * step)
    return grad
''',
    "gradient_check.rel_error/oracle": '''
import numpy as np

def rel_error(a, b):
    # one global ratio instead of the maximum of the entrywise ratios
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b)))
''',
    "gradient_check.rel_error/floor": '''
import numpy as np

def rel_error(a, b):
    # no floor: 0/0 where both entries are zero
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.max(np.abs(a - b) / (np.abs(a) + np.abs(b)))
''',
}
