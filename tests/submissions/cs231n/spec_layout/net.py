"""CS231n's networks in the spec's conventions, translated by hand: the constructor's dropout_keep_ratio keeps a
unit there, and its dropout drops one here."""
import numpy as np

from .cs231n.classifiers import fc_net as _course
from .cs231n.classifiers.cnn import ThreeLayerConvNet  # noqa: F401


class FullyConnectedNet(_course.FullyConnectedNet):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0, normalization=None,
                 reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        super().__init__(hidden_dims, input_dim, num_classes, 1 - dropout, normalization, reg, weight_scale, dtype,
                         seed)
