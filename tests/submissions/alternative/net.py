"""MLP loss as a list of (forward, backward) layers replayed in reverse."""
import numpy as np


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


# --- the course's networks: the layers' steps inlined, a tape of backward steps replayed in reverse ------------


def _normalized(z, axis, eps=1e-5):
    mu = z.mean(axis=axis, keepdims=True)
    std = np.sqrt(z.var(axis=axis, keepdims=True) + eps)
    return (z - mu) / std, std


def _normalized_backward(dxhat, xhat, std, axis):
    """The closed form (1/(M·std))·(M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) along the statistics' axis."""
    m = dxhat.shape[axis]
    return (m * dxhat - dxhat.sum(axis=axis, keepdims=True)
            - xhat * (dxhat * xhat).sum(axis=axis, keepdims=True)) / (m * std)


def _softmax_loss(scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    dscores = np.exp(log_p)
    dscores[np.arange(n), y] -= 1
    return -log_p[np.arange(n), y].mean(), dscores / n


class FullyConnectedNet:
    """Each hidden layer pushes its backward steps on a tape; dropout masks come from a RandomState of the seed,
    another generator than the reference's."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0.0, normalization=None,
                 reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization, self.reg, self.dtype = normalization, reg, dtype
        self.dropout, self.seed = dropout, seed
        self.num_layers = len(hidden_dims) + 1
        dims = [input_dim, *hidden_dims, num_classes]
        init = np.random.RandomState(seed)
        self.params = {}
        for i in range(self.num_layers):
            self.params["W%d" % (i + 1)] = (weight_scale * init.randn(dims[i], dims[i + 1])).astype(dtype)
            self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1], dtype=dtype)
        if normalization:
            for i in range(1, self.num_layers):
                self.params["gamma%d" % i] = np.ones(dims[i], dtype=dtype)
                self.params["beta%d" % i] = np.zeros(dims[i], dtype=dtype)
        self.running = [{"mean": np.zeros(d), "var": np.zeros(d)} for d in hidden_dims]

    def _norm(self, z, i, train, tape):
        gamma, beta = self.params["gamma%d" % i], self.params["beta%d" % i]
        if self.normalization == "layernorm" or train:
            axis = 1 if self.normalization == "layernorm" else 0
            xhat, std = _normalized(z, axis)
            if self.normalization == "batchnorm":
                stats = self.running[i - 1]
                stats["mean"] = 0.9 * stats["mean"] + 0.1 * z.mean(axis=0)
                stats["var"] = 0.9 * stats["var"] + 0.1 * z.var(axis=0)
            tape.append(("norm", i, xhat, std, axis))
        else:
            stats = self.running[i - 1]
            xhat = (z - stats["mean"]) / np.sqrt(stats["var"] + 1e-5)
        return gamma * xhat + beta

    def loss(self, X, y=None):
        train = y is not None
        a, tape = X.reshape(X.shape[0], -1).astype(self.dtype), []
        for i in range(1, self.num_layers):
            tape.append(("affine", i, a))
            a = a @ self.params["W%d" % i] + self.params["b%d" % i]
            if self.normalization:
                a = self._norm(a, i, train, tape)
            tape.append(("relu", a > 0))
            a = np.maximum(a, 0)
            if train and self.dropout > 0:
                keep = (np.random.RandomState(self.seed).rand(*a.shape) >= self.dropout) / (1 - self.dropout)
                tape.append(("dropout", keep))
                a = a * keep
        last = self.num_layers
        scores = a @ self.params["W%d" % last] + self.params["b%d" % last]
        if not train:
            return scores
        loss, d = _softmax_loss(scores, y)
        grads = {"W%d" % last: a.T @ d, "b%d" % last: d.sum(axis=0)}
        d = d @ self.params["W%d" % last].T
        for step in reversed(tape):
            if step[0] == "dropout":
                d = d * step[1]
            elif step[0] == "relu":
                d = d * step[1]
            elif step[0] == "norm":
                _, i, xhat, std, axis = step
                grads["gamma%d" % i], grads["beta%d" % i] = (d * xhat).sum(axis=0), d.sum(axis=0)
                d = _normalized_backward(d * self.params["gamma%d" % i], xhat, std, axis)
            else:
                _, i, inputs = step
                grads["W%d" % i], grads["b%d" % i] = inputs.T @ d, d.sum(axis=0)
                d = d @ self.params["W%d" % i].T
        for i in range(1, last + 1):
            W = self.params["W%d" % i]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads["W%d" % i] += self.reg * W
        return loss, grads


class ThreeLayerConvNet:
    """The convolution as one matrix product over sliding windows, the 2×2 pool as a reshape."""

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float32):
        c, h, w = input_dim
        self.reg, self.dtype = reg, dtype
        init = np.random.RandomState(0)
        self.params = {
            "W1": weight_scale * init.randn(num_filters, c, filter_size, filter_size), "b1": np.zeros(num_filters),
            "W2": weight_scale * init.randn(num_filters * (h // 2) * (w // 2), hidden_dim), "b2": np.zeros(hidden_dim),
            "W3": weight_scale * init.randn(hidden_dim, num_classes), "b3": np.zeros(num_classes)}
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}

    def loss(self, X, y=None):
        W1, b1, W2, b2, W3, b3 = (self.params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        n, f, k = X.shape[0], W1.shape[0], W1.shape[2]
        pad = (k - 1) // 2
        padded = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(2, 3))  # (N, C, H, W, k, k)
        conv = np.einsum("nchwij,fcij->nfhw", windows, W1) + b1[:, None, None]
        relu = np.maximum(conv, 0)
        h, w = relu.shape[2] // 2, relu.shape[3] // 2
        blocks = relu.reshape(n, f, h, 2, w, 2)
        pooled = blocks.max(axis=(3, 5))
        flat = pooled.reshape(n, -1)
        hidden = np.maximum(flat @ W2 + b2, 0)
        scores = hidden @ W3 + b3
        if y is None:
            return scores
        loss, d = _softmax_loss(scores, y)
        grads = {"W3": hidden.T @ d, "b3": d.sum(axis=0)}
        d = (d @ W3.T) * (hidden > 0)
        grads["W2"], grads["b2"] = flat.T @ d, d.sum(axis=0)
        d = (d @ W2.T).reshape(pooled.shape)
        winners = blocks == pooled[:, :, :, None, :, None]  # generic inputs: one maximum per window
        dconv = (winners * d[:, :, :, None, :, None]).reshape(relu.shape) * (conv > 0)
        grads["W1"] = np.einsum("nchwij,nfhw->fcij", windows, dconv)
        grads["b1"] = dconv.sum(axis=(0, 2, 3))
        for key in ("W1", "W2", "W3"):
            loss += 0.5 * self.reg * np.sum(self.params[key] ** 2)
            grads[key] = grads[key] + self.reg * self.params[key]
        return loss, grads
