"""Known-wrong normalization layers: every check of checks/areas/layers_norms.py must catch the one written for it.

Each is a realistic bug, appended to the reference layers module it replaces a function of:
a wrong default, a forgotten square root or transpose, the variance used where the standard
deviation belongs, statistics over the wrong axes, a backward that drops a term or returns the
wrong shape. Wrong backward passes keep x in their cache (a forward wrapper) to compute with it.
"""

PREFIX = "layers."


def _default(name, param, key, value):
    """name_forward with a wrong default for key (the reference with the key filled in)."""
    args = "x, gamma, beta, G, " if name == "groupnorm" else "x, gamma, beta, "
    return f"""
_reference_{name}_forward = {name}_forward
def {name}_forward({args}{param}):
    {param} = dict({param})
    {param}.setdefault({key!r}, {value!r})
    return _reference_{name}_forward({args}{param})
"""


def _variance_not_std(name, param, axes, view=""):
    """x̂ = (x − μ)/(σ² + ε): the square root forgotten (training statistics only)."""
    args = "x, gamma, beta, G, " if name == "groupnorm" else "x, gamma, beta, "
    affine = ".reshape(1, -1, 1, 1)" if name != "batchnorm" and name != "layernorm" else ""
    return f"""
import numpy as np
def {name}_forward({args}{param}):
    eps = {param}.get("eps", 1e-5)
    v = x{view}
    variance = v.var(axis={axes}, keepdims=True)
    xhat = ((v - v.mean(axis={axes}, keepdims=True)) / (variance + eps)).reshape(x.shape)
    return np.reshape(gamma, np.shape(gamma)){affine} * xhat + np.reshape(beta, np.shape(beta)){affine}, None
"""


def _keeping_x(name, param, backward_body):
    """A forward that also keeps x, eps and γ in its cache, and a backward computing with them."""
    args = "x, gamma, beta, G, " if name == "groupnorm" else "x, gamma, beta, "
    return f"""
import numpy as np
_reference_{name}_forward = {name}_forward
_reference_{name}_backward = {name}_backward
def {name}_forward({args}{param}):
    eps = {param}.get("eps", 1e-5)
    out, cache = _reference_{name}_forward({args}{param})
    return out, (x, eps, gamma, {"G" if name == "groupnorm" else "None"}, cache)
def {name}_backward(dout, cache):
    x, eps, gamma, G, reference_cache = cache
    dx, dgamma, dbeta = _reference_{name}_backward(dout, reference_cache)
{backward_body}
    return dx, dgamma, dbeta
"""


def _stats_as_constants(axes, view="", scale=""):
    return f"""    v = x{view}
    std = np.sqrt(v.var(axis={axes}, keepdims=True) + eps)
    dx = ((dout * gamma{scale}){view} / std).reshape(x.shape)"""


def _drops_variance_term(axes, view="", scale=""):
    return f"""    v = x{view}
    std = np.sqrt(v.var(axis={axes}, keepdims=True) + eps)
    dxhat = (dout * np.reshape(gamma, np.shape(gamma)){scale}){view}
    dx = ((dxhat - dxhat.mean(axis={axes}, keepdims=True)) / std).reshape(x.shape)"""


BATCHNORM = {
    "oracle": """
import numpy as np
_reference_batchnorm_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, bn_param):
    old = np.array(bn_param.get("running_var", np.zeros(x.shape[1])))
    out, cache = _reference_batchnorm_forward(x, gamma, beta, bn_param)
    if bn_param["mode"] == "train":  # the running average of the standard deviation, not the variance
        momentum = bn_param.get("momentum", 0.9)
        bn_param["running_var"] = momentum * old + (1 - momentum) * x.std(axis=0)
    return out, cache
""",
    "defaults": _default("batchnorm", "bn_param", "eps", 1e-8),
    "invariance":
        _variance_not_std("batchnorm", "bn_param", "0"),
    "test_mode": """
_reference_batchnorm_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, bn_param):
    if bn_param["mode"] == "test":  # the running mean, but the batch's variance
        return _reference_batchnorm_forward(x, gamma, beta, dict(bn_param, running_var=x.var(axis=0)))
    return _reference_batchnorm_forward(x, gamma, beta, bn_param)
""",
    "running_zeros": """
import numpy as np
_reference_batchnorm_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, bn_param):
    bn_param.setdefault("running_var", np.ones(x.shape[1]))
    return _reference_batchnorm_forward(x, gamma, beta, bn_param)
""",
}

BATCHNORM_BACKWARD = {
    "oracle": """
_reference_batchnorm_backward = batchnorm_backward
def batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = _reference_batchnorm_backward(dout, cache)
    return dx, dgamma / dout.shape[0], dbeta
""",
    # dx = (dx̂ − x̂·mean(dx̂·x̂))/σ: the −mean(dx̂) term of the mean's gradient is missing.
    "finite_differences": _keeping_x("batchnorm", "bn_param", """
    std = np.sqrt(x.var(axis=0) + eps)
    xhat, dxhat = (x - x.mean(axis=0)) / std, dout * gamma
    dx = (dxhat - xhat * (dxhat * xhat).mean(axis=0)) / std"""),
}

LAYERNORM = {
    "oracle": """
import numpy as np
def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)  # statistics over the batch, as in batch norm
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta, None
""",
    "defaults": _default("layernorm", "ln_param", "eps", 1e-3),
    "invariance": _variance_not_std("layernorm", "ln_param", "1"),
}

LAYERNORM_BACKWARD = {
    "oracle": """
_reference_layernorm_backward = layernorm_backward
def layernorm_backward(dout, cache):
    dx, dgamma, dbeta = _reference_layernorm_backward(dout, cache)
    return dx, dgamma, dout.sum(axis=1)
""",
    "finite_differences": _keeping_x("layernorm", "ln_param", _stats_as_constants("1")),
}

SPATIAL = {
    "oracle": """
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    rows = x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])
    out, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    return out.reshape(x.shape), cache  # not transposed back
""",
    "defaults": _default("spatial_batchnorm", "bn_param", "eps", 1e-3),
    "invariance": """
import numpy as np
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)  # the second moment, not centred
    xhat = x / np.sqrt((x ** 2).mean(axis=(0, 2, 3), keepdims=True) + eps)
    return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1), None
""",
    "test_mode": """
_reference_spatial_batchnorm_forward = spatial_batchnorm_forward
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    if bn_param["mode"] == "test":  # the batch's own statistics
        out, cache = _reference_spatial_batchnorm_forward(x, gamma, beta, dict(bn_param, mode="train"))
        return out, cache
    return _reference_spatial_batchnorm_forward(x, gamma, beta, bn_param)
""",
    "running_zeros": """
_reference_spatial_batchnorm_forward = spatial_batchnorm_forward
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    if "running_mean" not in bn_param:  # created and updated in a copy, never stored
        return _reference_spatial_batchnorm_forward(x, gamma, beta, dict(bn_param))
    return _reference_spatial_batchnorm_forward(x, gamma, beta, bn_param)
""",
}

SPATIAL_BACKWARD = {
    "oracle": """
_reference_spatial_batchnorm_backward = spatial_batchnorm_backward
def spatial_batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = _reference_spatial_batchnorm_backward(dout, cache)
    return dx, dgamma.reshape(1, -1, 1, 1), dbeta.reshape(1, -1, 1, 1)
""",
    "finite_differences": _keeping_x(
        "spatial_batchnorm", "bn_param", _stats_as_constants("(0, 2, 3)", scale=".reshape(1, -1, 1, 1)")),
}

GAMMA_BROADCAST_BY_INDEXING = """
import numpy as np
def {name}_forward({args}):
    eps = {param}.get("eps", 1e-5)
    v = x{view}
    std = np.sqrt(v.var(axis={axes}, keepdims=True) + eps)
    xhat = ((v - v.mean(axis={axes}, keepdims=True)) / std).reshape(x.shape)
    return gamma[None, :, None, None] * xhat + beta[None, :, None, None], None
"""

INSTANCENORM = {
    "oracle": """
def instancenorm_forward(x, gamma, beta, in_param):
    return groupnorm_forward(x, gamma, beta, 1, in_param)  # statistics over (C, H, W): layer norm
""",
    "defaults": _default("instancenorm", "in_param", "eps", 1e-3),
    "invariance":
        _variance_not_std("instancenorm", "in_param", "(2, 3)"),
    "gamma_4d": GAMMA_BROADCAST_BY_INDEXING.format(
        name="instancenorm", args="x, gamma, beta, in_param", param="in_param", view="", axes="(2, 3)"),
}

INSTANCENORM_BACKWARD = {
    "oracle": _keeping_x("instancenorm", "in_param", """
    dgamma = (dout * x).sum(axis=(0, 2, 3)).reshape(np.shape(gamma))  # x where x̂ belongs"""),
    "finite_differences": _keeping_x(
        "instancenorm", "in_param", _drops_variance_term("(2, 3)", scale=".reshape(1, -1, 1, 1)")),
    "gamma_4d": """
_reference_instancenorm_backward = instancenorm_backward
def instancenorm_backward(dout, cache):
    dx, dgamma, dbeta = _reference_instancenorm_backward(dout, cache)
    return dx, dgamma.reshape(-1), dbeta.reshape(-1)
""",
}

GROUPS = ".reshape(x.shape[0], G, -1)"
GROUPNORM = {
    "oracle": """
import numpy as np
def groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    g = x.reshape(x.shape[0], G, -1)  # the unbiased variance
    std = np.sqrt(g.var(axis=2, ddof=1, keepdims=True) + eps)
    xhat = ((g - g.mean(axis=2, keepdims=True)) / std).reshape(x.shape)
    return np.reshape(gamma, (1, -1, 1, 1)) * xhat + np.reshape(beta, (1, -1, 1, 1)), None
""",
    "defaults": _default("groupnorm", "gn_param", "eps", 1e-3),
    "invariance":
        _variance_not_std("groupnorm", "gn_param", "2", view=GROUPS),
    "gamma_4d": GAMMA_BROADCAST_BY_INDEXING.format(
        name="groupnorm", args="x, gamma, beta, G, gn_param", param="gn_param", view=GROUPS, axes="2"),
    "one_group_is_layernorm": """
def groupnorm_forward(x, gamma, beta, G, gn_param):
    return instancenorm_forward(x, gamma, beta, gn_param)  # G ignored: one group per channel
""",
    "group_per_channel_is_instancenorm": """
_reference_groupnorm_forward = groupnorm_forward
def groupnorm_forward(x, gamma, beta, G, gn_param):
    return _reference_groupnorm_forward(x, gamma, beta, 1, gn_param)  # G ignored: one group
""",
}

GROUPNORM_BACKWARD = {
    "oracle": """
_reference_groupnorm_backward = groupnorm_backward
def groupnorm_backward(dout, cache):
    dx, dgamma, dbeta = _reference_groupnorm_backward(dout, cache)
    return dx, dgamma / dout.shape[0], dbeta
""",
    "finite_differences": _keeping_x(
        "groupnorm", "gn_param", _stats_as_constants("2", view=GROUPS, scale=".reshape(1, -1, 1, 1)")),
    "gamma_4d": """
_reference_groupnorm_backward = groupnorm_backward
def groupnorm_backward(dout, cache):
    dx, dgamma, dbeta = _reference_groupnorm_backward(dout, cache)
    return dx, dgamma.reshape(-1), dbeta.reshape(-1)
""",
}

KNOWN_WRONG = {f"{PREFIX}{function}/{slug}": source for function, table in (
    ("batchnorm_forward", BATCHNORM), ("batchnorm_backward", BATCHNORM_BACKWARD),
    ("layernorm_forward", LAYERNORM), ("layernorm_backward", LAYERNORM_BACKWARD),
    ("spatial_batchnorm_forward", SPATIAL), ("spatial_batchnorm_backward", SPATIAL_BACKWARD),
    ("instancenorm_forward", INSTANCENORM), ("instancenorm_backward", INSTANCENORM_BACKWARD),
    ("groupnorm_forward", GROUPNORM), ("groupnorm_backward", GROUPNORM_BACKWARD),
) for slug, source in table.items()}


# --- issue 10: large offsets, float64 and one entry per statistic -------------------------------------

_ONE_PASS_VARIANCE = """
from ._core import norms as _norms
def _one_pass_moments(x, axes, *, ddof=0, one_pass=True):
    \"\"\"σ² = E[x²] − E[x]²: one pass over x, which cancels when |μ| ≫ σ.\"\"\"
    mean = x.mean(axis=axes, keepdims=True)
    count = x.size // mean.size
    return mean, ((x * x).mean(axis=axes, keepdims=True) - mean * mean) * count / (count - ddof)
_norms.moments = _one_pass_moments
"""

_FLOAT32_NORMALIZE = """
import numpy as np
from ._core import norms as _norms
_reference_normalize = _norms.normalize
def _float32_normalize(x, mean, var, eps, **variant):
    \"\"\"Normalizes in float32, as a library whose kernels are float32-only does.\"\"\"
    return _reference_normalize(x.astype(np.float32), mean.astype(np.float32), var.astype(np.float32),
                                np.float32(eps), **variant)
_norms.normalize = _float32_normalize
"""

KNOWN_WRONG.update({f"{PREFIX}{name}_forward/{slug}": source for name in (
    "batchnorm", "layernorm", "spatial_batchnorm", "instancenorm", "groupnorm") for slug, source in (
    ("large_offsets", _ONE_PASS_VARIANCE),
    ("float64", _FLOAT32_NORMALIZE))})

KNOWN_WRONG.update({
    f"{PREFIX}batchnorm_forward/single_entry": """
_reference_batchnorm_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, bn_param):
    \"\"\"Refuses a batch of one, as torch.nn.functional.batch_norm does in training.\"\"\"
    if x.shape[0] == 1 and bn_param.get("mode", "train") == "train":
        raise ValueError("Expected more than 1 value per channel when training")
    return _reference_batchnorm_forward(x, gamma, beta, bn_param)
""",
    f"{PREFIX}layernorm_forward/single_entry": """
import functools as _functools
layernorm_forward = _functools.partial(layernorm_forward, ddof=1)  # the unbiased variance: 0/0 when D = 1
""",
})
