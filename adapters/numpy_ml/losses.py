"""numpy-ml's losses (numpy_ml.neural_nets.losses) as the spec's `f(...) -> (loss, grad)`.

    python grader.py --target numpy_ml --only losses

softmax_loss is numpy-ml's Softmax layer on the scores, then CrossEntropy.loss(onehot(y), p) and
CrossEntropy.grad (its gradient with respect to the scores, softmax included). mse_loss is
SquaredError.loss(y, pred) and SquaredError.grad with the identity activation. numpy-ml returns
these as it computes them (its docs: "the sum (not the average!)"). It has no binary logistic loss
on logits and no weight penalties: not provided.
"""
import numpy as np

from ._numpy_ml import activations, layers, losses


def softmax_loss(x, y):
    x = np.array(x)
    onehot = np.eye(x.shape[1], dtype=x.dtype)[np.asarray(y)]
    probabilities = layers.Softmax(dim=-1)._fwd(x)
    return losses.CrossEntropy.loss(onehot, probabilities), losses.CrossEntropy.grad(onehot, probabilities)


def mse_loss(pred, y):
    pred, y = np.array(pred), np.array(y)
    return losses.SquaredError.loss(y, pred), losses.SquaredError.grad(y, pred, pred, activations.Identity())
