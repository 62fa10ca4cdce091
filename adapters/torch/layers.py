"""torch.nn.functional presented as the spec's layers; every backward is autograd's.

    python grader.py --target torch --only layers

Each forward calls the torch function with every hyperparameter given explicitly from the
spec's param dict (eps, momentum, stride, …, the spec's defaults where a key is absent). The
batch norms keep their running statistics in bn_param, as the spec does: F.batch_norm reads them
and updates them in place, with torch's momentum m_torch = 1 − momentum (torch weights the batch
statistic by m_torch, the spec weights the running one by momentum); absent ones are created as
the spec creates them (zeros; F.batch_norm has no default of its own). Dropout draws from torch's
generator seeded with dropout_param["seed"] inside torch.random.fork_rng, so the seed is the only
randomness. conv1d_full is F.conv1d (a cross-correlation) with the kernel reversed and k − 1 zeros
of padding, which is the full convolution exactly.
"""
import numpy as np
import torch
import torch.nn.functional as F

from ._autograd import backward as _backward
from ._autograd import constant, forward, leaf, to_numpy
from ._mode import LIBRARY_DEFAULTS

EPS = 1e-5
MOMENTUM = 0.9


def affine_forward(x, w, b):
    return forward(lambda x, w, b: F.linear(x.reshape(x.shape[0], -1), w.T, b), x, w, b)


def affine_backward(dout, cache):
    return _backward(dout, cache)


def relu_forward(x):
    return forward(torch.relu, x)


def relu_backward(dout, cache):
    return _backward(dout, cache)[0]


def sigmoid_forward(x):
    return forward(torch.sigmoid, x)


def sigmoid_backward(dout, cache):
    return _backward(dout, cache)[0]


def tanh_forward(x):
    return forward(torch.tanh, x)


def tanh_backward(dout, cache):
    return _backward(dout, cache)[0]


def _channels(param):
    """γ or β as F's weight/bias: (C,), whatever shape the spec allows ((C,) or (1, C, 1, 1))."""
    return param.reshape(-1)


def _batchnorm(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param mode must be 'train' or 'test', not {mode!r}")
    channels = np.shape(x)[1]
    start = _own_running_stats(channels) if LIBRARY_DEFAULTS else {}
    running = {key: constant(bn_param.get(key, start.get(key, np.zeros(channels, dtype=np.asarray(x).dtype))))
               for key in ("running_mean", "running_var")}

    def function(x, gamma, beta):
        return F.batch_norm(x, running["running_mean"], running["running_var"], _channels(gamma), _channels(beta),
                            training=mode == "train", momentum=1.0 - bn_param.get("momentum", MOMENTUM),
                            eps=bn_param.get("eps", EPS))
    out, cache = forward(function, x, gamma, beta)
    for key, tensor in running.items():
        bn_param[key] = to_numpy(tensor)
    return out, cache


def _own_running_stats(channels):
    """The running statistics torch.nn.BatchNorm1d starts with (mean 0, variance 1), for the defaults column."""
    layer = torch.nn.BatchNorm1d(channels, dtype=torch.float64)
    return {key: to_numpy(getattr(layer, key)) for key in ("running_mean", "running_var")}


def batchnorm_forward(x, gamma, beta, bn_param):
    return _batchnorm(x, gamma, beta, bn_param)


def batchnorm_backward(dout, cache):
    return _backward(dout, cache)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    return _batchnorm(x, gamma, beta, bn_param)


def spatial_batchnorm_backward(dout, cache):
    return _backward(dout, cache)


def layernorm_forward(x, gamma, beta, ln_param):
    eps = (ln_param or {}).get("eps", EPS)
    return forward(lambda x, gamma, beta: F.layer_norm(x, x.shape[1:], gamma, beta, eps=eps), x, gamma, beta)


def layernorm_backward(dout, cache):
    return _backward(dout, cache)


def instancenorm_forward(x, gamma, beta, in_param):
    eps = (in_param or {}).get("eps", EPS)
    return forward(lambda x, gamma, beta: F.instance_norm(x, weight=_channels(gamma), bias=_channels(beta),
                                                          use_input_stats=True, eps=eps), x, gamma, beta)


def instancenorm_backward(dout, cache):
    return _backward(dout, cache)


def groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = (gn_param or {}).get("eps", EPS)
    return forward(lambda x, gamma, beta: F.group_norm(x, G, _channels(gamma), _channels(beta), eps=eps),
                   x, gamma, beta)


def groupnorm_backward(dout, cache):
    return _backward(dout, cache)


def dropout_forward(x, dropout_param):
    p, mode, seed = dropout_param["p"], dropout_param.get("mode", "train"), dropout_param.get("seed")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param mode must be 'train' or 'test', not {mode!r}")
    with torch.random.fork_rng(devices=[]):
        if seed is None:
            torch.seed()
        else:
            torch.manual_seed(seed)
        return forward(lambda x: F.dropout(x, p=p, training=mode == "train"), x)


def dropout_backward(dout, cache):
    return _backward(dout, cache)[0]


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    return forward(lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=pad), x, w, b)


def conv_backward_naive(dout, cache):
    return _backward(dout, cache)


def _window(pool_param):
    return {"kernel_size": (pool_param["pool_height"], pool_param["pool_width"]), "stride": pool_param["stride"]}


def max_pool_forward_naive(x, pool_param):
    return forward(lambda x: F.max_pool2d(x, **_window(pool_param)), x)


def max_pool_backward_naive(dout, cache):
    return _backward(dout, cache)[0]


def avg_pool_forward_naive(x, pool_param):
    return forward(lambda x: F.avg_pool2d(x, **_window(pool_param)), x)


def avg_pool_backward_naive(dout, cache):
    return _backward(dout, cache)[0]


def conv1d_full(x, w):
    x, w = leaf(x), leaf(w)
    z = F.conv1d(x.reshape(1, 1, -1), w.flip(0).reshape(1, 1, -1), padding=w.shape[0] - 1)
    return to_numpy(z.reshape(-1))
