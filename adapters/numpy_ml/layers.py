"""numpy-ml's layers (numpy_ml.neural_nets.layers, .activations) as the spec's forward/backward pairs.

    python grader.py --target numpy_ml --only layers

The activations are numpy-ml's ReLU, Sigmoid and Tanh: out = fn(x), dx = dout·grad(x). Batch
and layer norm are BatchNorm1D and LayerNorm1D layers built with the spec's eps (and momentum),
γ and β set as their scaler and intercept, and the running statistics of bn_param loaded and read
back (absent ones are created as the spec creates them, zeros; numpy-ml's own start is mean 0,
variance 1). Test mode freezes the layer, which then normalizes with the running statistics. The
backward is the layer's backward on the cached layer; dγ, dβ are its gradients.

Dropout is numpy-ml's Dropout wrapper around a layer that passes x through: it draws its mask from
NumPy's global generator (np.random.rand), so the adapter seeds that generator with dropout_param's
seed before the call, when there is one: the same seed gives the same mask, as the spec asks. numpy-ml's
BatchNorm2D, Conv2D and Pool2D are not presented (channels-last layouts).
"""
import numpy as np

from ._mode import LIBRARY_DEFAULTS
from ._numpy_ml import activations, layers, wrappers

EPS = 1e-5


def _activation(function, x):
    return function.fn(np.array(x)), (function, np.array(x))


def _activation_backward(dout, cache):
    function, x = cache
    return np.asarray(dout) * function.grad(x)


def relu_forward(x):
    return _activation(activations.ReLU(), x)


def relu_backward(dout, cache):
    return _activation_backward(dout, cache)


def sigmoid_forward(x):
    return _activation(activations.Sigmoid(), x)


def sigmoid_backward(dout, cache):
    return _activation_backward(dout, cache)


def tanh_forward(x):
    return _activation(activations.Tanh(), x)


def tanh_backward(dout, cache):
    return _activation_backward(dout, cache)


def _build(layer, x, gamma, beta):
    layer.n_in = layer.n_out = x.shape[1]
    layer._init_params()
    layer.parameters["scaler"], layer.parameters["intercept"] = np.array(gamma), np.array(beta)
    return layer


def _norm_backward(dout, cache):
    layer = cache
    dx = layer.backward(np.array(dout))
    return dx, layer.gradients["scaler"].copy(), layer.gradients["intercept"].copy()


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param mode must be 'train' or 'test', not {mode!r}")
    x = np.array(x)
    layer = _build(layers.BatchNorm1D(momentum=bn_param.get("momentum", 0.9), epsilon=bn_param.get("eps", EPS)),
                   x, gamma, beta)
    for key in ("running_mean", "running_var"):
        if key in bn_param or not LIBRARY_DEFAULTS:  # the defaults column keeps numpy-ml's own start (variance 1)
            layer.parameters[key] = np.array(bn_param.get(key, np.zeros(x.shape[1])))
    if mode == "test":
        layer.freeze()
    out = layer.forward(x)
    bn_param["running_mean"] = layer.parameters["running_mean"].copy()
    bn_param["running_var"] = layer.parameters["running_var"].copy()
    if mode == "test":
        layer.unfreeze()
    return out, layer


def batchnorm_backward(dout, cache):
    return _norm_backward(dout, cache)


def layernorm_forward(x, gamma, beta, ln_param):
    x = np.array(x)
    layer = _build(layers.LayerNorm1D(epsilon=(ln_param or {}).get("eps", EPS)), x, gamma, beta)
    return layer.forward(x), layer


def layernorm_backward(dout, cache):
    return _norm_backward(dout, cache)


class _PassThrough:
    """The layer numpy-ml's Dropout wraps: out = x and dx = dout (the spec's dropout is a layer of its own)."""

    def __init__(self):
        self.trainable = True
        self.hyperparameters = {"layer": "PassThrough"}

    def forward(self, X):
        return X

    def backward(self, dLdy):
        return dLdy

    def freeze(self):
        self.trainable = False


def dropout_forward(x, dropout_param):
    mode = dropout_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param mode must be 'train' or 'test', not {mode!r}")
    layer = wrappers.Dropout(_PassThrough(), dropout_param["p"])
    if mode == "test":
        layer.freeze()
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])  # numpy-ml draws its mask from the global generator
    return layer.forward(np.array(x, dtype=float)), layer


def dropout_backward(dout, cache):
    return cache.backward(np.array(dout, dtype=float))
