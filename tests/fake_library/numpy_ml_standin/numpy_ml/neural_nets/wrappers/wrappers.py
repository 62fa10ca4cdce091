"""numpy-ml 0.1.2's Dropout wrapper as it behaves: a mask from the global generator, kept units scaled by 1/(1 − p)
in training, the identity when frozen; its backward scales dLdy by 1/(1 − p) and never applies the mask."""
import numpy as np


class Dropout:
    def __init__(self, wrapped_layer, p):
        self._base_layer, self.p = wrapped_layer, p

    @property
    def trainable(self):
        return self._base_layer.trainable

    def freeze(self):
        self._base_layer.freeze()

    def forward(self, X):
        if not self.trainable:
            return self._base_layer.forward(X)
        mask = np.random.rand(*X.shape) >= self.p
        return self._base_layer.forward(mask * X) / (1.0 - self.p)

    def backward(self, dLdy):
        assert self.trainable, "Layer is frozen"
        return self._base_layer.backward(dLdy / (1.0 - self.p))
