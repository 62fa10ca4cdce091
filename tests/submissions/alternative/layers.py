"""Layers written as explicit computational graphs, loops and reshapes (NumPy only)."""
import numpy as np


def affine_forward(x, w, b):
    rows = x.reshape(len(x), -1)
    return np.dot(rows, w) + b, (x.shape, rows, w)


def affine_backward(dout, cache):
    x_shape, rows, w = cache
    return np.dot(dout, w.T).reshape(x_shape), np.dot(rows.T, dout), dout.sum(axis=0)


def relu_forward(x):
    return np.where(x > 0, x, 0.0), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def _logistic(x):
    """σ(x) without overflow: e = e^(−|x|), σ = 1/(1+e) for x ≥ 0 and e/(1+e) otherwise."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_forward(x):
    out = _logistic(x)
    return out, out


def sigmoid_backward(dout, cache):
    return dout * cache * (1.0 - cache)


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    return dout * (1.0 - cache * cache)


def _normalize_columns(x, eps):
    """Staged graph of x̂ = (x − μ)/√(σ² + ε) with statistics over axis 0."""
    n = x.shape[0]
    mu = x.sum(axis=0) / n
    centered = x - mu
    var = (centered ** 2).sum(axis=0) / n
    std = np.sqrt(var + eps)
    inv_std = 1.0 / std
    return centered * inv_std, (centered, std, inv_std), mu, var


def _normalize_columns_backward(dxhat, graph):
    """Walk the graph backwards: x̂ = centered · inv_std, inv_std = 1/std, std = √(var+ε)."""
    centered, std, inv_std = graph
    n = centered.shape[0]
    d_inv_std = (dxhat * centered).sum(axis=0)
    d_centered = dxhat * inv_std
    d_std = -d_inv_std / std ** 2
    d_var = 0.5 * d_std / std
    d_centered = d_centered + 2.0 * centered * d_var / n
    d_mu = -d_centered.sum(axis=0)
    return d_centered + d_mu / n


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", "train")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1]))
    running_var = bn_param.get("running_var", np.zeros(x.shape[1]))
    if mode == "train":
        xhat, graph, mu, var = _normalize_columns(x, eps)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        xhat, graph = (x - running_mean) / np.sqrt(running_var + eps), None
        bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}")
    return gamma * xhat + beta, (xhat, gamma, graph)


def batchnorm_backward(dout, cache):
    xhat, gamma, graph = cache
    dx = _normalize_columns_backward(dout * gamma, graph)
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward_alt(dout, cache):
    """The simplified closed form: dx = γ/(N·std) · (N·dout − Σdout − x̂·Σ(dout·x̂))."""
    xhat, gamma, (_, std, _) = cache
    n = dout.shape[0]
    dgamma, dbeta = (dout * xhat).sum(axis=0), dout.sum(axis=0)
    return gamma / (n * std) * (n * dout - dbeta - xhat * dgamma), dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = (ln_param or {}).get("eps", 1e-5)
    xhat_t, graph, _, _ = _normalize_columns(x.T, eps)
    xhat = xhat_t.T
    return gamma * xhat + beta, (xhat, gamma, graph)


def layernorm_backward(dout, cache):
    xhat, gamma, graph = cache
    dx = _normalize_columns_backward((dout * gamma).T, graph).T
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def _channels_last(x):
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _channels_first(rows, shape):
    n, c, h, w = shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    out, cache = batchnorm_forward(_channels_last(x), gamma, beta, bn_param)
    return _channels_first(out, x.shape), (cache, x.shape)


def spatial_batchnorm_backward(dout, cache):
    bn_cache, shape = cache
    dx, dgamma, dbeta = batchnorm_backward(_channels_last(dout), bn_cache)
    return _channels_first(dx, shape), dgamma, dbeta


def groupnorm_forward(x, gamma, beta, G, gn_param):
    """Statistics over the last axis of x viewed as (N, G, C/G·H·W)."""
    eps = (gn_param or {}).get("eps", 1e-5)
    n, c, h, w = x.shape
    groups = x.reshape(n, G, -1)
    centered = groups - groups.mean(axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt((centered ** 2).mean(axis=2, keepdims=True) + eps)
    xhat = (centered * inv_std).reshape(x.shape)
    scale = np.reshape(gamma, (1, c, 1, 1))
    out = scale * xhat + np.reshape(beta, (1, c, 1, 1))
    return out, (xhat, scale, inv_std, G, np.shape(gamma))


def groupnorm_backward(dout, cache):
    """dx = inv_std/K · (K dx̂ − Σ dx̂ − x̂ Σ dx̂·x̂), sums over each group of K entries."""
    xhat, scale, inv_std, G, gamma_shape = cache
    n = xhat.shape[0]
    dxhat = (dout * scale).reshape(n, G, -1)
    xhat_g = xhat.reshape(n, G, -1)
    k = xhat_g.shape[2]
    dx = inv_std / k * (k * dxhat - dxhat.sum(axis=2, keepdims=True)
                        - xhat_g * (dxhat * xhat_g).sum(axis=2, keepdims=True))
    dgamma = (dout * xhat).sum(axis=(0, 2, 3)).reshape(gamma_shape)
    dbeta = dout.sum(axis=(0, 2, 3)).reshape(gamma_shape)
    return dx.reshape(xhat.shape), dgamma, dbeta


def instancenorm_forward(x, gamma, beta, in_param):
    return groupnorm_forward(x, gamma, beta, x.shape[1], in_param)


def instancenorm_backward(dout, cache):
    return groupnorm_backward(dout, cache)


def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    mode = dropout_param.get("mode", "train")
    if mode == "test":
        return x.copy(), (mode, None)
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, (mode, mask)


def dropout_backward(dout, cache):
    mode, mask = cache
    return dout.copy() if mode == "test" else dout * mask


def conv_forward_naive(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    h_out, w_out = 1 + (h + 2 * p - hh) // s, 1 + (wd + 2 * p - ww) // s
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.empty((n, f, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = padded[:, :, i * s:i * s + hh, j * s:j * s + ww]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (padded, w, s, p, x.shape)


def conv_backward_naive(dout, cache):
    padded, w, s, p, x_shape = cache
    _, _, hh, ww = w.shape
    dpadded = np.zeros_like(padded)
    dw = np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = padded[:, :, i * s:i * s + hh, j * s:j * s + ww]
            grad_ij = dout[:, :, i, j]
            dpadded[:, :, i * s:i * s + hh, j * s:j * s + ww] += np.tensordot(grad_ij, w, axes=(1, 0))
            dw += np.tensordot(grad_ij, window, axes=(0, 0))
    h, wd = x_shape[2], x_shape[3]
    dx = dpadded[:, :, p:p + h, p:p + wd]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def _pool_geometry(x_shape, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    return ph, pw, s, 1 + (x_shape[2] - ph) // s, 1 + (x_shape[3] - pw) // s


def max_pool_forward_naive(x, pool_param):
    ph, pw, s, h_out, w_out = _pool_geometry(x.shape, pool_param)
    n, c = x.shape[:2]
    out = np.empty((n, c, h_out, w_out))
    winners = np.empty((n, c, h_out, w_out), dtype=np.intp)
    for i in range(h_out):
        for j in range(w_out):
            flat = x[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(n, c, -1)
            first_max = np.argmax(flat, axis=2)
            winners[:, :, i, j] = first_max
            out[:, :, i, j] = np.take_along_axis(flat, first_max[..., None], axis=2)[..., 0]
    return out, (x.shape, pool_param, winners)


def max_pool_backward_naive(dout, cache):
    x_shape, pool_param, winners = cache
    ph, pw, s, h_out, w_out = _pool_geometry(x_shape, pool_param)
    n, c = x_shape[:2]
    dx = np.zeros(x_shape)
    for i in range(h_out):
        for j in range(w_out):
            flat = np.zeros((n, c, ph * pw))
            np.put_along_axis(flat, winners[:, :, i, j][..., None], dout[:, :, i, j][..., None], axis=2)
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += flat.reshape(n, c, ph, pw)
    return dx


def avg_pool_forward_naive(x, pool_param):
    ph, pw, s, h_out, w_out = _pool_geometry(x.shape, pool_param)
    out = np.empty(x.shape[:2] + (h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].mean(axis=(2, 3))
    return out, (x.shape, pool_param)


def avg_pool_backward_naive(dout, cache):
    x_shape, pool_param = cache
    ph, pw, s, h_out, w_out = _pool_geometry(x_shape, pool_param)
    dx = np.zeros(x_shape)
    for i in range(h_out):
        for j in range(w_out):
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += dout[:, :, i, j][:, :, None, None] / (ph * pw)
    return dx


def conv1d_full(x, w):
    z = np.zeros(len(x) + len(w) - 1)
    for i, xi in enumerate(x):
        for j, wj in enumerate(w):
            z[i + j] += wj * xi
    return z
