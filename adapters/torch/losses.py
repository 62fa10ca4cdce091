"""torch.nn.functional's losses presented as the spec's `f(...) -> (loss, grad)`; gradients by autograd.

    python grader.py --target torch --only losses

softmax_loss is F.cross_entropy and logistic_loss F.binary_cross_entropy_with_logits, both with
reduction="mean" (the spec's mean over N). mse_loss is F.mse_loss with reduction="sum" times
1/(2N): torch's "mean" divides by every element (N·D) and has no ½, the spec divides the sum by
2N. torch has no weight-penalty functions (weight decay lives in its optimizers), so
l2_regularization and l1_regularization are not provided.
"""
import torch.nn.functional as F

from ._autograd import scalar_and_gradient


def softmax_loss(x, y):
    return scalar_and_gradient(lambda x, y: F.cross_entropy(x, y, reduction="mean"), x, y)


def logistic_loss(z, y):
    return scalar_and_gradient(
        lambda z, y: F.binary_cross_entropy_with_logits(z, y.to(z.dtype), reduction="mean"), z, y)


def mse_loss(pred, y):
    return scalar_and_gradient(lambda pred, y: F.mse_loss(pred, y, reduction="sum") / (2 * pred.shape[0]), pred, y)
