# Wrong return type: softmax_loss returns a string instead of (loss, dx).
import numpy as np


def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return f"loss = {-np.log(probs[np.arange(len(y)), y]).mean():.4f}"
