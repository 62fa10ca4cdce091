from builtins import range
from builtins import object
import numpy as np

from ..layers import *
from ..layer_utils import *


class FullyConnectedNet(object):
    """Class for a multi-layer fully connected neural network."""

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        """
        - dropout_keep_ratio: Scalar between 0 and 1 giving dropout strength.
            If dropout_keep_ratio=1 then the network should not use dropout at all.
        - normalization: What type of normalization the network should use. Valid values
            are "batchnorm", "layernorm", or None for no normalization (the default).
        """
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(self.num_layers):
            self.params["W" + str(i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params["b" + str(i + 1)] = np.zeros(dims[i + 1])
            if self.normalization is not None and i < self.num_layers - 1:
                self.params["gamma" + str(i + 1)] = np.ones(dims[i + 1])
                self.params["beta" + str(i + 1)] = np.zeros(dims[i + 1])

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for i in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for i in range(self.num_layers - 1)]

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"

        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        scores = None

        caches = []
        out = X
        for i in range(1, self.num_layers):
            W, b = self.params["W%d" % i], self.params["b%d" % i]
            if self.normalization is None:
                out, cache = affine_relu_forward(out, W, b)
                caches.append((cache, None, None))
                norm_cache = None
            else:
                out, fc_cache = affine_forward(out, W, b)
                gamma, beta = self.params["gamma%d" % i], self.params["beta%d" % i]
                if self.normalization == "batchnorm":
                    out, norm_cache = batchnorm_forward(out, gamma, beta, self.bn_params[i - 1])
                else:
                    out, norm_cache = layernorm_forward(out, gamma, beta, self.bn_params[i - 1])
                out, relu_cache = relu_forward(out)
                caches.append(((fc_cache, relu_cache), norm_cache, None))
            if self.use_dropout:
                out, drop_cache = dropout_forward(out, self.dropout_param)
                caches[-1] = caches[-1][:2] + (drop_cache,)
        L = self.num_layers
        scores, last_cache = affine_forward(out, self.params["W%d" % L], self.params["b%d" % L])

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        loss, dout = softmax_loss(scores, y)
        dout, grads["W%d" % L], grads["b%d" % L] = affine_backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            cache, norm_cache, drop_cache = caches[i - 1]
            if drop_cache is not None:
                dout = dropout_backward(dout, drop_cache)
            if norm_cache is None:
                dout, grads["W%d" % i], grads["b%d" % i] = affine_relu_backward(dout, cache)
            else:
                fc_cache, relu_cache = cache
                dout = relu_backward(dout, relu_cache)
                if self.normalization == "batchnorm":
                    dout, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward_alt(dout, norm_cache)
                else:
                    dout, grads["gamma%d" % i], grads["beta%d" % i] = layernorm_backward(dout, norm_cache)
                dout, grads["W%d" % i], grads["b%d" % i] = affine_backward(dout, fc_cache)

        for i in range(1, L + 1):
            W = self.params["W%d" % i]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads["W%d" % i] += self.reg * W

        return loss, grads
