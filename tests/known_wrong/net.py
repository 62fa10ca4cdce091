"""Plausible wrong implementations of net.py, one for each check (the check must fail)."""

_MLP = '''
import numpy as np

def mlp_loss(params, X, y, activation="relu", reg=0.0):
    depth = sum(1 for key in params if key.startswith("W"))
    phi = {{"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
            "sigmoid": lambda z: 1 / (1 + np.exp(-z))}}[activation]
    dphi = {{"relu": lambda z, a: (z > 0).astype(float), "tanh": lambda z, a: 1 - a * a,
             "sigmoid": lambda z, a: a * (1 - a)}}[activation]
    inputs, pre = [X], []
    for l in range(1, depth):
        pre.append(inputs[-1] @ params[f"W{{l}}"] + params[f"b{{l}}"])
        inputs.append(phi(pre[-1]))
    scores = inputs[-1] @ params[f"W{{depth}}"] + params[f"b{{depth}}"]
    n = len(y)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    d = np.exp(log_p)
    d[np.arange(n), y] -= 1
    d /= {grad_scale}
    grads = {{}}
    for l in range(depth, 0, -1):
        grads[f"W{{l}}"], grads[f"b{{l}}"] = inputs[l - 1].T @ d, d.sum(axis=0)
        if l > 1:
            d = (d @ params[f"W{{l}}"].T) * dphi(pre[l - 2], inputs[l - 1])
    for key in params:
        if key.startswith("W") or {reg_biases}:
            loss += {half} * reg * np.sum(params[key] ** 2)
            grads[key] = grads[key] + 2 * {half} * reg * params[key]
    return loss, grads
'''

KNOWN_WRONG = {
    # reg·Σ‖W‖² without the ½
    "net.mlp_loss/oracle": _MLP.format(grad_scale="n", reg_biases=False, half=1.0),
    # the biases penalised as well
    "net.mlp_loss/penalty":
        _MLP.format(grad_scale="n", reg_biases=True, half=0.5),
    # the loss is a mean over the batch but the gradients are sums (not divided by N)
    "net.mlp_loss/finite_differences":
        _MLP.format(grad_scale="1", reg_biases=False, half=0.5),
}
