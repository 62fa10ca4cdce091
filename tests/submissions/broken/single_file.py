# Single-file submission: every spec function in one module (the alternative modules, concatenated).
import numpy as np


# ---- optim ----
def _state(config, key, w):
    if key not in config:
        config[key] = np.zeros_like(w)
    return config[key]


def sgd(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = _state(config, "velocity", w)
    v *= config["momentum"]
    v -= config["learning_rate"] * dw
    w += v
    return w, config


def sgd_nesterov(w, dw, config=None):
    """torch's form: v' = μv − ηg; w ← w + μv' − ηg (equal to w − μv + (1+μ)v')."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    lr, mu = config["learning_rate"], config["momentum"]
    v = _state(config, "velocity", w)
    v *= mu
    v -= lr * dw
    w += mu * v
    w -= lr * dw
    return w, config


def adagrad(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-7)
    r = _state(config, "cache", w)
    r += np.square(dw)
    w -= config["learning_rate"] * dw / (np.sqrt(r) + config["epsilon"])
    return w, config


def rmsprop(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    rho = config["decay_rate"]
    r = _state(config, "cache", w)
    r *= rho
    r += (1 - rho) * np.square(dw)
    w -= config["learning_rate"] * dw / (np.sqrt(r) + config["epsilon"])
    return w, config


def rmsprop_nesterov(w, dw, config=None):
    """Scaled step s = η g/(√r+ε); v' = μv − s; w ← w + μv' − s."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("decay_rate", 0.9)
    config.setdefault("momentum", 0.9)
    config.setdefault("epsilon", 1e-8)
    rho, mu = config["decay_rate"], config["momentum"]
    r = _state(config, "cache", w)
    v = _state(config, "velocity", w)
    r *= rho
    r += (1 - rho) * np.square(dw)
    step = config["learning_rate"] * dw / (np.sqrt(r) + config["epsilon"])
    v *= mu
    v -= step
    w += mu * v
    w -= step
    return w, config


def _adam_defaults(config, learning_rate):
    config = {} if config is None else config
    config.setdefault("learning_rate", learning_rate)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config["t"] = config.get("t", 0) + 1
    return config


def _moments(config, w, dw):
    b1, b2 = config["beta1"], config["beta2"]
    m = _state(config, "m", w)
    v = _state(config, "v", w)
    m *= b1
    m += (1 - b1) * dw
    v *= b2
    v += (1 - b2) * np.square(dw)
    return m, v


def _adam_step(w, m, second, config):
    t = config["t"]
    m_hat = m / (1 - config["beta1"] ** t)
    second_hat = second / (1 - config["beta2"] ** t)
    w -= config["learning_rate"] * m_hat / (np.sqrt(second_hat) + config["epsilon"])
    return w


def adam(w, dw, config=None):
    config = _adam_defaults(config, 1e-3)
    m, v = _moments(config, w, dw)
    return _adam_step(w, m, v, config), config


def adamw(w, dw, config=None):
    config = _adam_defaults(config, 1e-3)
    config.setdefault("weight_decay", 1e-2)
    w *= 1 - config["learning_rate"] * config["weight_decay"]
    m, v = _moments(config, w, dw)
    return _adam_step(w, m, v, config), config


def amsgrad(w, dw, config=None):
    config = _adam_defaults(config, 1e-3)
    m, v = _moments(config, w, dw)
    v_max = _state(config, "v_max", w)
    np.maximum(v_max, v, out=v_max)
    return _adam_step(w, m, v_max, config), config


def adamax(w, dw, config=None):
    config = _adam_defaults(config, 2e-3)
    b1, t = config["beta1"], config["t"]
    m = _state(config, "m", w)
    u = _state(config, "u", w)
    m *= b1
    m += (1 - b1) * dw
    np.maximum(config["beta2"] * u, np.abs(dw) + config["epsilon"], out=u)
    w -= config["learning_rate"] / (1 - b1 ** t) * m / u
    return w, config


def adadelta(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1.0)
    config.setdefault("rho", 0.9)
    config.setdefault("epsilon", 1e-6)
    rho, eps = config["rho"], config["epsilon"]
    r = _state(config, "cache", w)
    d = _state(config, "delta", w)
    r *= rho
    r += (1 - rho) * np.square(dw)
    delta = -np.sqrt(d + eps) / np.sqrt(r + eps) * dw
    d *= rho
    d += (1 - rho) * np.square(delta)
    w += config["learning_rate"] * delta
    return w, config


def nadam(w, dw, config=None):
    config = _adam_defaults(config, 2e-3)
    b1, t = config["beta1"], config["t"]
    m, v = _moments(config, w, dw)
    m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * dw / (1 - b1 ** t)
    v_hat = v / (1 - config["beta2"] ** t)
    w -= config["learning_rate"] * m_bar / (np.sqrt(v_hat) + config["epsilon"])
    return w, config


# ---- schedules ----
def time_based_decay(lr0, decay_rate, epoch):
    return lr0 * np.reciprocal(1.0 + decay_rate * np.asarray(epoch, dtype=float))


def step_decay(lr0, drop_rate, epochs_drop, epoch):
    return lr0 * np.float_power(drop_rate, np.floor_divide(epoch, epochs_drop))


def exponential_decay(lr0, k, t):
    return lr0 * np.exp(-k * np.asarray(t, dtype=float))


def power_decay(lr0, d, epoch):
    return lr0 * np.float_power(d, epoch)


def inverse_sqrt_decay(lr0, d, epoch):
    return lr0 * d / np.sqrt(epoch)


# ---- layers ----
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


# ---- losses ----
def softmax_loss(x, y):
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_probs[rows, y].sum() / n
    dx = np.exp(log_probs)
    dx[rows, y] -= 1.0
    return loss, dx / n


def mse_loss(pred, y):
    n = pred.shape[0]
    diff = pred - y
    per_row = np.sum(diff.reshape(n, -1) ** 2, axis=1)
    return per_row.sum() / (2 * n), diff / n


def logistic_loss(z, y):
    """−log σ(z) = logaddexp(0, −z) and −log(1 − σ(z)) = logaddexp(0, z)."""
    n = z.shape[0]
    loss = np.sum(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)) / n
    sigma = np.exp(-np.logaddexp(0.0, -z))
    return loss, (sigma - y) / n


def l2_regularization(W, lam, m):
    return lam / (2 * m) * np.vdot(W, W), lam / m * W


def l1_regularization(W, lam, m):
    return lam / m * np.abs(W).sum(), lam / m * np.sign(W)


# ---- init ----
def xavier_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


def xavier_uniform(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, (fan_in, fan_out))


def he_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def lecun_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan_in)


# ---- gradient_check ----
def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        original = x[ix]
        x[ix] = original + h
        f_plus = f(x)
        x[ix] = original - h
        f_minus = f(x)
        x[ix] = original
        grad[ix] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        original = x[ix]
        x[ix] = original + h
        f_plus = np.array(f(x), dtype=float)
        x[ix] = original - h
        f_minus = np.array(f(x), dtype=float)
        x[ix] = original
        grad[ix] = np.sum((f_plus - f_minus) * df) / (2 * h)
        it.iternext()
    return grad


def rel_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


# ---- sgd_exercise ----
def predict(w, X):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        return w[0] + w[1] * X[0] + w[2] * X[1]
    return np.array([w[0] + w[1] * row[0] + w[2] * row[1] for row in X])


def loss(w, X, y):
    return 0.5 * sum((target - predict(w, row)) ** 2 for row, target in zip(np.asarray(X, float), y))


def _row_gradient(w, row, target):
    residual = target - predict(w, row)
    return -residual * np.array([1.0, row[0], row[1]])


def batch_gd_step(w, X, y, lr):
    w = np.array(w, dtype=float)
    total = np.zeros(3)
    for row, target in zip(np.asarray(X, float), y):
        total += _row_gradient(w, row, target)
    return w - lr * total


def sgd_epoch(w, X, y, lr):
    w = np.array(w, dtype=float)
    for row, target in zip(np.asarray(X, float), y):
        w -= lr * _row_gradient(w, row, target)
    return w


# ---- training ----
def num_iterations(n_epochs, n_samples, batch_size):
    return n_epochs * -(-n_samples // batch_size)


def minibatches(n_samples, batch_size, rng):
    order = rng.permutation(n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]


def early_stopping(val_losses, patience):
    best, waited = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                return epoch, best
    return len(val_losses) - 1, best


# ---- net ----
def _affine(W, b):
    def forward(a):
        return a @ W + b, a

    def backward(d, a):
        return d @ W.T, a.T @ d, d.sum(axis=0)
    return forward, backward


def _activation(name):
    if name == "relu":
        return (lambda a: (np.where(a > 0, a, 0.0), a)), (lambda d, a: np.where(a > 0, d, 0.0))
    if name == "tanh":
        return (lambda a: (np.tanh(a),) * 2), (lambda d, out: d * (1 - out ** 2))
    if name == "sigmoid":
        def forward(a):
            e = np.exp(-np.abs(a))
            out = np.where(a >= 0, 1.0, e) / (1.0 + e)
            return out, out
        return forward, (lambda d, out: d * out * (1 - out))
    raise ValueError(f"unknown activation {name!r}")


def mlp_loss(params, X, y, activation="relu", reg=0.0):
    depth = sum(1 for key in params if key.startswith("W"))
    layers = []
    for l in range(1, depth + 1):
        layers.append(("affine", l, _affine(params[f"W{l}"], params[f"b{l}"])))
        if l < depth:
            layers.append(("activation", l, _activation(activation)))

    a, caches = X.reshape(len(X), -1), []
    for _, _, (forward, _) in layers:
        a, cache = forward(a)
        caches.append(cache)

    n = a.shape[0]
    shifted = a - a.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    d = np.exp(log_probs)
    d[np.arange(n), y] -= 1.0
    d /= n

    grads = {}
    for (kind, l, (_, backward)), cache in zip(reversed(layers), reversed(caches)):
        if kind == "affine":
            d, grads[f"W{l}"], grads[f"b{l}"] = backward(d, cache)
        else:
            d = backward(d, cache)

    for l in range(1, depth + 1):
        W = params[f"W{l}"]
        loss += 0.5 * reg * np.sum(W * W)
        grads[f"W{l}"] = grads[f"W{l}"] + reg * W
    return loss, grads
