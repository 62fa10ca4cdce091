"""CS231n's layers in the spec's conventions, translated by hand: dropout's p keeps a unit there and drops
one here, CS231n reads param["mode"] where the spec defaults it to 'train', and its group norm is
spatial_groupnorm_* with gamma and beta of shape (1, C, 1, 1)."""
from .cs231n import layers as _course
from .cs231n.layers import (  # noqa: F401
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_backward_alt,
    conv_backward_naive,
    conv_forward_naive,
    dropout_backward,
    layernorm_backward,
    layernorm_forward,
    max_pool_backward_naive,
    max_pool_forward_naive,
    relu_backward,
    relu_forward,
    spatial_batchnorm_backward,
)


def dropout_forward(x, dropout_param):
    kept = dict(dropout_param, p=1 - dropout_param["p"], mode=dropout_param.get("mode", "train"))
    return _course.dropout_forward(x, kept)


def batchnorm_forward(x, gamma, beta, bn_param):
    bn_param.setdefault("mode", "train")
    return _course.batchnorm_forward(x, gamma, beta, bn_param)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    bn_param.setdefault("mode", "train")
    return _course.spatial_batchnorm_forward(x, gamma, beta, bn_param)


def groupnorm_forward(x, gamma, beta, G, gn_param):
    out, cache = _course.spatial_groupnorm_forward(x, gamma.reshape(1, -1, 1, 1), beta.reshape(1, -1, 1, 1), G,
                                                   gn_param)
    return out, (cache, gamma.shape)


def groupnorm_backward(dout, cache):
    cache, shape = cache
    dx, dgamma, dbeta = _course.spatial_groupnorm_backward(dout, cache)
    return dx, dgamma.reshape(shape), dbeta.reshape(shape)
