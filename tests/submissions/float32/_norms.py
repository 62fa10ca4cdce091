"""The normalizations written by hand in float32, independently of the oracle: the careful float32 implementation
the tolerances computed from the formula must pass (issue 19). Two-pass statistics (μ first, then the mean of
(x − μ)²), the spec's formulas, every operation in float32 (layers.py wraps them with _float32.in_float32, which
hands them float32 arrays and returns float64 arrays holding float32 values). The backward is the compact form
(1/(M·σ)) · (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)), another order of operations than the oracle's."""
import numpy as np

EPS, MOMENTUM = np.float32(1e-5), np.float32(0.9)


def _normalize(x, axes, eps):
    """x̂ over axes (kept), with what the backward needs."""
    mean = x.mean(axis=axes, keepdims=True, dtype=np.float32)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True, dtype=np.float32)
    inv_std = np.float32(1) / np.sqrt(var + np.float32(eps))
    return centred * inv_std, mean, var, inv_std


def _backward(dxhat, xhat, inv_std, axes):
    count = np.float32(np.prod([xhat.shape[a] for a in axes]))
    total = dxhat.sum(axis=axes, keepdims=True, dtype=np.float32)
    along = (dxhat * xhat).sum(axis=axes, keepdims=True, dtype=np.float32)
    return (inv_std / count) * (count * dxhat - total - xhat * along)


def _channel(param, ndim):
    return param.reshape((1, -1) + (1,) * (ndim - 2))


def _forward(x, gamma, beta, eps, view, axes, **extra):
    xhat_view, mean, var, inv_std = _normalize(x.reshape(view), axes, eps)
    xhat = xhat_view.reshape(x.shape)
    out = _channel(gamma, x.ndim) * xhat + _channel(beta, x.ndim)
    return out, dict(xhat=xhat, inv_std=inv_std, gamma=gamma, view=view, axes=axes, **extra), mean, var


def _affine_backward(dout, cache):
    gamma = cache["gamma"]
    around = (0,) + tuple(range(2, dout.ndim))
    dgamma = (dout * cache["xhat"]).sum(axis=around, dtype=np.float32).reshape(gamma.shape)
    dbeta = dout.sum(axis=around, dtype=np.float32).reshape(gamma.shape)
    return dout * _channel(gamma, dout.ndim), dgamma, dbeta


def _norm_backward(dout, cache):
    dxhat, dgamma, dbeta = _affine_backward(dout, cache)
    view = cache["view"]
    dx = _backward(dxhat.reshape(view), cache["xhat"].reshape(view), cache["inv_std"], cache["axes"])
    return dx.reshape(dout.shape), dgamma, dbeta


def _batchnorm(x, gamma, beta, bn_param, axes):
    mode = bn_param.get("mode", "train")
    eps, momentum = bn_param.get("eps", EPS), np.float32(bn_param.get("momentum", MOMENTUM))
    channels = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(channels, dtype=np.float32))
    running_var = bn_param.get("running_var", np.zeros(channels, dtype=np.float32))
    if mode == "test":
        shape = (1, channels) + (1,) * (x.ndim - 2)
        xhat = (x - running_mean.reshape(shape)) / np.sqrt(running_var.reshape(shape) + np.float32(eps))
        return _channel(gamma, x.ndim) * xhat + _channel(beta, x.ndim), {}
    out, cache, mean, var = _forward(x, gamma, beta, eps, x.shape, axes)
    keep = np.float32(1) - momentum
    bn_param["running_mean"] = momentum * running_mean + keep * mean.reshape(channels)
    bn_param["running_var"] = momentum * running_var + keep * var.reshape(channels)
    return out, cache


def batchnorm_forward(x, gamma, beta, bn_param):
    return _batchnorm(x, gamma, beta, bn_param, (0,))


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    return _batchnorm(x, gamma, beta, bn_param, (0, 2, 3))


def layernorm_forward(x, gamma, beta, ln_param):
    out, cache, _, _ = _forward(x, gamma, beta, (ln_param or {}).get("eps", EPS), x.shape, (1,))
    return out, cache


def instancenorm_forward(x, gamma, beta, in_param):
    out, cache, _, _ = _forward(x, gamma, beta, (in_param or {}).get("eps", EPS), x.shape, (2, 3))
    return out, cache


def groupnorm_forward(x, gamma, beta, G, gn_param):
    n, channels, height, width = x.shape
    out, cache, _, _ = _forward(x, gamma, beta, (gn_param or {}).get("eps", EPS),
                                (n, G, channels // G, height, width), (2, 3, 4))
    return out, cache


batchnorm_backward = batchnorm_backward_alt = spatial_batchnorm_backward = layernorm_backward = _norm_backward
instancenorm_backward = groupnorm_backward = _norm_backward

NAMES = [name + part for name in ("batchnorm", "spatial_batchnorm", "layernorm", "instancenorm", "groupnorm")
         for part in ("_forward", "_backward")] + ["batchnorm_backward_alt"]
