"""Optax's losses presented as the spec's `f(...) -> (loss, grad)`; gradients by jax.grad.

    python grader.py --target optax --only losses

Optax's losses return one value per example and leave the reduction to the caller: the spec's
mean over the N rows is taken here (jnp.mean over the examples; for mse, Σ over a row's entries
of optax.l2_loss = ½(pred − y)², then the mean over rows). Optax has no weight-penalty
functions, so l2_regularization and l1_regularization are not provided.
"""
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from . import _jax  # noqa: F401  (float64 before jax.numpy)


def _value_and_grad(loss, first, *rest):
    value, grad = jax.value_and_grad(loss)(jnp.asarray(np.asarray(first)), *(jnp.asarray(np.asarray(r)) for r in rest))
    return np.asarray(value).copy(), np.asarray(grad).copy()


def softmax_loss(x, y):
    return _value_and_grad(lambda x, y: jnp.mean(optax.softmax_cross_entropy_with_integer_labels(x, y)), x, y)


def logistic_loss(z, y):
    return _value_and_grad(lambda z, y: jnp.mean(optax.sigmoid_binary_cross_entropy(z, y.astype(z.dtype))), z, y)


def mse_loss(pred, y):
    def loss(pred, y):
        per_entry = optax.l2_loss(pred, y)
        return jnp.mean(per_entry.reshape(per_entry.shape[0], -1).sum(axis=1))
    return _value_and_grad(loss, pred, y)
