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
