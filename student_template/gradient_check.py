"""Numerical gradients by central differences."""


def eval_numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f at x.

    grad[i] = (f(x + h eᵢ) − f(x − h eᵢ)) / 2h, entry by entry. You may perturb x in place,
    but x must hold its original values on return. Returns grad, x's shape.
    """
    raise NotImplementedError


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Gradient of Σ f(x)·df with respect to x, for an array-valued f.

    grad[i] = Σ ((f(x + h eᵢ) − f(x − h eᵢ)) · df) / 2h. x restored on return.
    Returns grad, x's shape.
    """
    raise NotImplementedError


def rel_error(a, b):
    """max over entries of |a − b| / max(1e-8, |a| + |b|)."""
    raise NotImplementedError
