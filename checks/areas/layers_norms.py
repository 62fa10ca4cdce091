"""Checks of the normalization layers: batch, layer, spatial batch, instance and group norm.

Every forward is compared with the oracle (out, and for the batch norms the running statistics
stored into bn_param), with the defaults that apply when keys are absent from its param dict,
and with the invariance every normalization has: shifting and positively scaling the entries of
one normalized group leaves the output unchanged. Every backward is compared with the oracle's
gradients on the same input and with central differences of the submission's own forward.
Group norm is tied to layer norm (G = 1) and instance norm (G = C): the submission's group norm
against the oracle's partner, so a wrong or missing layer norm never costs group norm points.
Gamma of shape (1, C, 1, 1) for instance and group norm is optional in the spec: reported, not scored.
"""
import copy
import dataclasses
from dataclasses import dataclass

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from dlgrade.reference import layers_norms as oracle
from dlgrade.reference.gradient_check import eval_numerical_gradient_array

from ..engine.context import CheckFailure, Mismatch
from ..engine.differences import expect_gradient
from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.spec import ModeParam, declare_call
from ..engine.strategies import arrays, floats

# --- how the spec's normalizations take what a course may convey differently (engine.conventions translates) ---

for _forward in ("layers.batchnorm_forward", "layers.spatial_batchnorm_forward"):
    declare_call(_forward, mode_param=ModeParam(3, "train"))  # the spec's mode of a bn_param that has none
for _forward in ("layers.instancenorm_forward", "layers.groupnorm_forward"):
    declare_call(_forward, per_channel=True)  # gamma and beta: one entry per channel

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

ONE_PASS = ("computes the variance in one pass, mean(x²) − μ² (Keras' moments), which cancels when the mean is large "
            "beside the spread; compute mean((x − μ)²)")
MISSING_TERMS = (
    ("missing_mean_term", "leaves out the mean's term of dx, −Σdx̂/M (dx = (M·dx̂ − x̂·Σ(dx̂·x̂))/(M·σ)); the spec's "
                          "dx = (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))/(M·σ)", {"drop_term": "mean"}),
    ("missing_variance_term", "leaves out the variance's term of dx, −x̂·Σ(dx̂·x̂)/M; the spec's "
                              "dx = (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))/(M·σ)", {"drop_term": "variance"}))

MISTAKES = [
    *rows("layers.batchnorm_forward",
          ("unbiased_variance", "normalizes with the unbiased variance (N−1); batch norm uses the "
                                "biased variance (divide by N)", {"ddof": 1}),
          ("test_eps_outside_sqrt", "divides by √running_var + ε in test mode; the spec divides by "
                                    "√(running_var + ε)", {"test_eps_outside_sqrt": True}),
          ("eps_outside_sqrt", "divides by σ + ε; the spec divides by √(σ² + ε)", {"eps_outside_sqrt": True}),
          ("running_momentum_swapped", "swaps the running-average weights: running ← (1−momentum)·running "
                                      "+ momentum·batch", {"running_momentum_swapped": True}),
          ("running_var_unbiased", "updates running_var with the unbiased (N−1) variance (torch's "
                                   "convention); the spec uses the biased one", {"running_var_unbiased": True}),
          ("test_uses_batch_stats", "normalizes with the batch's own statistics in test mode; test mode "
                                    "uses running_mean and running_var", {"test_uses_batch_stats": True}),
          ("test_without_affine", "returns x̂ in test mode without γ and β; test mode also scales and shifts: "
                                  "out = γx̂ + β", {"test_without_affine": True}),
          ("one_pass_variance", ONE_PASS, {"one_pass_variance": True}),
          ("running_var_starts_at_1", "creates running_var as ones when bn_param has none (numpy-ml's, Keras', "
                                      "torch's and tinygrad's start); the spec creates it as zeros",
           {"running_var_start": 1.0})),
    *rows("layers.batchnorm_backward",
          ("stats_as_constants", "treats the batch mean and variance as constants (dx = dout·γ/√(σ²+ε)); "
                                 "they depend on x too", {"through_stats": False}),
          *MISSING_TERMS),
    *rows("layers.layernorm_forward",
          ("unbiased_variance", "normalizes with the unbiased variance (D−1); use the biased one",
           {"ddof": 1}),
          ("one_pass_variance", ONE_PASS, {"one_pass_variance": True}),
          ("over_batch", "takes the statistics per column over the batch (batch norm's axis 0); layer norm takes "
                         "them per row over the D features", {"over_batch": True})),
    *rows("layers.layernorm_backward",
          ("stats_as_constants", "treats the row mean and variance as constants; they depend on x too",
           {"through_stats": False}),
          *MISSING_TERMS),
    *rows("layers.spatial_batchnorm_forward",
          ("naive_reshape", "reshapes (N, C, H, W) to (−1, C) without moving the channel axis last: "
                            "transpose to (N, H, W, C) first", {"naive_reshape": True}),
          ("over_batch_only", "takes the statistics per (c, h, w) over N alone; spatial batch norm takes them "
                              "per channel over N, H and W", {"over_batch_only": True}),
          ("running_var_unbiased", "updates running_var with the unbiased (N·H·W − 1) variance (torch's "
                                   "convention); the spec uses the biased one", {"running_var_unbiased": True}),
          ("running_var_starts_at_1", "creates running_var as ones when bn_param has none (torch's and Keras' "
                                      "start); the spec creates it as zeros", {"running_var_start": 1.0})),
    *rows("layers.instancenorm_forward",
          ("unbiased_variance", "normalizes with the unbiased variance; use the biased one", {"ddof": 1})),
    *rows("layers.groupnorm_forward",
          ("interleaved_groups", "puts channel c in group c mod G; groups are C/G contiguous channels",
           {"interleaved_groups": True}),
          ("per_pixel", "normalizes over the group's C/G channels at each pixel; the statistics are over the "
                        "group's channels and every pixel, (C/G, H, W)", {"per_pixel": True})),
]

GRADS = ("dx", "dgamma", "dbeta")
RUNNING = ("running_mean", "running_var")
# The invariance checks set ε = 1e-12 through the param dict and keep every group's variance ≥ 1e-2
# (scaled by at least 0.1): ε/σ² ≤ 1e-8, so ε breaks the scale invariance by far less than rtol.
TINY_EPS = 1e-12
MIN_GROUP_VAR = 1e-2
# Spread of x: at 1e-3 the variance is of the order of ε, where ε's placement and default show.
SCALES = st.sampled_from([1.0, 1e-3])
SMALL = st.just(1e-3)
OFFSETS = st.just(0.0) | floats(-100.0, 100.0)
# |γ| ≥ 0.1: at γ = 0, out = β would hide how x was normalized (and which mistake was made).
GAMMA_SIGNS = st.sampled_from([1.0, -1.0])


@dataclass(frozen=True)
class Norm:
    name: str       # the spec functions are layers.<name>_forward and layers.<name>_backward
    param: str      # the param dict's argument name
    image: bool     # x is (N, C, H, W); else (N, D)
    running: bool   # batch norm: mode, momentum and running statistics in the param dict
    group: str      # what one statistic is taken over, for the docs
    backward_suffix: str = "_backward"  # "_backward_alt": the course's second, simplified backward of batch norm

    @property
    def forward(self):
        return f"layers.{self.name}_forward"

    @property
    def backward(self):
        return f"layers.{self.name}{self.backward_suffix}"


NORMS = {n.name: n for n in (
    Norm("batchnorm", "bn_param", False, True, "each feature over the batch"),
    Norm("layernorm", "ln_param", False, False, "each row"),
    Norm("spatial_batchnorm", "bn_param", True, True, "each channel over N, H, W"),
    Norm("instancenorm", "in_param", True, False, "each sample and channel over H, W"),
    Norm("groupnorm", "gn_param", True, False, "each sample and group of C/G channels"),
)}


def group_labels(norm, shape, groups=None):
    """For every entry of x, the index of the group its statistics are taken over."""
    if norm.name == "batchnorm":
        return np.broadcast_to(np.arange(shape[1]), shape)
    if norm.name == "layernorm":
        return np.broadcast_to(np.arange(shape[0])[:, None], shape)
    n, c = np.arange(shape[0])[:, None], np.arange(shape[1])[None, :]
    labels = {"spatial_batchnorm": 0 * n + c, "instancenorm": n * shape[1] + c,
              "groupnorm": n * (groups or 1) + c // (shape[1] // (groups or 1))}[norm.name]
    return np.broadcast_to(labels[:, :, None, None], shape)


def min_group_variance(norm, case):
    labels = group_labels(norm, case["x"].shape, case.get("G"))
    return min(case["x"][labels == g].var() for g in range(labels.max() + 1))


# --- inputs -------------------------------------------------------------------------------------


@st.composite
def _shape_and_groups(draw, norm):
    """Small shapes with at least two entries in every normalized group; G divides C."""
    if not norm.image:
        rows = draw(st.integers(2, 5) if norm.running else st.integers(1, 4))
        return (rows, draw(st.integers(1, 4) if norm.running else st.integers(2, 5))), None
    groups, per_group = (draw(st.integers(1, 3)), draw(st.integers(1, 2))) if norm.name == "groupnorm" \
        else (None, draw(st.integers(1, 3)))
    channels = (groups or 1) * per_group
    return (draw(st.integers(1, 2)), channels, draw(st.integers(1, 3)), draw(st.integers(2, 3))), groups


@st.composite
def cases(draw, norm, *, modes=("train",), optional=(), required=(), scales=SCALES, min_var=0.0, dout=False):
    """x, γ, β, G (group norm), the param dict (under its argument name) and, with dout=True, a
    random dout. The param dict holds a mode drawn from `modes`, the `required` keys and, each only
    sometimes, the `optional` ones (eps, momentum, running: the running statistics)."""
    shape, groups = draw(_shape_and_groups(norm))
    channels = shape[1]
    scale, offset = draw(scales), draw(OFFSETS)
    param = {"mode": draw(st.sampled_from(modes))} if modes else {}
    for key in required + tuple(k for k in optional if draw(st.booleans())):
        if key == "eps":
            param["eps"] = draw(st.sampled_from([1e-8, 1e-5, 1e-3]))
        elif key == "momentum":
            param["momentum"] = draw(floats(0.0, 0.99))
        else:
            param["running_mean"] = draw(arrays((channels,))) * scale + offset
            param["running_var"] = draw(arrays((channels,), 0.0, 10.0)) * scale ** 2
    case = {"x": draw(arrays(shape)) * scale + offset,
            "gamma": draw(arrays((channels,), 0.1, 3.0)) * draw(GAMMA_SIGNS),
            "beta": draw(arrays((channels,), -3.0, 3.0)), norm.param: param}
    if groups:
        case["G"] = groups
    if dout:
        case["dout"] = draw(arrays(shape, -1.0, 1.0))
    assume(not min_var or min_group_variance(norm, case) >= min_var)
    return case


def textbook(norm):
    """A hand-sized case: distinct values, γ and β not 1 and 0, two groups of two channels."""
    shape = (4, 3) if not norm.image else (2, 4, 2, 2)
    x = np.sin(np.arange(1.0, 1.0 + np.prod(shape)) * 1.7).reshape(shape) * 3.0 + 1.0
    channels = shape[1]
    gamma, beta = np.linspace(0.5, 2.0, channels), np.linspace(-1.0, 1.0, channels)
    case = {"x": x, "gamma": gamma, "beta": beta, norm.param: {"mode": "train"} if norm.running else {},
            "dout": np.cos(np.arange(np.prod(shape))).reshape(shape)}
    return dict(case, G=2) if norm.name == "groupnorm" else case


def with_gamma_4d(case):
    """γ and β given as (1, C, 1, 1)."""
    return dict(case, gamma=case["gamma"].reshape(1, -1, 1, 1), beta=case["beta"].reshape(1, -1, 1, 1))


# --- calling the submission and the oracle ------------------------------------------------------


def _args(norm, case, **changed):
    """The forward's arguments (fresh copies); `changed` replaces x, gamma or beta."""
    values = {k: changed.get(k, case[k]) for k in ("x", "gamma", "beta")}
    args = [values["x"].copy(), values["gamma"].copy(), values["beta"].copy()]
    if norm.name == "groupnorm":
        args.append(case["G"])
    return args + [copy.deepcopy(case[norm.param])]


def inputs(norm, case, **extra):
    names = ["x", "gamma", "beta"] + (["G"] if norm.name == "groupnorm" else []) + [norm.param]
    return dict(zip(names, _args(norm, case)), **extra)


def student_forward(ctx, norm, case, **changed):
    """Your (out, cache handle, param dict after the call)."""
    (out, cache), after = ctx.call(norm.forward, *_args(norm, case, **changed), returns=2, keep=[1],
                                   return_args=True)
    return out, cache, after[-1]


def student_out(ctx, norm, case, **changed):
    out = student_forward(ctx, norm, case, **changed)[0]
    return ctx.require_shape(norm.forward, out, case["x"].shape, inputs=inputs(norm, case, **changed))


def forward_result(ctx, norm, case):
    """Your out and, for the batch norms, the param dict after the call."""
    out, _, param = student_forward(ctx, norm, case)
    return {"out": out, norm.param: param} if norm.running else {"out": out}


def oracle_forward_result(norm, case, **mistake):
    args = _args(norm, case)
    out, _ = getattr(oracle, f"{norm.name}_forward")(*args, **mistake)
    return {"out": out, norm.param: {k: args[-1][k] for k in RUNNING}} if norm.running else {"out": out}


def oracle_gradients(norm, case, **mistake):
    _, cache = getattr(oracle, f"{norm.name}_forward")(*_args(norm, case))
    return dict(zip(GRADS, getattr(oracle, norm.backward.partition(".")[2])(case["dout"].copy(), cache, **mistake)))


def student_gradients(ctx, norm, case):
    _, cache, _ = student_forward(ctx, norm, case)
    return dict(zip(GRADS, ctx.call(norm.backward, case["dout"].copy(), cache, returns=3)))


# --- bodies shared by the norms -----------------------------------------------------------------


def agrees_forward(ctx, norm, case):
    ctx.expect(forward_result(ctx, norm, case), lambda **m: oracle_forward_result(norm, case, **m),
               inputs=inputs(norm, case), label="")


def agrees_backward(ctx, norm, case):
    ctx.expect(student_gradients(ctx, norm, case), lambda **m: oracle_gradients(norm, case, **m),
               inputs=inputs(norm, case, dout=case["dout"]), label="")


def matches_finite_differences(ctx, norm, case):
    """dx, dγ, dβ of your backward against central differences of Σ out·dout of your forward."""
    got = student_gradients(ctx, norm, case)

    def numeric(h):
        return {f"d{name}": eval_numerical_gradient_array(
            lambda value, name=name: student_out(ctx, norm, case, **{name: value}), case[name].copy(), case["dout"],
            h=h)
            for name in ("x", "gamma", "beta")}
    expect_gradient(ctx, got, numeric, forward=student_out(ctx, norm, case),
                    inputs=inputs(norm, case, dout=case["dout"]), label="")


def agrees_with_the_defaults(ctx, norm, case):
    """agrees_forward on a param dict without eps (or momentum); a failure says whether the defaults are
    what differs: with them given explicitly, does the submission agree?"""
    try:
        agrees_forward(ctx, norm, case)
    except Mismatch as failure:
        defaults = {k: v for k, v in oracle.DEFAULTS.items() if norm.running or k == "eps"}
        given = dict(case, **{norm.param: dict(case[norm.param], **defaults)})
        mode = case[norm.param].get("mode")
        in_mode = f" in mode {mode!r}" if mode else ""
        try:
            agrees_forward(ctx, norm, given)
            failure.summary = f"with {' and '.join(defaults)} left out{in_mode}: {failure.summary}"
        except CheckFailure:
            failure.summary = (f"not the defaults: out differs{in_mode} even with "
                               f"{', '.join(f'{k} = {v:g}' for k, v in defaults.items())} given: {failure.summary}")
        raise failure


@st.composite
def moved(draw, norm, **options):
    """A case with ε tiny and, per normalized group, a shift and a positive scale."""
    case = draw(cases(norm, scales=st.just(1.0), min_var=MIN_GROUP_VAR, **options))
    count = int(group_labels(norm, case["x"].shape, case.get("G")).max()) + 1
    return dict(case, **{norm.param: dict(case[norm.param], eps=TINY_EPS)},
                shift=draw(arrays((count,), -100.0, 100.0)), scale=draw(arrays((count,), 0.1, 10.0)))


def invariant_to_shift_and_scale(ctx, norm, case):
    labels = group_labels(norm, case["x"].shape, case.get("G"))
    x_moved = case["scale"][labels] * case["x"] + case["shift"][labels]
    ctx.expect(student_out(ctx, norm, case, x=x_moved), student_out(ctx, norm, case),
               inputs=inputs(norm, case, x_moved=x_moved), label="out for x_moved (expected: out for x)")


def _moved_textbook(norm):
    case = textbook(norm)
    count = int(group_labels(norm, case["x"].shape, case.get("G")).max()) + 1
    return dict(case, **{norm.param: dict(case[norm.param], eps=TINY_EPS)},
                shift=np.linspace(-50.0, 30.0, count), scale=np.linspace(0.2, 7.0, count))


# --- registration -------------------------------------------------------------------------------


def _register_forward(norm):
    p = norm.param
    optional = ("eps",) + (("momentum", "running") if norm.running else ())
    modes = ("train",) if norm.running else (("train", "test") if norm.name == "layernorm" else ())

    @check(norm.forward, "oracle",
           title="train mode: out and running statistics" if norm.running else "agrees with the oracle", points=2,
           tol="normalization",
           doc=f"out normalizes {norm.group} with the biased variance"
               + (" and bn_param's running_mean/running_var are updated with the given momentum"
                  if norm.running else "") + f"; {p} keys sometimes given, sometimes left to their defaults")
    def agreement(ctx):
        ctx.falsify(cases(norm, modes=modes, optional=optional),
                    lambda case: agrees_forward(ctx, norm, case), examples=[textbook(norm)])

    @check(norm.forward, "defaults",
           title=f"{p} without eps" + (" or momentum: the defaults" if norm.running else ": the default"),
           points=0.5, tol="normalization", kind="edge",
           examples=0.5, doc=f"with the key{'s' if norm.running else ''} absent from {p}, eps = 1e-5"
               + (" and momentum = 0.9 apply" if norm.running else " applies")
               + " (on inputs whose variance is of the order of eps, where it shows)")
    def defaults(ctx):
        ctx.falsify(cases(norm, modes=("train", "test") if norm.running else (),
                          required=("running",) if norm.running else (), scales=SMALL),
                    lambda case: agrees_with_the_defaults(ctx, norm, case))

    @check(norm.forward, "invariance", title=f"invariant to shifting and scaling {norm.group}", points=1,
           tol="normalization", kind="metamorphic",
           examples=0.5, doc=f"x ↦ a·x + b with a > 0 and b constant over {norm.group} leaves out unchanged "
               f"(eps = 1e-12 in {p}, every group's variance ≥ 1e-2, so eps barely matters)")
    def invariance(ctx):
        ctx.falsify(moved(norm, modes=("train",) if norm.running else (),
                          optional=("momentum", "running") if norm.running else ()),
                    lambda case: invariant_to_shift_and_scale(ctx, norm, case), examples=[_moved_textbook(norm)])

    if norm.running:
        @check(norm.forward, "test_mode", title="test mode normalizes with the running statistics", points=1,
               tol="normalization",
               doc=f"mode 'test': x̂ = (x − running_mean)/√(running_var + eps); {p}'s running statistics "
                   "stay as they were")
        def test_mode(ctx):
            case = textbook(norm)
            example = dict(case, bn_param={"mode": "test", "running_mean": case["gamma"] - 1.0,
                                        "running_var": case["gamma"] ** 2})
            ctx.falsify(cases(norm, modes=("test",), optional=("eps", "momentum"), required=("running",)),
                        lambda case: agrees_forward(ctx, norm, case), examples=[example])

        @check(norm.forward, "running_zeros", title="running statistics created as zeros", points=0.5,
               tol="normalization", kind="edge", examples=0.5,
               doc=f"without running_mean/running_var in {p}, train mode creates them as zeros of shape (C,), "
                   f"updates them and stores them in {p}")
        def created_as_zeros(ctx):
            ctx.falsify(cases(norm, optional=("eps", "momentum")), lambda case: agrees_forward(ctx, norm, case))

    if norm.name in ("instancenorm", "groupnorm"):
        @check(norm.forward, "gamma_4d", title="gamma and beta of shape (1, C, 1, 1)", points=0.5, tol="normalization",
               kind="edge", examples=0.5, optional=True,
               doc="γ and β given as (1, C, 1, 1) instead of (C,) give the same out (optional in the spec: "
                   "reported, not scored)")
        def gamma_4d(ctx):
            ctx.falsify(cases(norm, modes=(), optional=("eps",)).map(with_gamma_4d),
                        lambda case: agrees_forward(ctx, norm, case), examples=[with_gamma_4d(textbook(norm))])


def _register_backward(norm):
    train = " (mode 'train')" if norm.running else ""
    modes = ("train",) if norm.running else ()
    optional = ("eps",) + (("momentum", "running") if norm.running else ())

    @check(norm.backward, "oracle", title="agrees with the oracle", points=2, tol="normalization", uses=(norm.forward,),
           doc=f"dx, dgamma, dbeta from your forward's cache{train} agree with the oracle's gradients")
    def agreement(ctx):
        ctx.falsify(cases(norm, modes=modes, optional=optional, dout=True),
                    lambda case: agrees_backward(ctx, norm, case), examples=[textbook(norm)])

    @check(norm.backward, "finite_differences", title="matches finite differences of your forward", points=2,
           tol="finite_difference", kind="gradient", uses=(norm.forward,),
           examples=0.25,
           doc=f"dx, dgamma, dbeta{train} agree with central differences of Σ out·dout of your "
               "own forward (the 'expected' values), every group's variance ≥ 1e-2")
    def finite_differences(ctx):
        ctx.falsify(cases(norm, modes=modes, optional=optional, scales=st.just(1.0), min_var=MIN_GROUP_VAR,
                          dout=True),
                    lambda case: matches_finite_differences(ctx, norm, case), examples=[textbook(norm)])

    if norm.name in ("instancenorm", "groupnorm"):
        @check(norm.backward, "gamma_4d", title="gamma of shape (1, C, 1, 1)", points=0.5, tol="normalization",
               kind="edge", uses=(norm.forward,), examples=0.5, optional=True,
               doc="with γ and β given as (1, C, 1, 1), dgamma and dbeta come back in that shape (optional in "
                   "the spec: reported, not scored)")
        def gamma_4d(ctx):
            ctx.falsify(cases(norm, modes=(), optional=("eps",), dout=True).map(with_gamma_4d),
                        lambda case: agrees_backward(ctx, norm, case), examples=[with_gamma_4d(textbook(norm))])


for _norm in NORMS.values():
    _register_forward(_norm)
    _register_backward(_norm)
# batchnorm_backward_alt: the same gradients as batchnorm_backward (the course's simplified closed form), so the
# same checks with the forward's cache
BATCHNORM_ALT = dataclasses.replace(NORMS["batchnorm"], backward_suffix="_backward_alt")
_register_backward(BATCHNORM_ALT)


# --- group norm against the oracle's layer norm and instance norm -------------------------------

GROUPNORM = NORMS["groupnorm"]


@check("layers.groupnorm_forward", "one_group_is_layernorm", title="G = 1 is layer norm over (C, H, W)", points=0.5,
       tol="normalization", kind="metamorphic",
       examples=0.5, doc="with one group, out equals the oracle's layernorm_forward of x reshaped to (N, C·H·W), γ "
           "and β repeated over H·W (the oracle's, so your own layer norm never costs group norm points)")
def groupnorm_one_group_is_layernorm(ctx):
    def body(case):
        x, spatial = case["x"], case["x"][0, 0].size
        got = student_out(ctx, GROUPNORM, case)

        def layernorm(**variant):
            out, _ = oracle.layernorm_forward(x.reshape(x.shape[0], -1), np.repeat(case["gamma"], spatial),
                                              np.repeat(case["beta"], spatial), copy.deepcopy(case["gn_param"]),
                                              **variant)
            return out.reshape(x.shape)
        ctx.expect(got, layernorm, inputs=inputs(GROUPNORM, case),
                   label="out (expected: the oracle's layernorm_forward)", of="layers.layernorm_forward")
    ctx.falsify(cases(GROUPNORM, modes=(), optional=("eps",)).map(lambda case: dict(case, G=1)), body,
                examples=[dict(textbook(GROUPNORM), G=1)])


@check("layers.groupnorm_forward", "group_per_channel_is_instancenorm", title="G = C is instance norm", points=0.5,
       tol="normalization", kind="metamorphic",
       examples=0.5, doc="with one channel per group, out equals the oracle's instancenorm_forward (the oracle's, so "
           "your own instance norm never costs group norm points)")
def groupnorm_group_per_channel_is_instancenorm(ctx):
    def body(case):
        got = student_out(ctx, GROUPNORM, case)
        ctx.expect(got, lambda **variant: oracle.instancenorm_forward(
            case["x"].copy(), case["gamma"].copy(), case["beta"].copy(), copy.deepcopy(case["gn_param"]),
            **variant)[0], inputs=inputs(GROUPNORM, case), label="out (expected: the oracle's instancenorm_forward)",
            of="layers.instancenorm_forward")
    ctx.falsify(cases(GROUPNORM, modes=(), optional=("eps",)).map(lambda case: dict(case, G=case["x"].shape[1])),
                body, examples=[dict(textbook(GROUPNORM), G=4)])


# --- where libraries depart: large offsets, constant groups, one entry per statistic, float64 ----------
# (issue 10) x = c + δ·noise with |c| up to 1e4 and δ down to 1e-2: the one-pass variance E[x²] − E[x]²
# cancels (its error ε·c² dwarfs σ² = δ²·var(noise)) while x − μ stays exact enough; a group whose
# entries are all equal (σ² = 0) must give x̂ = 0 and out = β. Float64 inputs must give float64 outputs
# computed in float64 (checks/engine/dtypes.py: the finding "computes in float32").

from ..engine.dtypes import require_float64_arithmetic  # noqa: E402
from ..policy.tolerances import tolerance  # noqa: E402


def _modes(norm):
    return ("train",) if norm.running else ()


LARGE_OFFSETS = st.sampled_from([1e2, 1e3, 1e4])
SMALL_SPREADS = st.sampled_from([1e-2, 1e-1, 1.0])


@st.composite
def offset_cases(draw, norm):
    """A case with x = c + δ·noise (noise in [−1, 1]) and, sometimes, its first group made constant (= c)."""
    case = draw(cases(norm, modes=_modes(norm), scales=st.just(1.0),
                      optional=("running",) if norm.running else ()))
    centre, spread = draw(LARGE_OFFSETS) * draw(st.sampled_from([1.0, -1.0])), draw(SMALL_SPREADS)
    noise = draw(arrays(case["x"].shape, -1.0, 1.0))
    x = centre + spread * noise
    if draw(st.booleans()):
        x = np.where(group_labels(norm, x.shape, case.get("G")) == 0, centre, x)
    param = dict(case[norm.param])
    if norm.running and "running_mean" in param:
        param["running_mean"] = param["running_mean"] / 100.0 + centre
        param["running_var"] = param["running_var"] * spread ** 2
    return dict(case, x=x, **{norm.param: param})


def _offset_textbook(norm):
    case = textbook(norm)
    x = 1e4 + 1e-2 * np.cos(np.arange(case["x"].size)).reshape(case["x"].shape)
    x = np.where(group_labels(norm, x.shape, case.get("G")) == 0, 1e4, x)
    return dict(case, x=x)


def _register_regimes(norm):
    @check(norm.forward, "large_offsets", title="large offsets, small spread and constant groups", points=0.5,
           tol="large_offset", kind="edge", examples=0.5,
           doc="x = c + δ·noise with |c| up to 1e4 and δ down to 1e-2 (the one-pass variance E[x²] − E[x]² "
               "cancels there; take x − μ first), and a group of equal entries (out = β)")
    def large_offsets(ctx):
        ctx.falsify(offset_cases(norm), lambda case: agrees_forward(ctx, norm, case),
                    examples=[_offset_textbook(norm)])

    @check(norm.forward, "float64", title="float64 in, float64 out", points=0.25, tol="normalization", kind="edge",
           examples=0.25,
           doc="float64 inputs give float64 out (and running statistics), computed in float64: on x = 100 + noise, "
               "float32 arithmetic shows as an error ε₃₂·100 ≫ the float64 tolerance")
    def float64_out(ctx):
        def body(case):
            got = forward_result(ctx, norm, case)
            require_float64_arithmetic(ctx, got, lambda values: oracle_forward_result(norm, values),
                                       inputs=case, tol64=tolerance("normalization"),
                                       tol32=tolerance("normalization", "float32"),
                                       label="")
        centred = cases(norm, modes=_modes(norm), scales=st.just(1.0)).map(
            lambda case: dict(case, x=case["x"] - case["x"].mean() + 100.0))
        ctx.falsify(centred, body, examples=[dict(textbook(norm), x=textbook(norm)["x"] + 100.0)])


for _norm in NORMS.values():
    _register_regimes(_norm)


@st.composite
def single_entry_cases(draw, norm):
    """Batch norm on a batch of one (N = 1), layer norm on one feature (D = 1): σ² = 0 and out = β."""
    case = draw(cases(norm, modes=_modes(norm),
                      optional=("eps", "momentum", "running") if norm.running else ("eps",)))
    x = case["x"][:1] if norm.running else case["x"][:, :1]
    if norm.running:
        return dict(case, x=x)
    return dict(case, x=x, gamma=case["gamma"][:1], beta=case["beta"][:1])


for _name, _what in (("batchnorm", "a batch of one (N = 1)"), ("layernorm", "one feature per row (D = 1)")):
    def _register_single(norm, what):
        @check(norm.forward, "single_entry", title=what, points=0.25, tol="normalization", kind="edge", examples=0.5,
               doc=f"{what}: the biased variance is 0, so x̂ = 0 and out = β"
                   + (", and the running statistics move towards μ = x and σ² = 0" if norm.running else ""))
        def single_entry(ctx):
            ctx.falsify(single_entry_cases(norm), lambda case: agrees_forward(ctx, norm, case))
    _register_single(NORMS[_name], _what)
