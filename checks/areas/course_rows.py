"""Checks of the course rows: the formulas a course asks for that the student API has no function for.

COURSES_DLS_D2L.md marks them "none": the Deep Learning Specialization's schedule_lr_decay, its cost on
probabilities, and its sigmoid-output L-layer model (its forward, and its gradients: the course's L_model_backward
starts from its L_model_forward's caches). They live in the spec's modules
but are course rows (engine.spec.declare_course_row): graded only where a profile lists them, never by default.
Gradient checking's 2-norm relative difference too (gradient_check_n over a vector θ, gradient_check over one
number). Each is compared with its oracle in reference/ on generated inputs, with named mistakes beside it.
"""
import numpy as np
from hypothesis import strategies as st

from dlgrade.reference import gradient_check as gradient_oracle
from dlgrade.reference import init as init_oracle
from dlgrade.reference import layers as layers_oracle
from dlgrade.reference import losses as losses_oracle
from dlgrade.reference import net as net_oracle
from dlgrade.reference import schedules as schedules_oracle
from dlgrade.reference import training as training_oracle

from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.spec import declare_course_row
from ..engine.strategies import arrays, floats, shapes

for _function in ("schedules.interval_time_decay", "losses.binary_cross_entropy", "net.binary_mlp_forward",
                  "net.binary_mlp_gradients"):
    declare_course_row(_function)

MISTAKES = [
    *rows("schedules.interval_time_decay",
          ("no_floor", "uses epoch/time_interval without rounding down: the rate must stay constant within each "
                       "interval of epochs (⌊epoch/time_interval⌋)", {"floor": False})),
    *rows("losses.binary_cross_entropy",
          ("sum_not_mean", "sums the cross-entropy over the samples; the cost is its mean (1/m)",
           {"mean": False})),
    *rows("net.binary_mlp_forward",
          ("relu_output", "applies ReLU on the output layer too; the output layer is LINEAR→SIGMOID",
           {"output": "relu"})),
    *rows("net.binary_mlp_gradients",
          ("upstream_of_last_layer", "starts every hidden layer's backward from the dA of the last hidden layer "
                                     "(right only with one hidden layer); layer l must use the dA that layer l + 1 "
                                     "returned", {"upstream": "last_hidden"})),
]

# --- schedules.interval_time_decay ----------------------------------------------------------------


INTERVAL_TEXTBOOK = [{"lr0": 0.5, "decay_rate": 0.3, "epoch": e, "time_interval": 100} for e in (0, 99, 100, 250)]


@check("schedules.interval_time_decay", "oracle", title="agrees with the oracle", points=2,
       doc="the rate is lr0 / (1 + decay_rate·⌊epoch/time_interval⌋) over generated lr0, rates, epochs and intervals")
def interval_agrees(ctx):
    cases = st.fixed_dictionaries({"lr0": floats(0.1, 10.0), "decay_rate": floats(0.0, 2.0),
                                   "epoch": st.integers(0, 5000), "time_interval": st.integers(1, 1000)})

    def body(case):
        args = (case["lr0"], case["decay_rate"], case["epoch"], case["time_interval"])
        got = ctx.call("schedules.interval_time_decay", *args)
        ctx.expect(got, lambda **m: schedules_oracle.interval_time_decay(*args, **m), inputs=case, label="rate")
    ctx.falsify(cases, body, examples=INTERVAL_TEXTBOOK)


# --- losses.binary_cross_entropy -------------------------------------------------------------------


@st.composite
def probabilities(draw):
    """p (N,) in [0.01, 0.99] and labels y (N,) in {0, 1}, N in 1..6."""
    n = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return {"p": rng.uniform(0.01, 0.99, n), "y": rng.integers(0, 2, n).astype(np.float64)}


@check("losses.binary_cross_entropy", "oracle", title="agrees with the oracle", points=2,
       doc="−(1/N) Σ [y log p + (1 − y) log(1 − p)] on generated probabilities and labels")
def bce_agrees(ctx):
    def body(case):
        got = ctx.call("losses.binary_cross_entropy", case["p"], case["y"])
        ctx.expect(got, lambda **m: losses_oracle.binary_cross_entropy(case["p"], case["y"], **m), inputs=case,
                   label="cost")
    ctx.falsify(probabilities(), body, examples=[{"p": np.array([0.8, 0.9, 0.4]), "y": np.array([1.0, 1.0, 0.0])}])


# --- net.binary_mlp_forward / net.binary_mlp_loss ----------------------------------------------------


@st.composite
def binary_networks(draw):
    """params of 2–4 layers (hidden widths all equal, 1–4; one output unit), X (N, d0), y in {0, 1}; generic
    values (seeded normals, no ReLU kink at a drawn point), small enough that no probability rounds to 0 or 1."""
    n_layers, width, inputs = draw(st.integers(2, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dims = [inputs] + [width] * (n_layers - 1) + [1]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = {}
    for layer in range(1, n_layers + 1):
        params[f"W{layer}"] = rng.normal(size=(dims[layer - 1], dims[layer])) / np.sqrt(dims[layer - 1])
        params[f"b{layer}"] = 0.5 * rng.normal(size=dims[layer])
    n = draw(st.integers(1, 5))
    return {"params": params, "X": rng.normal(size=(n, inputs)), "y": rng.integers(0, 2, n).astype(np.float64)}


@check("net.binary_mlp_forward", "oracle", title="agrees with the oracle", points=2,
       doc="[LINEAR→RELU]×(L−1) → LINEAR→SIGMOID: the probabilities agree on generated networks of 2–4 layers")
def binary_forward_agrees(ctx):
    def body(case):
        got = ctx.call("net.binary_mlp_forward", case["params"], case["X"])
        ctx.expect(got, lambda **m: net_oracle.binary_mlp_forward(case["params"], case["X"], **m), inputs=case,
                   label="probabilities")
    ctx.falsify(binary_networks(), body)


@check("net.binary_mlp_gradients", "oracle", title="gradients agree with the oracle", points=3,
       doc="every dW, db agrees on generated networks of 2–4 layers (the deeper ones show a backward "
           "loop that reads the wrong layer's dA)")
def binary_gradients_agree(ctx):
    def body(case):
        got = ctx.call("net.binary_mlp_gradients", case["params"], case["X"], case["y"])
        ctx.expect(got, lambda **m: net_oracle.binary_mlp_gradients(case["params"], case["X"], case["y"], **m),
                   inputs=case, label="")
    ctx.falsify(binary_networks(), body)


# --- gradient_check.relative_difference / relative_difference_1d ---------------------------------------------

for _function in ("gradient_check.relative_difference", "gradient_check.relative_difference_1d"):
    declare_course_row(_function)
    rows(_function,
         ("one_sided", "uses a one-sided difference (J(θ+ε) − J(θ))/ε; gradient checking takes the two-sided "
                       "(J(θ+ε) − J(θ−ε))/(2ε), error O(ε²)", {"scheme": "forward"}),
         ("norm_of_sum", "divides by ‖grad + gradapprox‖₂; the difference is ‖grad − gradapprox‖₂ / "
                         "(‖grad‖₂ + ‖gradapprox‖₂)", {"denominator": "norm_of_sum"}))


def _cost(a, b, c):
    """J(θ) = Σ a·θ² + Σ b·θ + Σ c·θ³: curved, so a one-sided difference is off by about ε·J''."""
    return lambda theta: float(np.sum(a * theta ** 2 + b * theta + c * theta ** 3))


@st.composite
def checked_gradients(draw, size):
    """θ, the cost's coefficients, a gradient that is the true one plus a deliberate error (as the course's buggy
    backward_propagation_n: the difference is far above rounding), and ε coarse enough that O(ε) shows."""
    n = draw(size)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    theta, a, b, c = rng.uniform(-1, 1, n), rng.uniform(0.5, 2, n), rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    exact = 2 * a * theta + b + 3 * c * theta ** 2
    error = rng.uniform(-0.5, 0.5, n) * (rng.random(n) < 0.5)
    epsilon = draw(st.sampled_from([1e-2, 1e-3]))
    return {"theta": theta, "a": a, "b": b, "c": c, "grad": exact + error, "epsilon": epsilon}


def _register_relative_difference(function, size):
    @check(function, "oracle", title="agrees with the oracle", points=2,
           doc="‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂), gradapprox by two-sided differences of the "
               "cost J, on curved costs and gradients with deliberate errors")
    def agrees(ctx):
        def body(case):
            f = _cost(case["a"], case["b"], case["c"])
            got = ctx.call(function, f, case["theta"], case["grad"], case["epsilon"])
            ctx.expect(got, lambda **m: gradient_oracle.relative_difference(f, case["theta"], case["grad"],
                                                                            case["epsilon"], **m),
                       inputs={"J": "Σ a·θ² + Σ b·θ + Σ c·θ³", **case}, label="difference")
        ctx.falsify(checked_gradients(size), body)


_register_relative_difference("gradient_check.relative_difference", st.integers(2, 12))
_register_relative_difference("gradient_check.relative_difference_1d", st.just(1))


# --- layers.zero_pad / layers.conv_single_step -------------------------------------------------------------

for _function in ("layers.zero_pad", "layers.conv_single_step"):
    declare_course_row(_function)
rows("layers.zero_pad",
     ("every_axis", "pads every axis (np.pad(X, pad)); only the height and width get zeros", {"every_axis": True}))
rows("layers.conv_single_step",
     ("bias_every_entry", "adds b to every product before summing, Σ(a·W + b) (the 2017 template's), a documented "
                          "variant; the step is Σ(a·W) + b", {"bias": "every_entry"}, True))


@check("layers.zero_pad", "oracle", title="agrees with the oracle", points=1,
       doc="zeros on both sides of the height and width only, for pads 0–3 on drawn shapes")
def zero_pad_agrees(ctx):
    cases = st.fixed_dictionaries({"x": arrays(shapes(4, 4, 1, 4), -5.0, 5.0), "pad": st.integers(0, 3)})

    def body(case):
        got = ctx.call("layers.zero_pad", case["x"], case["pad"])
        ctx.expect(got, lambda **m: layers_oracle.zero_pad(case["x"], case["pad"], **m), inputs=case, label="padded")
    ctx.falsify(cases, body, examples=[{"x": np.arange(24.0).reshape(2, 3, 2, 2), "pad": 1}])


@st.composite
def windows(draw):
    """One window a (f, f, C) and filter w of its shape, b one number of shape (1, 1, 1) (the course's)."""
    shape = (draw(st.integers(1, 4)),) * 2 + (draw(st.integers(1, 3)),)
    return {"a": draw(arrays(shape, -5.0, 5.0)), "w": draw(arrays(shape, -5.0, 5.0)),
            "b": draw(arrays((1, 1, 1), -5.0, 5.0))}


@check("layers.conv_single_step", "oracle", title="agrees with the oracle", points=1,
       doc="Σ(a·W) + b on drawn windows, b of shape (1, 1, 1) as the course gives it")
def conv_single_step_agrees(ctx):
    def body(case):
        got = ctx.call("layers.conv_single_step", case["a"], case["w"], case["b"])
        ctx.expect(got, lambda **m: layers_oracle.conv_single_step(case["a"], case["w"], case["b"], **m),
                   inputs=case, label="Z")
    textbook = {"a": np.linspace(-1, 1, 12).reshape(2, 2, 3), "w": np.linspace(2, -1, 12).reshape(2, 2, 3),
                "b": np.full((1, 1, 1), 0.5)}
    ctx.falsify(windows(), body, examples=[textbook])


# --- init.layers_*: the course's initializers, by replaying NumPy's legacy RNG ------------------------------

INITIALIZERS = {"init.layers_zeros": "all zeros", "init.layers_random": "seed 3, randn·10",
                "init.layers_he": "seed 3, randn·√(2/n_{l−1})", "init.layers_small": "seed 3, randn·0.01",
                "init.two_layers_small": "seed 1, randn·0.01, W1 then W2"}
for _function in INITIALIZERS:
    declare_course_row(_function)
rows("init.layers_he",
     ("fan_out", "scales by √(2/n_l), the layer's own size; He scales by √(2/n_{l−1}), the size of its input",
      {"scale": "he_fan_out"}),
     ("lecun", "scales by √(1/n_{l−1}) (LeCun's); He's is √(2/n_{l−1})", {"scale": "lecun"}))
rows("init.layers_random",
     ("scale_one", "leaves the draws unscaled; this initializer multiplies them by 10", {"scale": 1.0}))
rows("init.layers_small",
     ("scale_one", "leaves the draws unscaled; they are multiplied by 0.01", {"scale": 1.0}))


def _register_initializer(function, rule):
    @check(function, "legacy_rng", title="replays the course's seeded draws", points=2,
           doc=f"W and b of every layer as NumPy's legacy RNG draws them ({rule}), for drawn layer sizes")
    def replays(ctx):
        name = function.partition(".")[2]
        two = name == "two_layers_small"
        sizes = st.lists(st.integers(1, 6), min_size=3, max_size=3 if two else 5)

        def body(dims):
            args = tuple(dims) if two else (list(dims),)
            got = ctx.call(function, *args)
            ctx.expect(got, lambda **m: getattr(init_oracle, name)(*args, **m),
                       inputs=dict(zip(("n_x", "n_h", "n_y"), dims)) if two else {"layer_dims": list(dims)},
                       label="")
        ctx.falsify(sizes, body, examples=[[2, 4, 1]])


for _function, _rule in INITIALIZERS.items():
    _register_initializer(_function, _rule)


# --- the regularized and dropout three-layer nets (Course 2 week 1, Regularization) ------------------------

for _function in ("losses.binary_cross_entropy_l2", "net.binary_mlp_gradients_l2", "net.dropout_mlp_forward",
                  "net.dropout_mlp_gradients"):
    declare_course_row(_function)
rows("losses.binary_cross_entropy_l2",
     ("missing_half", "adds (λ/m)·Σ‖W‖²; the penalty is (λ/2m)·Σ‖W‖²", {"half": False}),
     ("penalises_biases", "penalises the biases too; only the weights W1, W2, W3 are", {"biases": True}))
rows("net.binary_mlp_gradients_l2",
     ("half_gradient", "adds (λ/2m)·W; the penalty (λ/2m)·‖W‖² has gradient (λ/m)·W", {"half": True}))
rows("net.dropout_mlp_forward",
     ("not_scaled", "does not divide the kept activations by keep_prob (inverted dropout keeps their expected "
                    "value)", {"scale": False}))
rows("net.dropout_mlp_gradients",
     ("not_scaled", "does not divide dA by keep_prob after applying the mask, as the forward divided A",
      {"scale": False}))


@st.composite
def three_layer_networks(draw):
    """The course's 3-layer net LINEAR→RELU→LINEAR→RELU→LINEAR→SIGMOID: params, X, y, λ and keep_prob."""
    dims = [draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 4)), 1]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = {}
    for layer in range(1, 4):
        params[f"W{layer}"] = rng.normal(size=(dims[layer - 1], dims[layer])) / np.sqrt(dims[layer - 1])
        params[f"b{layer}"] = 0.5 * rng.normal(size=dims[layer])
    n = draw(st.integers(1, 6))
    return {"params": params, "X": rng.normal(size=(n, dims[0])), "y": rng.integers(0, 2, n).astype(np.float64),
            "lambd": draw(floats(0.0, 1.0)), "keep_prob": draw(floats(0.5, 0.95))}


@check("losses.binary_cross_entropy_l2", "oracle", title="agrees with the oracle", points=2,
       doc="the cross-entropy plus (λ/2m)·(‖W1‖² + ‖W2‖² + ‖W3‖²) on drawn nets, probabilities and λ")
def bce_l2_agrees(ctx):
    def body(case):
        p = net_oracle.binary_mlp_forward(case["params"], case["X"])
        got = ctx.call("losses.binary_cross_entropy_l2", p, case["y"], case["params"], case["lambd"])
        ctx.expect(got, lambda **m: losses_oracle.binary_cross_entropy_l2(p, case["y"], case["params"],
                                                                          case["lambd"], **m),
                   inputs=dict(case, p=p), label="cost")
    ctx.falsify(three_layer_networks(), body)


def _register_three_layer(function, title, doc, arguments):
    @check(function, "oracle", title=title, points=2, doc=doc)
    def agrees(ctx):
        def body(case):
            args = [case[a] for a in arguments]
            got = ctx.call(function, *args)
            ctx.expect(got, lambda **m: getattr(net_oracle, function.partition(".")[2])(*args, **m),
                       inputs={a: case[a] for a in arguments}, label="")
        ctx.falsify(three_layer_networks(), body)


_register_three_layer("net.binary_mlp_gradients_l2", "gradients agree with the oracle",
                      "every dW (with its (λ/m)·W) and db of the 3-layer net, from the course's forward_propagation",
                      ("params", "X", "y", "lambd"))
_register_three_layer("net.dropout_mlp_forward", "replays the course's seeded masks",
                      "A3 with the masks D1, D2 NumPy's legacy RNG draws after np.random.seed(1), kept units "
                      "divided by keep_prob",
                      ("params", "X", "keep_prob"))
_register_three_layer("net.dropout_mlp_gradients", "gradients agree with the oracle",
                      "every dW, db through the same masks, dA·D/keep_prob, from your forward_propagation_with_dropout",
                      ("params", "X", "y", "keep_prob"))


# --- training.seeded_minibatches: random_mini_batches replayed with the course's seeds ---------------------

declare_course_row("training.seeded_minibatches")
rows("training.seeded_minibatches",
     ("not_shuffled", "returns the batches in index order; random_mini_batches shuffles the columns by "
                      "np.random.permutation(m) after np.random.seed(seed)", {"shuffle": False}))


@check("training.seeded_minibatches", "legacy_rng", title="replays the course's seeded shuffle", points=1,
       tol="exact", doc="with np.random.seed(seed) then permutation(m), the batches hold exactly the course's "
                        "columns, in the course's order, for drawn m, sizes and seeds")
def seeded_minibatches_replay(ctx):
    cases = st.fixed_dictionaries({"n_samples": st.integers(1, 150), "batch_size": st.integers(1, 64),
                                   "seed": st.integers(0, 2**31 - 2)})

    def body(case):
        args = (case["n_samples"], case["batch_size"], case["seed"])
        got = ctx.call("training.seeded_minibatches", *args)
        got = [np.asarray(b) for b in got] if isinstance(got, (list, tuple)) else got
        ctx.expect(got, lambda **m: training_oracle.seeded_minibatches(*args, **m), inputs=case, label="batches")
    ctx.falsify(cases, body, examples=[{"n_samples": 148, "batch_size": 64, "seed": 0}])
