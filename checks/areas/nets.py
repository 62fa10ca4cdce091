"""Checks of the course's networks, FullyConnectedNet and ThreeLayerConvNet (spec: "Course conventions").

A network is built in the worker with a generated architecture (ctx.construct), the grader's float64
parameters are set in its `params` before each call, as the spec says, and its loss is compared with the
oracle (reference.net's fc_net_loss and three_layer_convnet_loss): the scores in test mode (y None), and
the loss with every gradient in train mode. The gradients are also checked against central differences of
the student's own loss, so right values with wrong gradients are told apart from a wrong loss. A dropout
mask is the student's own random draw (the spec fixes its law, not its values): with dropout, train mode is
judged by finite differences of the student's own seeded loss, and by its changing the loss at all.
"""
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from dlgrade.reference import layers
from dlgrade.reference import net as oracle

from ..engine.compare import difference
from ..engine.context import Mismatch
from ..engine.differences import expect_gradient
from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.spec import declare_call, declare_partners

FC = "net.FullyConnectedNet"
CONV = "net.ThreeLayerConvNet"

declare_call(FC, drop_probability=(None, "dropout"))  # the constructor's dropout: the probability of a drop


def _layers(*names):
    return tuple(f"layers.{name}" for name in names)


def fc_partners(check_id, case):
    """The student's layer functions a FullyConnectedNet check relied on, for the input it failed on (None: any):
    the forward passes in test mode (the scores), the backward passes and the loss too in train mode; a norm or
    dropout only where the input has it (the course's net may call either batch-norm backward)."""
    train = not check_id.endswith("/scores")
    options = case if isinstance(case, dict) else {"normalization": "any", "dropout": 1}
    norm, partners = options.get("normalization"), _layers("affine_forward", "relu_forward")
    if train:
        partners += _layers("affine_backward", "relu_backward") + ("losses.softmax_loss",)
    if norm in ("batchnorm", "any"):
        partners += _layers("batchnorm_forward") + (_layers("batchnorm_backward", "batchnorm_backward_alt") if train
                                                    else ())
    if norm in ("layernorm", "any"):
        partners += _layers("layernorm_forward") + (_layers("layernorm_backward") if train else ())
    if options.get("dropout"):
        partners += _layers("dropout_forward") + (_layers("dropout_backward") if train else ())
    return partners


def conv_partners(check_id, case):
    """The student's layer functions a ThreeLayerConvNet check relied on (its conv and pool may be the course's fast
    layers instead: the runner keeps only those the student's code reaches)."""
    forward = _layers("conv_forward_naive", "relu_forward", "max_pool_forward_naive", "affine_forward")
    if check_id.endswith("/scores"):
        return forward
    return forward + _layers("conv_backward_naive", "relu_backward", "max_pool_backward_naive", "affine_backward") \
        + ("losses.softmax_loss",)


declare_partners(FC, fc_partners)
declare_partners(CONV, conv_partners)

# --- named mistakes: oracle keywords that reproduce a form ------------------------------------------------

_REG_ROWS = (
    ("reg_missing", "leaves out the L2 penalty: the loss adds 0.5·reg·Σ‖W_l‖² and each dW_l adds reg·W_l",
     {"reg_missing": True}),
    ("reg_doubled", "adds reg·Σ‖W_l‖² (gradient 2·reg·W_l); the penalty is 0.5·reg·Σ‖W_l‖²", {"reg_half": False}),
    ("reg_biases", "regularizes the biases too; only the weights W_l are penalized", {"reg_biases": True}),
)
_LAST_RELU = ("last_relu", "puts a ReLU after the last affine layer; the scores are that layer's output as it is",
              {"last_relu": True})

MISTAKES = [
    *rows(FC, *_REG_ROWS, _LAST_RELU,
          ("gamma_beta_not_params", "never uses gamma and beta from params (and has no dgamma, dbeta in grads): with "
                                    "normalization, params holds gamma1, beta1, … and the layer scales by them",
           {"norm_params_fixed": True}),
          ("gamma_beta_not_in_grads", "leaves dgamma and dbeta out of grads; grads has every key of params",
           {"norm_grads_missing": True}),
          ("dropout_in_test", "applies dropout in test mode (y None); test mode is the identity",
           {"dropout_in_test": True})),
    *rows(CONV, *_REG_ROWS, _LAST_RELU),
]

NORMALIZATIONS = (None, "batchnorm", "layernorm")
ENTRIES = 6  # entries of one parameter whose finite differences are taken (every entry of a smaller one)
FLOAT64 = "float64"  # the constructor's dtype, as a name the wire carries (params.astype("float64") reads it)


def _normal(rng, shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def fc_case(rng_seed, hidden_dims, input_dim, num_classes, n, *, normalization=None, dropout=0.0, seed=0, reg=0.0):
    """A FullyConnectedNet case: generic (seeded normal) params for the architecture, X (n, input_dim), y."""
    rng = np.random.default_rng(rng_seed)
    dims = [input_dim, *hidden_dims, num_classes]
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(dims, dims[1:]), start=1):
        params[f"W{layer}"] = _normal(rng, (fan_in, fan_out), 1 / np.sqrt(fan_in))
        params[f"b{layer}"] = _normal(rng, fan_out, 0.3)
        if normalization is not None and layer < len(dims) - 1:
            params[f"gamma{layer}"] = 1 + _normal(rng, fan_out, 0.3)
            params[f"beta{layer}"] = _normal(rng, fan_out, 0.3)
    return {"hidden_dims": list(hidden_dims), "input_dim": input_dim, "num_classes": num_classes,
            "normalization": normalization, "dropout": dropout, "seed": seed, "reg": reg, "params": params,
            "X": _normal(rng, (n, input_dim)), "y": rng.integers(0, num_classes, size=n)}


@st.composite
def fc_cases(draw, dropouts=st.sampled_from([0.0, 0.0, 0.5]), normalizations=st.sampled_from(NORMALIZATIONS),
             regs=st.sampled_from([0.0, 0.3]), depths=st.integers(1, 2), rows=st.integers(3, 5)):
    """FullyConnectedNet cases of 1–2 hidden layers (widths 2–4), 2–4 inputs, 2–3 classes, N = 3–5 rows, a
    normalization, dropout (the drop probability), its seed and reg."""
    hidden = [draw(st.integers(2, 4)) for _ in range(draw(depths))]
    return fc_case(draw(st.integers(0, 2**32 - 1)), hidden, draw(st.integers(2, 4)), draw(st.integers(2, 3)),
                   draw(rows), normalization=draw(normalizations), dropout=draw(dropouts),
                   seed=draw(st.integers(0, 1000)), reg=draw(regs))


def fc_textbook(normalization, dropout):
    """A fixed case every seed meets, so that each named mistake shows: two hidden layers, reg 0.3."""
    return fc_case(2024, [3, 4], 3, 3, 4, normalization=normalization, dropout=dropout, seed=7, reg=0.3)


def conv_case(rng_seed, input_dim, num_filters, filter_size, hidden_dim, num_classes, n, *, reg=0.0):
    """A ThreeLayerConvNet case: generic (seeded normal) params for the architecture, X (n, *input_dim), y."""
    rng = np.random.default_rng(rng_seed)
    channels, height, width = input_dim
    flat = num_filters * (height // 2) * (width // 2)
    params = {"W1": _normal(rng, (num_filters, channels, filter_size, filter_size), 1 / filter_size),
              "b1": _normal(rng, num_filters, 0.3), "W2": _normal(rng, (flat, hidden_dim), 1 / np.sqrt(flat)),
              "b2": _normal(rng, hidden_dim, 0.3), "b3": _normal(rng, num_classes, 0.3),
              "W3": _normal(rng, (hidden_dim, num_classes), 1 / np.sqrt(hidden_dim))}
    return {"input_dim": tuple(input_dim), "num_filters": num_filters, "filter_size": filter_size,
            "hidden_dim": hidden_dim, "num_classes": num_classes, "reg": reg, "params": params,
            "X": _normal(rng, (n, *input_dim)), "y": rng.integers(0, num_classes, size=n)}


@st.composite
def conv_cases(draw):
    """ThreeLayerConvNet cases on (N, C, H, W) = (2–3, 1–2, 2 or 4, 2 or 4) with 2–3 filters of size 1 or 3
    (stride 1, the size kept), 2–3 hidden units and 2–3 classes: sizes that divide as the assignment promises."""
    input_dim = (draw(st.integers(1, 2)), 2 * draw(st.integers(1, 2)), 2 * draw(st.integers(1, 2)))
    return conv_case(draw(st.integers(0, 2**32 - 1)), input_dim, draw(st.integers(2, 3)),
                     draw(st.sampled_from([3, 1])), draw(st.integers(2, 3)), draw(st.integers(2, 3)),
                     draw(st.integers(2, 3)), reg=draw(st.sampled_from([0.0, 0.3])))


def conv_textbook():
    """A fixed case every seed meets: (N, C, H, W) = (2, 1, 4, 4), two 3×3 filters, reg 0.3."""
    return conv_case(2024, (1, 4, 4), 2, 3, 3, 3, 2, reg=0.3)


# --- the student's network and the oracle's ----------------------------------------------------------------


class Net:
    """How one network class is built, called and compared."""

    def __init__(self, function, constructor_keys, loss):
        self.function, self.constructor_keys, self.oracle_loss = function, constructor_keys, loss

    def build(self, ctx, case, **changed):
        """A fresh instance in the worker (float64, small weight scale; the grader sets params anyway)."""
        arguments = {key: changed.get(key, case[key]) for key in self.constructor_keys}
        return ctx.construct(self.function, **arguments, weight_scale=1e-2, dtype=FLOAT64)

    @staticmethod
    def inputs(case, train):
        """The case as the report shows it (test mode has no y)."""
        return {k: v for k, v in case.items() if k != "y" or train}

    def scores(self, ctx, case, **changed):
        """Your scores in test mode: loss(X) of a fresh instance, with the case's params set."""
        instance = self.build(ctx, case, **changed)
        scores = ctx.call_method(instance, self.function, "loss", case["X"].copy(), assign={"params": case["params"]})
        return ctx.require_shape(f"{self.function}.loss", scores, (len(case["X"]), case["num_classes"]),
                                 inputs=self.inputs(case, False))

    def train(self, ctx, case, instance=None):
        """{loss, grads, keys} of your loss(X, y) in train mode (keys: the params keys grads has)."""
        instance = instance or self.build(ctx, case)
        result = ctx.call_method(instance, self.function, "loss", case["X"].copy(), case["y"].copy(),
                                 assign={"params": case["params"]}, returns=2)
        return self._train_result(ctx, case, result)

    def _train_result(self, ctx, case, result):
        loss, grads = result
        if np.ndim(loss) != 0 or np.asarray(loss).dtype.kind not in "iuf" or not isinstance(grads, dict):
            ctx.fail(f"{self.function}.loss(X, y) should return (loss, grads): loss a number, grads a dict keyed "
                     "like params", inputs=self.inputs(case, True))
        return {"loss": float(loss), "grads": grads, "keys": [k for k in sorted(case["params"]) if k in grads]}

    def options(self, case):
        return {key: case[key] for key in ("normalization", "dropout", "seed") if key in case}

    def expected_scores(self, case, **mistake):
        return self.oracle_loss(case["params"], case["X"], reg=case["reg"], **self.options(case), **mistake)

    def expected_train(self, case, **mistake):
        loss, grads = self.oracle_loss(case["params"], case["X"], case["y"], reg=case["reg"], **self.options(case),
                                       **mistake)
        return {"loss": loss, "grads": grads, "keys": [k for k in sorted(case["params"]) if k in grads]}


FC_NET = Net(FC, ("hidden_dims", "input_dim", "num_classes", "dropout", "normalization", "reg", "seed"),
             oracle.fc_net_loss)
CONV_NET = Net(CONV, ("input_dim", "num_filters", "filter_size", "hidden_dim", "num_classes", "reg"),
               oracle.three_layer_convnet_loss)


def in_course(ctx, strategy):
    """Cases whose normalization the course's constructor has (a year without layer norm draws none)."""
    return strategy.filter(lambda case: ctx.conventions.accepts(FC, "normalization", case.get("normalization")))


# --- bodies -------------------------------------------------------------------------------------------------


def agrees_in_test_mode(ctx, net, case):
    """Your scores agree with the oracle's; a mismatch that goes away without dropout is dropout in test mode."""
    got = net.scores(ctx, case)
    try:
        ctx.expect(got, lambda **m: net.expected_scores(case, **m), inputs=net.inputs(case, False), label="scores")
    except Mismatch as mismatch:
        if mismatch.name_mistake() is None and case.get("dropout"):
            without = net.scores(ctx, case, dropout=0.0)
            if difference(without, net.expected_scores(case), ctx.tol) is None:
                ctx.fail(f"{mismatch.summary} (your scores without dropout agree)", inputs=net.inputs(case, False),
                         mistake=f"{FC}:dropout_in_test")
        raise


def agrees_in_train_mode(ctx, net, case):
    ctx.expect(net.train(ctx, case), lambda **m: net.expected_train(case, **m), inputs=net.inputs(case, True),
               label="")


def sampled_entries(case, seed):
    """{parameter: the entries whose differences are taken}: every entry of a parameter of at most ENTRIES, else
    ENTRIES of them drawn with the grading seed (the oracle checks judge every entry; these judge the gradient
    against the student's own loss, as the course's own grad_check_sparse does)."""
    rng = np.random.default_rng(seed)
    chosen = {}
    for key, value in case["params"].items():
        flat = range(value.size) if value.size <= ENTRIES else sorted(rng.choice(value.size, ENTRIES, replace=False))
        chosen[key] = [np.unravel_index(i, value.shape) for i in flat]
    return chosen


def central_differences(ctx, net, case, instance, entries, h):
    """{"key[index]": (loss(θ + h) − loss(θ − h)) / 2h} of your own loss for the entries θ chosen, the 2 calls per
    entry sent in one round trip."""
    params, perturbed = case["params"], []
    for key, indices in entries.items():
        for index in indices:
            for sign in (1, -1):
                moved = params[key].copy()
                moved[index] += sign * h
                perturbed.append({**params, key: moved})
    losses = iter(ctx.call_method_many(instance, net.function, "loss",
                                       [((case["X"].copy(), case["y"].copy()), {"params": p}) for p in perturbed],
                                       returns=2))
    numeric = {}
    for key, indices in entries.items():
        for index in indices:
            plus, minus = float(next(losses)[0]), float(next(losses)[0])
            numeric[_entry(key, index)] = (plus - minus) / (2 * h)
    return numeric


def _entry(key, index):
    return f"{key}[{', '.join(map(str, index))}]"


def matches_finite_differences(ctx, net, case):
    instance = net.build(ctx, case)
    got = net.train(ctx, case, instance)
    params, grads = case["params"], got["grads"]
    missing = [key for key in params if key not in grads]
    if missing:
        ctx.fail(f"grads has no {', '.join(missing)}: grads has every key of params", inputs=net.inputs(case, True))
    for key, value in params.items():
        if np.shape(grads[key]) != value.shape:
            ctx.fail(f"grads[{key!r}] has shape {np.shape(grads[key])}; params[{key!r}] has shape {value.shape}",
                     inputs=net.inputs(case, True))
    entries = sampled_entries(case, ctx.seed)
    chosen = {_entry(key, index): float(np.asarray(grads[key])[index]) for key, indices in entries.items()
              for index in indices}
    expect_gradient(ctx, chosen, lambda h: central_differences(ctx, net, case, instance, entries, h),
                    forward=got["loss"], inputs=net.inputs(case, True),
                    label="grads (expected: central differences of your loss)")


# --- FullyConnectedNet ----------------------------------------------------------------------------------------


def _fc_textbooks(ctx, dropout):
    return [fc_textbook(norm, dropout) for norm in NORMALIZATIONS if ctx.conventions.accepts(FC, "normalization", norm)]


@check(FC, "scores", title="scores in test mode agree with the oracle", points=2, tol="normalization",
       examples=0.5,
       doc="loss(X) of a fresh net with your params set to the grader's: the scores (N, C), batch norm with the "
           "running statistics it starts with (zeros), dropout the identity; no norm, batch or layer norm")
def fc_scores(ctx):
    ctx.falsify(in_course(ctx, fc_cases()), lambda case: agrees_in_test_mode(ctx, FC_NET, case),
                examples=_fc_textbooks(ctx, 0.5))


@check(FC, "loss_grads", title="loss and every gradient agree with the oracle", points=3, tol="normalization",
       examples=0.5,
       doc="loss(X, y) in train mode without dropout: the mean softmax loss + 0.5·reg·Σ‖W_l‖² and grads keyed like "
           "params (W, b, and gamma, beta with batch or layer norm)")
def fc_loss_grads(ctx):
    ctx.falsify(in_course(ctx, fc_cases(dropouts=st.just(0.0))),
                lambda case: agrees_in_train_mode(ctx, FC_NET, case), examples=_fc_textbooks(ctx, 0.0))


@check(FC, "finite_differences", title="gradients match finite differences of your loss", points=2,
       tol="finite_difference", kind="gradient", examples=0.25,
       doc=f"grads equals the central differences of your own loss(X, y), dropout (seeded) included, on every "
           f"entry of each parameter, or {ENTRIES} entries drawn with the grading seed")
def fc_finite_differences(ctx):
    ctx.falsify(in_course(ctx, fc_cases()), lambda case: matches_finite_differences(ctx, FC_NET, case),
                examples=_fc_textbooks(ctx, 0.5)[:1])


@check(FC, "dropout_train", title="dropout changes the training loss", points=1, tol="normalization",
       kind="metamorphic", examples=0.25,
       doc="one hidden layer with some unit active: with dropout (drop probability 0.5, seeded) the train-mode loss "
           "differs from the loss without it (a unit is dropped, or kept and scaled by 2)")
def fc_dropout_train(ctx):
    def body(case):
        hidden, _ = layers.relu_forward(layers.affine_forward(case["X"], case["params"]["W1"], case["params"]["b1"])[0])
        if case["normalization"] is None and not np.any(hidden > 0):
            assume(False)  # every unit inactive: dropout has nothing to drop
        with_dropout, without = FC_NET.train(ctx, case), FC_NET.train(ctx, dict(case, dropout=0.0))
        if with_dropout["loss"] == without["loss"]:
            ctx.fail("loss(X, y) in train mode is the same with dropout 0.5 as without: dropout is not applied",
                     inputs=FC_NET.inputs(case, True))
    ctx.falsify(in_course(ctx, fc_cases(dropouts=st.just(0.5), depths=st.just(1))), body,
                examples=[fc_case(2024, [4], 3, 3, 5, dropout=0.5, seed=7)])


# --- ThreeLayerConvNet ------------------------------------------------------------------------------------------


@check(CONV, "scores", title="scores in test mode agree with the oracle", points=1, tol="float64", examples=0.25,
       doc="loss(X) with your params set to the grader's: conv (stride 1, size kept) − ReLU − 2×2 max pool − affine "
           "− ReLU − affine")
def conv_scores(ctx):
    ctx.falsify(conv_cases(), lambda case: agrees_in_test_mode(ctx, CONV_NET, case), examples=[conv_textbook()])


@check(CONV, "loss_grads", title="loss and every gradient agree with the oracle", points=2, tol="float64",
       examples=0.25,
       doc="loss(X, y): the mean softmax loss + 0.5·reg·Σ‖W_l‖² and grads keyed like params")
def conv_loss_grads(ctx):
    ctx.falsify(conv_cases(), lambda case: agrees_in_train_mode(ctx, CONV_NET, case), examples=[conv_textbook()])


@check(CONV, "finite_differences", title="gradients match finite differences of your loss", points=1,
       tol="finite_difference", kind="gradient", examples=0.15,
       doc=f"grads equals the central differences of your own loss(X, y) on every entry of each parameter, or "
           f"{ENTRIES} entries drawn with the grading seed")
def conv_finite_differences(ctx):
    ctx.falsify(conv_cases(), lambda case: matches_finite_differences(ctx, CONV_NET, case),
                examples=[conv_textbook()])
