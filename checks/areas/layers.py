"""Checks of layers.py outside normalization: affine, activations, dropout, convolution, pooling.

Forward passes are compared with the oracle on drawn shapes and hyperparameters. Every backward
pass receives the cache of the submission's own forward and is compared twice: with the oracle's
backward on the same inputs, and with central finite differences of the submission's own forward
(independent of the oracle). Dropout's mask depends on how a submission draws random numbers, so
its checks are structural (outputs 0 or x/(1−p), the backward reusing the forward's mask) and
statistical (binomial test of the kept fraction, z-test of the mean) at α = FALSE_ALARM_RATE with fixed seeds.
Normalization layers are checked in checks/areas/layers_norms.py.
"""
import numpy as np
from hypothesis import strategies as st
from scipy import stats

from dlgrade.reference import layers as oracle
from dlgrade.reference._core import conv
from dlgrade.reference._core.conv import output_size
from dlgrade.reference.gradient_check import eval_numerical_gradient_array
from dlgrade.sandbox import ErrorKind, SandboxError

from ..engine.compare import difference
from ..engine.context import Mismatch
from ..engine.differences import expect_gradient
from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.spec import ModeParam, declare_call, declare_promise
from ..engine.strategies import arrays, floats, seeds, shapes
from ..policy.tolerances import FALSE_ALARM_RATE, STATISTICS_SEED

# --- how the spec's layers take what a course may convey differently (engine.conventions translates) ----------

SPEC_MODE = "train"  # the spec's mode of a param dict that has none
declare_call("layers.dropout_forward", mode_param=ModeParam(1, SPEC_MODE), drop_probability=(1, "p"), keep_words={
    "layers.dropout_forward:p_is_keep": "drops units with probability p; in this course p is the probability of "
                                        "keeping a unit",
    "layers.dropout_forward:not_inverted": "does not scale kept units by 1/p in training (and scales at test time "
                                           "instead); the assignment uses inverted dropout",
    "layers.dropout_backward:unscaled": "multiplies by the mask but not by 1/p"})



def divides_evenly(case):
    """The windows tile the (padded) input exactly: (H + 2·pad − HH) % stride == 0 and the same along W for a
    convolution, (H − pool_height) % stride == 0 and the same along W for a pooling (what CS231n promises)."""
    height, width = case["x"].shape[2:]
    if "conv_param" in case:
        stride, pad = case["conv_param"]["stride"], case["conv_param"]["pad"]
        kernel = case["w"].shape[2:]
        return (height + 2 * pad - kernel[0]) % stride == 0 and (width + 2 * pad - kernel[1]) % stride == 0
    pool = case["pool_param"]
    return (height - pool["pool_height"]) % pool["stride"] == 0 and (width - pool["pool_width"]) % pool["stride"] == 0


for _function in ("conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive", "max_pool_backward_naive",
                  "avg_pool_forward_naive", "avg_pool_backward_naive"):
    declare_promise("sizes_divide_evenly", f"layers.{_function}", divides_evenly)

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("layers.relu_backward",
          ("grad_at_zero", "passes the gradient where x = 0; ReLU'(0) = 0 in the spec",
           {"grad_at_zero": 1.0})),
    *rows("layers.sigmoid_backward",
          ("derivative_of_input", "uses x(1−x) of the input; σ'(x) = σ(x)(1−σ(x)) of the output",
           {"derivative_from": "input"})),
    *rows("layers.tanh_backward",
          ("not_squared", "uses 1 − tanh(x); the derivative is 1 − tanh²(x)", {"squared": False})),
    *rows("layers.dropout_forward",
          ("not_inverted", "does not scale kept units by 1/(1−p) in training (and scales at test time "
                           "instead); the spec uses inverted dropout", {"inverted": False}),
          ("p_is_keep", "keeps units with probability p; p is the probability of dropping a unit",
           {"p_is_keep": True}),
          ("mask_per_column", "draws one mask per column and shares it among the rows of the batch; every unit "
                              "of every sample is kept or dropped on its own", {"mask_per_column": True}),
          ("only_2d", "works on 2-D input only (a mask drawn for (x.shape[0], x.shape[1])); x may have any "
                      "shape: draw the mask for x.shape", {"only_2d": True})),
    *rows("layers.dropout_backward",
          ("unscaled", "multiplies by the mask but not by 1/(1−p)", {"scale": False}),
          ("mask_not_applied", "scales dout by 1/(1−p) without the forward's mask: dropped units get a gradient "
                               "too (numpy-ml's Dropout.backward); dx = dout·mask/(1−p)", {"apply_mask": False})),
    *rows("layers.conv_forward_naive",
          ("flipped_kernel", "flips the kernel (true convolution); layers compute the cross-correlation",
           {"flip_kernel": True}),
          ("round_output_size", "rounds the output size, 1 + round((H + 2·pad − HH)/stride); it is floored, "
                                "1 + ⌊(H + 2·pad − HH)/stride⌋", {"rounding": "round"}),
          ("im2col_row_index", "indexes the im2col rows by h·out_h + w; row-major order over (out_h, out_w) is "
                               "h·out_w + w (the two agree only when out_h = out_w)", {"row_index": "h_times_out_h"})),
    *rows("layers.max_pool_forward_naive",
          ("width_from_pool_height", "computes the output width from pool_height, 1 + ⌊(W − pool_height)/stride⌋; "
                                     "it is 1 + ⌊(W − pool_width)/stride⌋", {"width_from_height": True})),
    *rows("layers.conv_backward_naive",
          ("negative_crop", "crops dx out of the padded gradient as [pad:-pad], which is empty when pad = 0; "
                            "crop [pad:pad + H]", {"negative_crop": True})),
    *rows("layers.max_pool_backward_naive",
          ("ties_to_all", "sends the gradient to every maximum of a window (the Deep Learning Specialization's "
                          "mask x == max(x)), a documented variant; only the first maximum (row-major) gets it",
           {"ties": "all"}, True),
          ("ties_to_last", "sends the gradient to the last maximum of a window; the first one gets it",
           {"ties": "last"}),
          ("overwrite", "writes dx[window] = … window by window (= instead of +=): where windows overlap, a later "
                        "window overwrites the gradient an earlier one sent", {"overwrite": True})),
    *rows("layers.avg_pool_backward_naive",
          ("not_divided", "does not divide the gradient by the window size", {"divide": False})),
    *rows("layers.conv1d_full",
          ("correlation", "computes the correlation (kernel not flipped); z_i = Σ_j w_j x_{i−j+1} "
                          "flips it", {"correlate": True})),
]

# --- calling the submission -------------------------------------------------------------------


def forward(ctx, name, *args):
    """(out, cache) of your layers.<name>; the cache stays in the worker as a handle."""
    return ctx.call(f"layers.{name}", *args, returns=2, keep=[1])


def backward(ctx, name, dout, cache, grads):
    """Your layers.<name>(dout, cache) as {gradient name: value}."""
    got = ctx.call(f"layers.{name}", dout, cache, returns=len(grads) if len(grads) > 1 else None)
    return dict(zip(grads, got if len(grads) > 1 else (got,)))


def forward_vs_oracle(ctx, name, args, inputs):
    out, _ = forward(ctx, name, *args)
    ctx.expect(out, lambda **m: getattr(oracle, name)(*args, **m)[0], inputs=inputs, label="out")


def backward_vs_oracle(ctx, fwd, bwd, args, dout, grads, inputs):
    """Your backward on your forward's cache against the oracle's backward on the oracle's cache."""
    _, cache = forward(ctx, fwd, *args)
    got = backward(ctx, bwd, dout, cache, grads)

    def want(**mistake):
        _, oracle_cache = getattr(oracle, fwd)(*args)
        value = getattr(oracle, bwd)(dout, oracle_cache, **mistake)
        return dict(zip(grads, value if len(grads) > 1 else (value,)))
    ctx.expect(got, want, inputs=dict(inputs, dout=dout), label="")


def backward_vs_differences(ctx, fwd, bwd, args, dout, grads, inputs):
    """Your backward against central differences of your forward: grads[i] is ∂(Σ out·dout)/∂args[i]."""
    inputs = dict(inputs, dout=dout)
    out, cache = forward(ctx, fwd, *args)
    ctx.require_shape(f"layers.{fwd}", out, dout.shape, inputs=inputs)
    got = backward(ctx, bwd, dout, cache, grads)
    for i, grad in enumerate(grads):
        def numeric(h, i=i):
            def out_at(value):
                return np.asarray(forward(ctx, fwd, *args[:i], value, *args[i + 1:])[0], dtype=float)
            return eval_numerical_gradient_array(out_at, np.array(args[i], dtype=float), dout, h=h)
        expect_gradient(ctx, got[grad], numeric, forward=out, inputs=inputs,
                        label=f"{grad} (central differences of your {fwd})")


def elementwise_vs_differences(ctx, name, x, dout):
    """Your <name>_backward against (f(x + h) − f(x − h))/2h of your elementwise <name>_forward."""
    inputs = {"x": x, "dout": dout}
    out, cache = forward(ctx, f"{name}_forward", x)
    ctx.require_shape(f"layers.{name}_forward", out, x.shape, inputs=inputs)
    dx = backward(ctx, f"{name}_backward", dout, cache, ("dx",))["dx"]

    def numeric(h):
        up, down = x + h, x - h
        rise = np.asarray(forward(ctx, f"{name}_forward", up)[0]) - np.asarray(forward(ctx, f"{name}_forward", down)[0])
        return dout * rise / (up - down)
    expect_gradient(ctx, dx, numeric, forward=out, inputs=inputs,
                    label=f"dx (central differences of your {name}_forward)")


# --- strategies -------------------------------------------------------------------------------


@st.composite
def affine_cases(draw, max_batch=4, max_dims=3, max_side=4, max_out=4):
    n, dims, m = draw(st.integers(1, max_batch)), draw(shapes(1, max_dims, 1, max_side)), draw(st.integers(1, max_out))
    return {"x": draw(arrays((n, *dims))), "w": draw(arrays((int(np.prod(dims)), m))),
            "b": draw(arrays((m,))), "dout": draw(arrays((n, m), -1.0, 1.0))}


def nonzero(low=0.01, high=10.0):
    """Floats with low ≤ |x| ≤ high: away from a kink at 0, or safe to divide by."""
    return st.one_of(floats(-high, -low), floats(low, high))


def with_zeros():
    """Values from {−1, 0, 1}·[0.5, 2]: exact zeros, where ReLU has its kink."""
    return st.sampled_from([-1.0, 0.0, 1.0]).flatmap(lambda sign: floats(0.5, 2.0).map(lambda v: sign * v))


@st.composite
def elementwise_cases(draw, elements=floats(-10.0, 10.0)):
    shape = draw(shapes(1, 3, 1, 5))
    return {"x": draw(arrays(shape, elements=elements)), "dout": draw(arrays(shape, -1.0, 1.0))}


SATURATED = st.one_of(floats(-50.0, -20.0), floats(20.0, 50.0), st.sampled_from([-50.0, 50.0]))


@st.composite
def conv_cases(draw, max_batch=2, max_channels=3, max_side=6, max_kernel=4):
    """x, w, b, conv_param with H + 2·pad ≥ HH and W + 2·pad ≥ WW, and dout of out's shape."""
    kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * pad), max_side))
    w = draw(st.integers(max(1, kw - 2 * pad), max_side))
    n, c, f = draw(st.integers(1, max_batch)), draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    out_shape = (n, f, output_size(h, kh, stride, pad), output_size(w, kw, stride, pad))
    return {"x": draw(arrays((n, c, h, w), -5.0, 5.0)), "w": draw(arrays((f, c, kh, kw), -5.0, 5.0)),
            "b": draw(arrays((f,), -5.0, 5.0)), "conv_param": {"stride": stride, "pad": pad},
            "dout": draw(arrays(out_shape, -1.0, 1.0))}


def grid(low=-400, high=400):
    """Distinct multiples of 1/8 (with unique=True): maxima 0.125 apart, far beyond the step."""
    return st.integers(low, high).map(lambda k: k / 8)


@st.composite
def pool_cases(draw, elements=None, unique=False, max_side=6):
    """x, pool_param (windows that fit, overlapping when stride < pool size) and dout of out's shape."""
    ph, pw, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)),
             draw(st.integers(ph, max_side)), draw(st.integers(pw, max_side)))
    out_shape = shape[:2] + (output_size(shape[2], ph, stride), output_size(shape[3], pw, stride))
    return {"x": draw(arrays(shape, elements=elements, unique=unique)),
            "pool_param": {"pool_height": ph, "pool_width": pw, "stride": stride},
            "dout": draw(arrays(out_shape, -1.0, 1.0))}


# Textbook cases, first in every search.
AFFINE_TEXTBOOK = {"x": np.arange(12.0).reshape(2, 2, 3) / 10 - 0.5, "w": np.linspace(-1, 1, 18).reshape(6, 3),
                   "b": np.array([0.1, -0.2, 0.3]), "dout": np.array([[1.0, -1.0, 0.5], [0.2, 0.0, -0.3]])}
CONV_TEXTBOOK = {"x": np.linspace(-1, 1, 32).reshape(1, 2, 4, 4), "w": np.linspace(-1, 2, 36).reshape(2, 2, 3, 3),
                 "b": np.array([0.5, -0.5]), "conv_param": {"stride": 2, "pad": 1},
                 "dout": np.linspace(-1, 1, 8).reshape(1, 2, 2, 2)}
POOL_TEXTBOOK = {"x": np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 5.0, 4.0, 4.0],
                                  [0.0, 0.0, 1.0, 2.0], [0.0, -1.0, 3.0, 3.0]]]]),
                 "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2},
                 "dout": np.array([[[[1.0, 2.0], [3.0, 4.0]]]])}
POOL_DISTINCT = dict(POOL_TEXTBOOK, x=np.arange(16.0).reshape(1, 1, 4, 4)[..., ::-1] / 4)
# Overlapping windows sharing their maximum (the centre): its gradient is the sum over the windows.
POOL_OVERLAP = {"x": np.array([[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]]),
                "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 1},
                "dout": np.array([[[[1.0, 2.0], [3.0, 4.0]]]])}


def conv_args(case):
    return case["x"], case["w"], case["b"], case["conv_param"]


def conv_inputs(case):
    return {k: case[k] for k in ("x", "w", "b", "conv_param")}


def pool_inputs(case):
    return {"x": case["x"], "pool_param": case["pool_param"]}


# --- affine -----------------------------------------------------------------------------------


@check("layers.affine_forward", "oracle", title="agrees with the oracle", points=1,
       doc="out = x·w + b with x of shape (N, d1…dk) flattened to (N, D)")
def affine_forward_oracle(ctx):
    ctx.falsify(affine_cases(), lambda case: forward_vs_oracle(
        ctx, "affine_forward", (case["x"], case["w"], case["b"]), {k: case[k] for k in "xwb"}),
        examples=[AFFINE_TEXTBOOK])


@check("layers.affine_backward", "oracle", title="agrees with the oracle", points=1, uses=("layers.affine_forward",),
       doc="dx (in x's shape), dw, db from your forward's cache agree with the oracle's")
def affine_backward_oracle(ctx):
    ctx.falsify(affine_cases(), lambda case: backward_vs_oracle(
        ctx, "affine_forward", "affine_backward", (case["x"], case["w"], case["b"]), case["dout"],
        ("dx", "dw", "db"), {k: case[k] for k in "xwb"}), examples=[AFFINE_TEXTBOOK])


@check("layers.affine_backward", "finite_differences", title="matches finite differences of your forward", points=1,
       tol="finite_difference", kind="gradient", uses=("layers.affine_forward",),
       examples=0.5, doc="dx, dw, db agree with central differences of your own affine_forward")
def affine_backward_differences(ctx):
    ctx.falsify(affine_cases(max_batch=2, max_dims=2, max_side=3, max_out=3), lambda case: backward_vs_differences(
        ctx, "affine_forward", "affine_backward", (case["x"], case["w"], case["b"]), case["dout"],
        ("dx", "dw", "db"), {k: case[k] for k in "xwb"}),
        examples=[AFFINE_TEXTBOOK])


# --- activations ------------------------------------------------------------------------------


def _activation_checks(name, formula, derivative, edge_doc):
    @check(f"layers.{name}_forward", "oracle", title="agrees with the oracle", points=1,
           doc=f"out = {formula} elementwise")
    def forward_oracle(ctx):
        ctx.falsify(elementwise_cases(with_zeros() | floats(-10.0, 10.0)),
                    lambda case: forward_vs_oracle(ctx, f"{name}_forward", (case["x"],), {"x": case["x"]}))

    @check(f"layers.{name}_backward", "oracle", title="agrees with the oracle", points=1,
           uses=(f"layers.{name}_forward",), doc=f"dx = dout·{derivative} from your forward's cache")
    def backward_oracle(ctx):
        ctx.falsify(elementwise_cases(with_zeros() | floats(-10.0, 10.0)), lambda case: backward_vs_oracle(
            ctx, f"{name}_forward", f"{name}_backward", (case["x"],), case["dout"], ("dx",), {"x": case["x"]}))

    @check(f"layers.{name}_backward", "finite_differences", title="matches finite differences of your forward",
           points=1, tol="finite_difference", kind="gradient", uses=(f"layers.{name}_forward",),
           doc=f"dx agrees with central differences of your own {name}_forward (away from kinks)")
    def backward_differences(ctx):
        ctx.falsify(elementwise_cases(nonzero()),
                    lambda case: elementwise_vs_differences(ctx, name, case["x"], case["dout"]))

    if name == "relu":
        return

    @check(f"layers.{name}_forward", "saturation", title="saturating inputs |x| ≤ 50", points=0.5, kind="edge",
           doc=f"{edge_doc}: finite, no overflow, agrees with the oracle")
    def forward_saturated(ctx):
        ctx.falsify(elementwise_cases(SATURATED),
                    lambda case: forward_vs_oracle(ctx, f"{name}_forward", (case["x"],), {"x": case["x"]}),
                    examples=[{"x": np.array([-50.0, -30.0, 30.0, 50.0]), "dout": np.ones(4)}])

    @check(f"layers.{name}_backward", "saturation", title="saturating inputs |x| ≤ 50", points=0.5, kind="edge",
           uses=(f"layers.{name}_forward",), doc=f"{edge_doc}: the gradient vanishes, finite and without NaN")
    def backward_saturated(ctx):
        ctx.falsify(elementwise_cases(SATURATED), lambda case: backward_vs_oracle(
            ctx, f"{name}_forward", f"{name}_backward", (case["x"],), case["dout"], ("dx",), {"x": case["x"]}),
            examples=[{"x": np.array([-50.0, -30.0, 30.0, 50.0]), "dout": np.ones(4)}])


_activation_checks("relu", "max(x, 0)", "1[x > 0]", "")
_activation_checks("sigmoid", "σ(x) = 1/(1 + e^(−x))", "σ(x)(1 − σ(x))", "σ at |x| up to 50")
_activation_checks("tanh", "tanh x", "(1 − tanh²x)", "tanh at |x| up to 50")


@check("layers.relu_backward", "zero_at_kink", title="ReLU'(0) = 0 at exact zeros", points=1, kind="edge",
       uses=("layers.relu_forward",), doc="where x = 0 exactly, dx = 0: the spec's subgradient of ReLU at its kink")
def relu_backward_at_zero(ctx):
    zeros_and_more = arrays(shapes(1, 2, 1, 5), elements=st.sampled_from([0.0, 0.0, -1.5, 2.0]))
    ctx.falsify(st.fixed_dictionaries({"x": zeros_and_more, "dout": floats(0.5, 2.0)}), lambda case: backward_vs_oracle(
        ctx, "relu_forward", "relu_backward", (case["x"],), np.full(case["x"].shape, case["dout"]), ("dx",),
        {"x": case["x"]}), examples=[{"x": np.array([0.0, -1.0, 0.0, 2.0]), "dout": 1.0}])


# --- dropout ----------------------------------------------------------------------------------


def _dropout_param(draw, p=None, mode="train"):
    param = {"p": draw(floats(0.05, 0.95)) if p is None else p, "seed": draw(seeds())}
    if mode != "train" or draw(st.booleans()):  # mode 'train' is the default
        param["mode"] = mode
    return param


@st.composite
def dropout_cases(draw, p=None, mode="train"):
    shape = draw(shapes(1, 3, 1, 6))
    return {"x": draw(arrays(shape, elements=nonzero(0.5, 5.0))), "dropout_param": _dropout_param(draw, p, mode),
            "dout": draw(arrays(shape, -1.0, 1.0))}


DROPOUT_TEXTBOOK = {"x": np.linspace(0.5, 3.0, 24).reshape(4, 6), "dropout_param": {"p": 0.3, "seed": 7},
                    "dout": np.linspace(-1.0, 1.0, 24).reshape(4, 6)}


ONLY_2D = "layers.dropout_forward:only_2d"


def dropout_forward(ctx, x, param):
    """Your (out, cache) of dropout_forward(x, param); an exception whose cause is known says it."""
    try:
        return forward(ctx, "dropout_forward", x, dict(param))
    except SandboxError as error:
        if error.kind is not ErrorKind.EXCEPTION:
            raise
        inputs = {"x": x, "dropout_param": param}
        if "mode" not in param and "'mode'" in str(error):
            ctx.fail(f"dropout_param has no 'mode' here: the spec's default is {SPEC_MODE!r} "
                     f"(dropout_param.get('mode', {SPEC_MODE!r})); {error}", inputs=inputs)
        if x.ndim != 2:
            try:
                forward(ctx, "dropout_forward", x.reshape(x.shape[0] if x.ndim else 1, -1), dict(param))
            except SandboxError:
                raise error from None
            ctx.fail(f"your dropout_forward raised on x of shape {x.shape} and works on 2-D x: {error}",
                     inputs=inputs, mistake=ONLY_2D)
        raise


def dropout_out(ctx, case):
    out, cache = dropout_forward(ctx, case["x"], case["dropout_param"])
    ctx.require_shape("layers.dropout_forward", out, case["x"].shape,
                      inputs={k: case[k] for k in ("x", "dropout_param")})
    return np.asarray(out, dtype=float), cache


@check("layers.dropout_forward", "p_zero", title="p = 0 is the identity", points=0.5, kind="edge",
       doc="in training with p = 0 nothing is dropped and nothing is scaled: out = x")
def dropout_p_zero(ctx):
    def body(case):
        out, _ = dropout_forward(ctx, case["x"], case["dropout_param"])
        ctx.expect(out, case["x"], inputs={k: case[k] for k in ("x", "dropout_param")}, label="out")
    ctx.falsify(dropout_cases(p=0.0), body, examples=[dict(DROPOUT_TEXTBOOK, dropout_param={"p": 0.0, "seed": 7})])


@check("layers.dropout_forward", "test_mode", title="test mode is the identity", points=0.5, kind="edge",
       doc="mode 'test' returns x unchanged: inverted dropout scales during training only")
def dropout_test_mode(ctx):
    def body(case):
        x, param = case["x"], case["dropout_param"]
        out, _ = dropout_forward(ctx, x, param)
        ctx.expect(out, lambda **m: oracle.dropout_forward(x, dict(param), **m)[0],
                   inputs={"x": x, "dropout_param": param}, label="out")
    ctx.falsify(dropout_cases(mode="test"), body,
                examples=[dict(DROPOUT_TEXTBOOK, dropout_param={"p": 0.3, "mode": "test"})])


@check("layers.dropout_forward", "same_seed", title="same seed, same output", points=0.5, tol="exact",
       kind="metamorphic", doc="two calls with the same seed return the same output (randomness only through the seed)")
def dropout_same_seed(ctx):
    def body(case):
        first, _ = dropout_out(ctx, case)
        second, _ = dropout_out(ctx, case)
        ctx.expect(second, first, inputs={k: case[k] for k in ("x", "dropout_param")}, label="out of the second call")
    ctx.falsify(dropout_cases(), body, examples=[DROPOUT_TEXTBOOK])


@check("layers.dropout_forward", "values", title="outputs are 0 or x/(1−p)", points=1, kind="metamorphic",
       doc="inverted dropout: every unit is either dropped (0) or kept and scaled to x/(1−p)")
def dropout_values(ctx):
    def body(case):
        x, p = case["x"], case["dropout_param"]["p"]
        out, _ = dropout_out(ctx, case)
        kept = out != 0
        found = difference(out[kept], x[kept] / (1 - p), ctx.tol, "kept units")
        if found is None:
            return
        if difference(out[kept], x[kept], ctx.tol) is None:
            mistake = "layers.dropout_forward:not_inverted"
        elif difference(out[kept], x[kept] / p, ctx.tol) is None:
            mistake = "layers.dropout_forward:p_is_keep"
        else:
            mistake = None
        ctx.fail(f"a nonzero output must be x/({ctx.conventions.kept(ctx.function)}) = x/{1 - p:.6g}; {found}",
                 inputs={"x": x, "dropout_param": case["dropout_param"], "your out": out}, mistake=mistake)
    ctx.falsify(dropout_cases(), body, examples=[DROPOUT_TEXTBOOK])


# The statistical checks run fixed cases: x of STAT_SHAPE from a fixed generator, each p of STAT_P
# with seed 1000·(grading seed) + its index. Each test has false-alarm rate FALSE_ALARM_RATE.
STAT_SHAPE = (200, 100)
STAT_P = (0.1, 0.5, 0.8)
STAT_X = "x ~ uniform(0.5, 1.5) of shape (200, 100)"


def dropout_samples(ctx):
    """(x, dropout_param, your out) for each p of STAT_P."""
    x = np.random.default_rng(STATISTICS_SEED).uniform(0.5, 1.5, STAT_SHAPE)
    for index, p in enumerate(STAT_P):
        ctx.examples_run += 1
        case = {"x": x, "dropout_param": {"p": p, "mode": "train", "seed": 1000 * ctx.seed + index}}
        yield x, case["dropout_param"], dropout_out(ctx, case)[0]


@check("layers.dropout_forward", "kept_fraction", title="kept fraction is 1 − p", points=1, tol="statistic",
       kind="statistical", examples=0, role="values",
       doc=f"the number of kept units passes a binomial test against 1 − p (α = {FALSE_ALARM_RATE:g}, fixed seeds)")
def dropout_kept_fraction(ctx):
    for _, param, out in dropout_samples(ctx):
        p, kept, n = param["p"], int(np.count_nonzero(out)), out.size
        pvalue = stats.binomtest(kept, n, 1 - p).pvalue
        if pvalue < FALSE_ALARM_RATE:
            keeps_p = stats.binomtest(kept, n, p).pvalue >= FALSE_ALARM_RATE
            ctx.fail(f"with p = {ctx.conventions.p(ctx.function, p):g} your dropout kept {kept} of {n} units "
                     f"(fraction {kept / n:.4f}); each unit must be kept with probability "
                     f"{ctx.conventions.kept(ctx.function)} = {1 - p:g} (binomial test p-value {pvalue:.2g} "
                     f"< α = {FALSE_ALARM_RATE:g})", inputs={"x": STAT_X, "dropout_param": param},
                     mistake="layers.dropout_forward:p_is_keep" if keeps_p else None)


def _z(out, x, keep_prob, scale):
    """z statistic of mean(out) when out_i = x_i·K_i·scale with K_i ~ Bernoulli(keep_prob) independent."""
    mean = keep_prob * scale * x.mean()
    std = scale * np.sqrt(keep_prob * (1 - keep_prob) * np.sum(x**2)) / x.size
    return (out.mean() - mean) / std


@check("layers.dropout_forward", "mean", title="preserves the mean", points=1, tol="statistic", kind="statistical",
       examples=0,
       doc=f"E[out] = x: the mean of out passes a z-test against the mean of x (α = {FALSE_ALARM_RATE:g}, fixed seeds)")
def dropout_mean(ctx):
    critical = stats.norm.isf(FALSE_ALARM_RATE / 2)
    for x, param, out in dropout_samples(ctx):
        p = param["p"]
        z = _z(out, x, 1 - p, 1 / (1 - p))
        if abs(z) <= critical:
            continue
        if abs(_z(out, x, 1 - p, 1.0)) <= critical:
            mistake = "layers.dropout_forward:not_inverted"
        elif abs(_z(out, x, p, 1 / p)) <= critical:
            mistake = "layers.dropout_forward:p_is_keep"
        else:
            mistake = None
        keep = ctx.conventions.kept(ctx.function)
        ctx.fail(f"with p = {ctx.conventions.p(ctx.function, p):g} the mean of your out is {out.mean():.6g} and the "
                 f"mean of x is {x.mean():.6g}: z = {z:.3g} under inverted dropout (each x_i kept with probability "
                 f"{keep} and scaled by 1/({keep}), so E[out] = x), |z| > {critical:.3g} at α = {FALSE_ALARM_RATE:g}",
                 inputs={"x": STAT_X, "dropout_param": param}, mistake=mistake)


def _pairs_agreeing(kept, axis):
    """(agreements, comparisons) of the mask between disjoint pairs of rows (axis 0) or columns (axis 1)."""
    kept = np.moveaxis(kept, axis, 0)
    first, second = kept[0:kept.shape[0] - 1:2], kept[1::2]
    return int(np.sum(first == second)), first.size


@check("layers.dropout_forward", "independence", title="units are dropped independently", points=0.5, tol="statistic",
       kind="statistical", examples=0,
       doc=f"two rows (or two columns) keep the same units no more often than chance: a binomial test of the "
           f"agreements between disjoint pairs against q² + (1 − q)², q = 1 − p (α = {FALSE_ALARM_RATE:g}, "
           f"fixed seeds)")
def dropout_independent(ctx):
    for _, param, out in dropout_samples(ctx):
        q, kept = 1 - param["p"], out != 0
        for axis, what in ((0, "rows"), (1, "columns")):
            agree, n = _pairs_agreeing(kept, axis)
            pvalue = stats.binomtest(agree, n, q * q + (1 - q) ** 2).pvalue
            if pvalue < FALSE_ALARM_RATE:
                shared = axis == 0 and bool(np.all(kept == kept[0]))
                ctx.fail(f"with p = {ctx.conventions.p(ctx.function, param['p']):g}, disjoint pairs of {what} of "
                         f"your mask agree on {agree} of {n} "
                         f"units; independent units agree with probability q² + (1 − q)² = {q * q + (1 - q) ** 2:.4g} "
                         f"(binomial test p-value {pvalue:.2g} < α = {FALSE_ALARM_RATE:g})",
                         inputs={"x": STAT_X, "dropout_param": param},
                         mistake="layers.dropout_forward:mask_per_column" if shared else None)


@check("layers.dropout_backward", "mask", title="dx = dout·mask/(1−p) with the forward's mask", points=1,
       kind="gradient", uses=("layers.dropout_forward",), role="values",
       doc="the backward reuses the forward's mask and scale: dx = dout·out/x (judged where your forward's out "
           "is 0 or x/(1−p), as inverted dropout's is)")
def dropout_backward_mask(ctx):
    judged = []  # cases on which your forward kept a unit: a backward of an all-zero out says nothing

    def body(case):
        x, dout, p = case["x"], case["dout"], case["dropout_param"]["p"]
        out, cache = dropout_out(ctx, case)
        kept = out != 0
        if difference(out[kept], x[kept] / (1 - p), ctx.tol, "kept units") is not None:
            ctx.fail("this check judges dx by your dropout_forward's mask, and your forward's out is not 0 or "
                     f"x/({ctx.conventions.kept(ctx.function)}) = x/{1 - p:.6g} here (its own checks say more)",
                     inputs={"x": x, "dropout_param": case["dropout_param"], "your out": out})
        judged.append(bool(kept.any()))
        dx = backward(ctx, "dropout_backward", dout, cache, ("dx",))["dx"]
        found = difference(dx, dout * out / x, ctx.tol, "dx")
        if found is None:
            return
        named = {"unscaled": dout * (out != 0), "mask_not_applied": dout / (1 - p)}
        fits = [name for name, form in named.items() if difference(dx, form, ctx.tol) is None]
        ctx.fail(f"dx must be dout·out/x (your forward's mask and its 1/({ctx.conventions.kept(ctx.function)})); "
                 f"{found}",
                 inputs={"x": x, "dropout_param": case["dropout_param"], "dout": dout, "your out": out},
                 mistake=f"layers.dropout_backward:{fits[0]}" if len(fits) == 1 else None)
    ctx.falsify(dropout_cases(), body, examples=[DROPOUT_TEXTBOOK])
    if not any(judged):
        ctx.fail(f"your dropout_forward kept no unit in any of the {len(judged)} cases (p < 1), so its mask could "
                 f"not judge dx")


@check("layers.dropout_backward", "test_mode", title="test mode: dx = dout", points=0.5, kind="edge",
       uses=("layers.dropout_forward",),
       doc="after a forward in mode 'test' (the identity) the backward passes dout through")
def dropout_backward_test_mode(ctx):
    def body(case):
        _, cache = dropout_forward(ctx, case["x"], case["dropout_param"])
        dx = backward(ctx, "dropout_backward", case["dout"], cache, ("dx",))["dx"]
        ctx.expect(dx, case["dout"], inputs=case, label="dx")
    ctx.falsify(dropout_cases(mode="test"), body,
                examples=[dict(DROPOUT_TEXTBOOK, dropout_param={"p": 0.3, "mode": "test"})])


# --- convolution ------------------------------------------------------------------------------


@check("layers.conv_forward_naive", "oracle", title="agrees with the oracle", points=3,
       doc="cross-correlation with zero padding and stride, on drawn shapes, strides and pads")
def conv_forward_oracle(ctx):
    ctx.falsify(conv_cases(), lambda case: forward_vs_oracle(
        ctx, "conv_forward_naive", conv_args(case), conv_inputs(case)), examples=[CONV_TEXTBOOK])


@check("layers.conv_forward_naive", "output_shape", title="output shape", points=1, tol="exact", kind="edge",
       doc="out has shape (N, F, 1 + ⌊(H + 2·pad − HH)/stride⌋, 1 + ⌊(W + 2·pad − WW)/stride⌋), "
           "strides that do not divide evenly included")
def conv_output_shape(ctx):
    def body(case):
        out, _ = forward(ctx, "conv_forward_naive", *conv_args(case))
        want = case["dout"].shape
        if np.shape(out) != want:
            rounded = oracle.conv_forward_naive(*conv_args(case), rounding="round")[0].shape
            ctx.fail(f"out should have shape {want} = (N, F, 1 + ⌊(H + 2·pad − HH)/stride⌋, "
                     f"1 + ⌊(W + 2·pad − WW)/stride⌋); yours has shape {np.shape(out)}",
                     inputs=dict(conv_inputs(case), x_shape=case["x"].shape, w_shape=case["w"].shape),
                     mistake="layers.conv_forward_naive:round_output_size" if np.shape(out) == rounded else None)
    uneven = {"x": np.ones((1, 1, 6, 7)), "w": np.ones((2, 1, 3, 2)), "b": np.zeros(2),
              "conv_param": {"stride": 2, "pad": 1}, "dout": np.zeros((1, 2, 3, 4))}
    ctx.falsify(conv_cases(), body, examples=[uneven])


@check("layers.conv_backward_naive", "oracle", title="agrees with the oracle", points=2,
       uses=("layers.conv_forward_naive",), doc="dx, dw, db from your forward's cache agree with the oracle's")
def conv_backward_oracle(ctx):
    ctx.falsify(conv_cases(), lambda case: backward_vs_oracle(
        ctx, "conv_forward_naive", "conv_backward_naive", conv_args(case), case["dout"], ("dx", "dw", "db"),
        conv_inputs(case)), examples=[CONV_TEXTBOOK])


@check("layers.conv_backward_naive", "finite_differences", title="matches finite differences of your forward", points=2,
       tol="finite_difference", kind="gradient", uses=("layers.conv_forward_naive",),
       examples=0.5, doc="dx, dw, db agree with central differences of your own conv_forward_naive")
def conv_backward_differences(ctx):
    ctx.falsify(conv_cases(max_batch=1, max_channels=2, max_side=4, max_kernel=3), lambda case: backward_vs_differences(
        ctx, "conv_forward_naive", "conv_backward_naive", conv_args(case), case["dout"], ("dx", "dw", "db"),
        conv_inputs(case)), examples=[CONV_TEXTBOOK])


@check("layers.conv1d_full", "oracle", title="agrees with the oracle for lengths 1…8", points=1,
       doc="z_i = Σ_j w_j x_{i−j+1}, length d + k − 1: np.convolve(x, w, 'full')")
def conv1d_oracle(ctx):
    def body(case):
        z = ctx.call("layers.conv1d_full", case["x"], case["w"])
        ctx.expect(z, lambda **m: oracle.conv1d_full(case["x"], case["w"], **m), inputs=case, label="z")
    cases = st.fixed_dictionaries({"x": arrays(st.integers(1, 8).map(lambda d: (d,))),
                                   "w": arrays(st.integers(1, 8).map(lambda k: (k,)))})
    ctx.falsify(cases, body, examples=[{"x": np.array([1.0, 2.0, 3.0]), "w": np.array([0.0, 1.0, 0.5])}])


@check("layers.conv1d_full", "commutes", title="commutes: x * w = w * x", points=1, kind="metamorphic",
       doc="a convolution is symmetric in its arguments (a correlation is not)")
def conv1d_commutes(ctx):
    def body(case):
        ctx.expect(ctx.call("layers.conv1d_full", case["x"], case["w"]),
                   ctx.call("layers.conv1d_full", case["w"], case["x"]), inputs=case, label="conv1d_full(x, w)")
    cases = st.fixed_dictionaries({"x": arrays(st.integers(1, 8).map(lambda d: (d,))),
                                   "w": arrays(st.integers(1, 8).map(lambda k: (k,)))})
    ctx.falsify(cases, body, examples=[{"x": np.array([1.0, 2.0, 3.0]), "w": np.array([0.0, 1.0, 0.5])}])


# --- pooling ----------------------------------------------------------------------------------


def _pool_checks(kind, formula):
    fwd, bwd = f"{kind}_pool_forward_naive", f"{kind}_pool_backward_naive"

    @check(f"layers.{fwd}", "oracle", title="agrees with the oracle", points=1,
           doc=f"{formula} over pool_height × pool_width windows at the stride, overlapping windows included")
    def forward_oracle(ctx):
        ctx.falsify(pool_cases(), lambda case: forward_vs_oracle(
            ctx, fwd, (case["x"], case["pool_param"]), pool_inputs(case)), examples=[POOL_TEXTBOOK])

    @check(f"layers.{bwd}", "oracle", title="agrees with the oracle", points=1, uses=(f"layers.{fwd}",),
           doc="dx from your forward's cache agrees with the oracle's")
    def backward_oracle(ctx):
        ctx.falsify(pool_cases(), lambda case: backward_vs_oracle(
            ctx, fwd, bwd, (case["x"], case["pool_param"]), case["dout"], ("dx",), pool_inputs(case)),
            examples=[POOL_DISTINCT, POOL_OVERLAP])

    @check(f"layers.{bwd}", "finite_differences", title="matches finite differences of your forward", points=1,
           tol="finite_difference", kind="gradient", uses=(f"layers.{fwd}",),
           examples=0.5, doc=f"dx agrees with central differences of your own {fwd} (distinct values, no ties)")
    def backward_differences(ctx):
        ctx.falsify(pool_cases(elements=grid(), unique=True, max_side=5), lambda case: backward_vs_differences(
            ctx, fwd, bwd, (case["x"], case["pool_param"]), case["dout"], ("dx",), pool_inputs(case)),
            examples=[POOL_DISTINCT, POOL_OVERLAP])


_pool_checks("max", "the maximum")
_pool_checks("avg", "the mean")


def tied_windows(case):
    """For each pooling window of the case, whether its maximum is attained more than once."""
    windows = conv.pool_windows(case["x"], *oracle._pool_shape(case["pool_param"]))
    return np.sum(windows == windows.max(axis=-1, keepdims=True), axis=-1) > 1


def covered_by_ties(case):
    """For each entry of x, whether a window with a tied maximum covers it."""
    ties = tied_windows(case).astype(float)
    return conv.avg_pool_backward(ties, case["x"], *oracle._pool_shape(case["pool_param"]), divide=False) > 0


@check("layers.max_pool_backward_naive", "ties", title="ties go to the first maximum", points=1, kind="edge",
       uses=("layers.max_pool_forward_naive",),
       doc="in a window with repeated maxima only the first in row-major order gets the gradient (every input has "
           "such a window; a failure says whether the wrong entry is in one)")
def max_pool_ties(ctx):
    def body(case):
        try:
            backward_vs_oracle(ctx, "max_pool_forward_naive", "max_pool_backward_naive",
                               (case["x"], case["pool_param"]), case["dout"], ("dx",), pool_inputs(case))
        except Mismatch as failure:
            got, want = np.asarray(failure.got["dx"], dtype=float), failure.expected["dx"]
            if got.shape == want.shape:
                wrong = np.unravel_index(np.argmax(~np.isclose(got, want)), want.shape)
                where = "a window with a tied maximum covers" if covered_by_ties(case)[wrong] else \
                    "no window with a tied maximum covers (dx is wrong without ties too)"
                failure.summary = f"at dx{list(map(int, wrong))}, an entry {where}: {failure.summary}"
            raise
    cases = pool_cases(elements=st.sampled_from([-1.0, 0.0, 1.0])).filter(lambda case: tied_windows(case).any())
    ctx.falsify(cases, body, examples=[POOL_TEXTBOOK])



# --- where libraries depart: float64 (issue 10) ----------------------------------------------------
# Float64 inputs must give float64 out computed in float64. Row 0 of out is made to cancel (b = 0.5 −
# x̃₀·w): terms up to 40 sum to 0.5, so float32 arithmetic errs by ~ε₃₂·40 ≈ 2e-6 ≫ the float64 tolerance.

from ..engine.dtypes import require_float64_arithmetic  # noqa: E402
from ..policy.tolerances import tolerance  # noqa: E402


@st.composite
def cancelling_affine_cases(draw):
    case = draw(affine_cases())
    x = np.abs(case["x"]) + 1.0
    w = case["w"] / 10.0
    return {"x": x, "w": w, "b": 0.5 - x.reshape(x.shape[0], -1)[0] @ w}


@check("layers.affine_forward", "float64", title="float64 in, float64 out", points=0.25, kind="edge", examples=0.25,
       doc="float64 inputs give float64 out computed in float64 (row 0 cancels to 0.5 from terms up to 40, where "
           "float32 arithmetic errs by ~2e-6)")
def affine_float64(ctx):
    def body(case):
        out, _ = forward(ctx, "affine_forward", case["x"], case["w"], case["b"])
        require_float64_arithmetic(ctx, out, lambda v: oracle.affine_forward(v["x"], v["w"], v["b"])[0], inputs=case,
                                   tol64=tolerance("float64"), tol32=tolerance("float64", "float32"), label="out")
    x, w = np.array([[7.3, 9.7, 8.1, 6.9]]), np.array([[0.91, -0.37], [0.73, -0.89], [-0.67, 0.59], [-0.83, 0.71]])
    ctx.falsify(cancelling_affine_cases(), body, examples=[{"x": x, "w": w, "b": 0.5 - x[0] @ w}])
