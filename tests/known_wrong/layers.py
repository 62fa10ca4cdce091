"""Plausible wrong implementations of the non-normalization layers, one per check of checks/areas/layers.py.

Each source is appended to a copy of reference/layers.py (replacing the functions it defines);
the check named by its key must fail on it.
"""

_SIGMOID_CLIPPED = '''
import numpy as np

def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-np.clip(x, -15.0, 15.0)))  # "clipped to avoid overflow"
    return out, out
'''

_SIGMOID_BACKWARD_CLIPPED = '''
import numpy as np

def sigmoid_forward(x):
    return 1.0 / (1.0 + np.exp(-x)), x

def sigmoid_backward(dout, cache):
    s = 1.0 / (1.0 + np.exp(-np.clip(cache, -15.0, 15.0)))  # recomputed, "clipped to avoid overflow"
    return dout * s * (1.0 - s)
'''

_TANH_BACKWARD_CLIPPED = '''
import numpy as np

def tanh_forward(x):
    return np.tanh(x), x

def tanh_backward(dout, cache):
    t = np.tanh(np.clip(cache, -5.0, 5.0))  # "clipped where tanh is flat anyway"
    return dout * (1.0 - t * t)
'''

_DROPOUT_NOT_INVERTED = '''
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if mode == "test":
        return x * (1 - p), (mode, None)
    mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) >= p
    return x * mask, (mode, mask)
'''

_DROPOUT_P_IS_KEEP = '''
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if mode == "test":
        return x, (mode, None)
    mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p) / p
    return x * mask, (mode, mask)
'''

_DROPOUT_GLOBAL_RNG = '''
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if mode == "test":
        return x, (mode, None)
    mask = (np.random.rand(*x.shape) >= p) / (1 - p)
    return x * mask, (mode, mask)
'''

_DROPOUT_BACKWARD_UNSCALED = '''
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if mode == "test":
        return x, (mode, None)
    mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) >= p
    return x * mask / (1 - p), (mode, mask)

def dropout_backward(dout, cache):
    mode, mask = cache
    return dout if mode == "test" else dout * mask
'''

_DROPOUT_BACKWARD_TEST_SCALED = '''
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if mode == "test":
        return x, (p, None)
    mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) >= p) / (1 - p)
    return x * mask, (p, mask)

def dropout_backward(dout, cache):
    p, mask = cache
    return dout * (1 - p) if mask is None else dout * mask
'''

_CONV_LOOPS = '''
import numpy as np

def conv_forward_naive(x, w, b, conv_param):
    s, pad = conv_param["stride"], conv_param["pad"]
    n, c, h, wd = x.shape
    f, _, hh, ww = w.shape
    h_out, w_out = 1 + (h + 2 * pad - hh) // s, 1 + (wd + 2 * pad - ww) // s
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((n, f, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * s:i * s + hh, j * s:j * s + ww]
            out[:, :, i, j] = np.tensordot(window, KERNEL(w), axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, conv_param)
'''

_CONV_BACKWARD_LOOPS = '''
import numpy as np

def conv_backward_naive(dout, cache):
    x, w, conv_param = cache
    s, pad = conv_param["stride"], conv_param["pad"]
    hh, ww = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = xp[:, :, i * s:i * s + hh, j * s:j * s + ww]
            dxp[:, :, i * s:i * s + hh, j * s:j * s + ww] += np.tensordot(dout[:, :, i, j], DX_KERNEL(w), axes=(1, 0))
            dw += np.tensordot(dout[:, :, i, j], window, axes=(0, 0))
    dx = dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]
    return dx, DW(dw, x), dout.sum(axis=(0, 2, 3))
'''

_POOL_LOOPS = '''
import numpy as np

def POOL_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    n, c, h, w = x.shape
    out = np.zeros((n, c, 1 + (h - ph) // s, 1 + (w - pw) // s))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = REDUCE(x[:, :, i * s:i * s + ph, j * s:j * s + pw], axis=(2, 3))
    return out, (x, pool_param)

def POOL_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            g = dout[:, :, i, j][:, :, None, None]
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] ACCUMULATE SHARE
    return dx
'''


def _pool(kind, reduce=None, accumulate="+=", share=None):
    reduce = reduce or {"max": "np.max", "avg": "np.mean"}[kind]
    share = share or {"max": "g * (window == window.max(axis=(2, 3), keepdims=True))",
                      "avg": "g / (ph * pw)"}[kind]
    return (_POOL_LOOPS.replace("POOL", f"{kind}_pool").replace("REDUCE", reduce)
            .replace("ACCUMULATE", accumulate).replace("SHARE", share))


_MAX_POOL_FIRST = ("(np.arange(ph * pw).reshape(1, 1, ph, pw) == window.reshape(*window.shape[:2], -1)"
                   ".argmax(axis=2)[:, :, None, None])")

_DROPOUT_MASK_PER_ROW = '''
import numpy as np

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if mode == "test":
        return x, (mode, None)
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = (rng.random(x.shape[:1] + (1,) * (x.ndim - 1)) >= p) / (1 - p) * np.ones_like(x)  # one draw per sample
    return x * mask, (mode, mask)
'''

KNOWN_WRONG = {
    # affine
    "layers.affine_forward/oracle": '''
import numpy as np

def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, (x, w)  # forgets the bias
''',
    "layers.affine_backward/oracle": '''
import numpy as np

def affine_backward(dout, cache):
    x, w = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.mean(axis=0)
''',
    "layers.affine_backward/finite_differences": '''
import numpy as np

def affine_backward(dout, cache):
    x, w = cache
    rows = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), rows.T @ dout / len(rows), dout.sum(axis=0)
''',
    # activations
    "layers.relu_forward/oracle": '''
import numpy as np

def relu_forward(x):
    return np.where(x > 0, x, 0.01 * x), x  # leaky
''',
    "layers.relu_backward/oracle": '''
import numpy as np

def relu_backward(dout, cache):
    return dout * (cache >= 0)
''',
    "layers.relu_backward/finite_differences": '''
import numpy as np

def relu_backward(dout, cache):
    return dout * (cache < 0)
''',
    "layers.relu_backward/zero_at_kink": '''
import numpy as np

def relu_backward(dout, cache):
    return np.where(cache < 0, 0.0, dout)
''',
    "layers.sigmoid_forward/oracle": '''
import numpy as np

def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(x))
    return out, out
''',
    "layers.sigmoid_forward/saturation": _SIGMOID_CLIPPED,
    "layers.sigmoid_backward/oracle": '''
def sigmoid_backward(dout, cache):
    x, out = cache
    return dout * x * (1 - x)
''',
    "layers.sigmoid_backward/finite_differences": '''
def sigmoid_backward(dout, cache):
    x, out = cache
    return dout * out
''',
    "layers.sigmoid_backward/saturation": _SIGMOID_BACKWARD_CLIPPED,
    "layers.tanh_forward/oracle": '''
import numpy as np

def tanh_forward(x):
    out = 2.0 / (1.0 + np.exp(-x)) - 1.0  # 2σ(x) − 1 = tanh(x/2)
    return out, out
''',
    "layers.tanh_forward/saturation": '''
import numpy as np

def tanh_forward(x):
    out = np.tanh(np.clip(x, -5.0, 5.0))
    return out, out
''',
    "layers.tanh_backward/oracle": '''
def tanh_backward(dout, cache):
    return dout * (1 - cache)
''',
    "layers.tanh_backward/finite_differences": '''
import numpy as np

def tanh_backward(dout, cache):
    return dout * (1 - np.tanh(cache) ** 2)  # the cache holds tanh(x), not x
''',
    "layers.tanh_backward/saturation": _TANH_BACKWARD_CLIPPED,
    # dropout
    "layers.dropout_forward/p_zero": _DROPOUT_P_IS_KEEP,
    "layers.dropout_forward/test_mode": _DROPOUT_NOT_INVERTED,
    "layers.dropout_forward/same_seed": _DROPOUT_GLOBAL_RNG,
    "layers.dropout_forward/values": _DROPOUT_NOT_INVERTED,
    "layers.dropout_forward/kept_fraction": _DROPOUT_P_IS_KEEP,
    "layers.dropout_forward/mean": _DROPOUT_NOT_INVERTED,
    "layers.dropout_forward/independence": _DROPOUT_MASK_PER_ROW,
    "layers.dropout_backward/mask": _DROPOUT_BACKWARD_UNSCALED,
    "layers.dropout_backward/test_mode": _DROPOUT_BACKWARD_TEST_SCALED,
    # convolution
    "layers.conv_forward_naive/oracle": _CONV_LOOPS.replace("KERNEL(w)", "w[:, :, ::-1, ::-1]"),
    "layers.conv_forward_naive/output_shape": _CONV_LOOPS.replace("KERNEL(w)", "w").replace(
        "1 + (h + 2 * pad - hh) // s, 1 + (wd + 2 * pad - ww) // s",
        "(h + 2 * pad - hh) // s + 1 + ((h + 2 * pad - hh) % s > 0), "
        "(wd + 2 * pad - ww) // s + 1 + ((wd + 2 * pad - ww) % s > 0)").replace(
        "(pad, pad), (pad, pad)", "(pad, pad + s), (pad, pad + s)"),
    "layers.conv_backward_naive/oracle": _CONV_BACKWARD_LOOPS.replace(
        "DX_KERNEL(w)", "w").replace("DW(dw, x)", "dw / len(x)"),
    "layers.conv_backward_naive/finite_differences": _CONV_BACKWARD_LOOPS.replace(
        "DX_KERNEL(w)", "w[:, :, ::-1, ::-1]").replace("DW(dw, x)", "dw"),
    "layers.conv1d_full/oracle": '''
import numpy as np

def conv1d_full(x, w):
    return np.correlate(x, w, "full")
''',
    "layers.conv1d_full/commutes": '''
import numpy as np

def conv1d_full(x, w):
    d, k = len(x), len(w)
    padded = np.concatenate([np.zeros(k - 1), x, np.zeros(k - 1)])
    return np.array([padded[i:i + k] @ w for i in range(d + k - 1)])  # not flipped: a correlation
''',
    # pooling
    "layers.max_pool_forward_naive/oracle": _pool("max", reduce="np.mean"),
    "layers.max_pool_backward_naive/oracle": _pool("max", share="g"),
    "layers.max_pool_backward_naive/finite_differences": _pool(
        "max", accumulate="=", share=f"g * {_MAX_POOL_FIRST}"),
    "layers.max_pool_backward_naive/ties": _pool("max"),
    "layers.avg_pool_forward_naive/oracle": _pool("avg", reduce="np.sum"),
    "layers.avg_pool_backward_naive/oracle": _pool("avg", share="g"),
    "layers.avg_pool_backward_naive/finite_differences": _pool("avg", accumulate="="),
}


# --- issue 10: float64 -------------------------------------------------------------------------------

KNOWN_WRONG.update({
    "layers.affine_forward/float64": '''
import numpy as np

def affine_forward(x, w, b):
    """Multiplies in float32 and hands back float64: Keras 3's matmul on torch does this."""
    x32 = x.reshape(x.shape[0], -1).astype(np.float32)
    out = (x32 @ w.astype(np.float32) + b.astype(np.float32)).astype(np.float64)
    return out, (x, w)
''',
})
