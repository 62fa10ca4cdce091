"""Keras 3 layers (torch backend, float64) as the spec's forward/backward pairs; backward by autograd.

    python grader.py --target keras --only layers

Each forward builds the keras layer with every number from the spec's param dict (epsilon,
momentum, groups, strides, pool sizes; channels-first images) and runs it with Layer.stateless_call,
keras's functional form: the spec's γ, β (or w, b) are its trainable variables, bn_param's running
statistics its non-trainable ones (created as the spec creates them, zeros, when absent; a keras
layer starts at mean 0, variance 1), and the updated statistics come back from the call. Keras's
momentum weights the moving statistic, as the spec's does. The backward is torch.autograd of the
keras computation. Conv2D pads only 'valid' or 'same': the spec's zero padding is ZeroPadding2D(pad)
before a 'valid' Conv2D. Dropout is keras.layers.Dropout(rate=p, seed=seed). Keras has no instance
norm and no 1-D full convolution: not provided.
"""
from ._keras import keras, np, tensor, to_numpy, torch
from ._mode import LIBRARY_DEFAULTS

EPS = 1e-5
MOMENTUM = 0.9


def _run(layer, x, weights, state=(), **call):
    """(out, cache, new state): layer.stateless_call on leaves made from x and the weights."""
    leaves = [tensor(a, grad=True) for a in (x, *weights)]
    layer.build(tuple(np.shape(x)))
    out, new_state = layer.stateless_call(leaves[1:], [tensor(s) for s in state], leaves[0], **call)
    return to_numpy(out), (out, leaves), [to_numpy(s) for s in new_state]


def _backward(dout, cache):
    out, leaves = cache
    grads = torch.autograd.grad(out, leaves, grad_outputs=tensor(dout).to(out.dtype), retain_graph=True,
                                allow_unused=True)
    return tuple(np.zeros(leaf.shape) if g is None else to_numpy(g) for g, leaf in zip(grads, leaves))


def affine_forward(x, w, b):
    x = np.asarray(x)
    out, cache, _ = _run(keras.layers.Dense(np.shape(w)[1]), x.reshape(x.shape[0], -1), (w, b))
    return out, (cache, x.shape)


def affine_backward(dout, cache):
    cache, shape = cache
    dx, dw, db = _backward(dout, cache)
    return dx.reshape(shape), dw, db


def _activation(name, x):
    out, cache, _ = _run(keras.layers.Activation(name), x, ())
    return out, cache


def relu_forward(x):
    return _activation("relu", x)


def relu_backward(dout, cache):
    return _backward(dout, cache)[0]


def sigmoid_forward(x):
    return _activation("sigmoid", x)


def sigmoid_backward(dout, cache):
    return _backward(dout, cache)[0]


def tanh_forward(x):
    return _activation("tanh", x)


def tanh_backward(dout, cache):
    return _backward(dout, cache)[0]


def _channels(param):
    return np.asarray(param).reshape(-1)


def _batchnorm(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param mode must be 'train' or 'test', not {mode!r}")
    channels = np.shape(x)[1]
    layer = keras.layers.BatchNormalization(axis=1, momentum=bn_param.get("momentum", MOMENTUM),
                                            epsilon=bn_param.get("eps", EPS), center=True, scale=True)
    own = {"running_mean": layer.moving_mean_initializer, "running_var": layer.moving_variance_initializer}
    state = [bn_param[k] if k in bn_param else to_numpy(own[k]((channels,))) if LIBRARY_DEFAULTS else
             np.zeros(channels) for k in ("running_mean", "running_var")]  # the defaults column: keras' own start
    out, cache, (mean, var) = _run(layer, x, (_channels(gamma), _channels(beta)), state, training=mode == "train")
    bn_param["running_mean"], bn_param["running_var"] = mean, var
    return out, cache


def batchnorm_forward(x, gamma, beta, bn_param):
    return _batchnorm(x, gamma, beta, bn_param)


def batchnorm_backward(dout, cache):
    return _backward(dout, cache)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    return _batchnorm(x, gamma, beta, bn_param)


def spatial_batchnorm_backward(dout, cache):
    return _backward(dout, cache)


def layernorm_forward(x, gamma, beta, ln_param):
    layer = keras.layers.LayerNormalization(axis=-1, epsilon=(ln_param or {}).get("eps", EPS), center=True,
                                            scale=True)
    out, cache, _ = _run(layer, x, (gamma, beta))
    return out, cache


def layernorm_backward(dout, cache):
    return _backward(dout, cache)


def groupnorm_forward(x, gamma, beta, G, gn_param):
    layer = keras.layers.GroupNormalization(groups=G, axis=1, epsilon=(gn_param or {}).get("eps", EPS), center=True,
                                            scale=True)
    shape = np.shape(gamma)
    out, (out_tensor, leaves), _ = _run(layer, x, (_channels(gamma), _channels(beta)))
    return out, ((out_tensor, leaves), shape)


def groupnorm_backward(dout, cache):
    cache, shape = cache
    dx, dgamma, dbeta = _backward(dout, cache)
    return dx, dgamma.reshape(shape), dbeta.reshape(shape)


def dropout_forward(x, dropout_param):
    p, mode, seed = dropout_param["p"], dropout_param.get("mode", "train"), dropout_param.get("seed")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param mode must be 'train' or 'test', not {mode!r}")
    layer = keras.layers.Dropout(rate=p, seed=seed)
    leaves = [tensor(x, grad=True)]
    out = layer(leaves[0], training=mode == "train")
    return to_numpy(out), (out, leaves)


def dropout_backward(dout, cache):
    return _backward(dout, cache)[0]


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    filters, _, height, width = np.shape(w)
    padding = keras.layers.ZeroPadding2D(padding=pad, data_format="channels_first")
    conv = keras.layers.Conv2D(filters, (height, width), strides=stride, padding="valid", data_format="channels_first")
    leaves = [tensor(a, grad=True) for a in (x, w, b)]
    padded = padding(leaves[0])
    conv.build(tuple(padded.shape))
    # keras kernels are (HH, WW, C, F); the spec's w is (F, C, HH, WW)
    out, _ = conv.stateless_call([leaves[1].permute(2, 3, 1, 0), leaves[2]], [], padded)
    return to_numpy(out), (out, leaves)


def conv_backward_naive(dout, cache):
    return _backward(dout, cache)


def _pool(kind, x, pool_param):
    layer = kind(pool_size=(pool_param["pool_height"], pool_param["pool_width"]), strides=pool_param["stride"],
                 padding="valid", data_format="channels_first")
    out, cache, _ = _run(layer, x, ())
    return out, cache


def max_pool_forward_naive(x, pool_param):
    return _pool(keras.layers.MaxPooling2D, x, pool_param)


def max_pool_backward_naive(dout, cache):
    return _backward(dout, cache)[0]


def avg_pool_forward_naive(x, pool_param):
    return _pool(keras.layers.AveragePooling2D, x, pool_param)


def avg_pool_backward_naive(dout, cache):
    return _backward(dout, cache)[0]
