"""Keras 3 losses and regularizers (torch backend, float64) as the spec's `f(...) -> (loss, grad)`.

    python grader.py --target keras --only losses

softmax_loss is SparseCategoricalCrossentropy(from_logits=True) and logistic_loss
BinaryCrossentropy(from_logits=True), both with keras's default reduction "sum_over_batch_size"
(the spec's mean over N). mse_loss is ½·MeanSquaredError() with that reduction: keras averages
each row over its D entries, then over the N rows. l2_regularization is keras.regularizers.L2 with
l2 = λ/(2m) and l1_regularization L1 with l1 = λ/m (keras computes l2·Σw², l1·Σ|w|). Gradients
are torch.autograd of the keras computation.
"""
from ._keras import keras, tensor, to_numpy, torch


def _value_and_grad(loss, first, *rest):
    leaf = tensor(first, grad=True)
    value = loss(leaf, *(tensor(r) for r in rest))
    (grad,) = torch.autograd.grad(value, [leaf])
    return to_numpy(value), to_numpy(grad)


def softmax_loss(x, y):
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum_over_batch_size")
    return _value_and_grad(lambda x, y: loss(y, x), x, y)


def logistic_loss(z, y):
    loss = keras.losses.BinaryCrossentropy(from_logits=True, reduction="sum_over_batch_size")
    return _value_and_grad(lambda z, y: loss(y.to(z.dtype).reshape(-1, 1), z.reshape(-1, 1)), z, y)


def mse_loss(pred, y):
    loss = keras.losses.MeanSquaredError(reduction="sum_over_batch_size")
    return _value_and_grad(lambda pred, y: 0.5 * loss(y, pred), pred, y)


def l2_regularization(W, lam, m):
    return _value_and_grad(keras.regularizers.L2(l2=lam / (2 * m)), W)


def l1_regularization(W, lam, m):
    return _value_and_grad(keras.regularizers.L1(l1=lam / m), W)
