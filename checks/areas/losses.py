"""Checks of losses.py: `f(...) -> (loss, grad)`.

Every loss agrees with the oracle (value and gradient) and its gradient agrees with central
finite differences of the submission's own loss. Softmax and logistic losses must stay
finite and correct for scores near ±1e3; softmax is invariant to shifting a row's scores,
logistic to swapping the class labels (z → −z, y → 1 − y).
"""
import numpy as np
from hypothesis import strategies as st

from dlgrade.reference import losses as oracle
from dlgrade.reference.gradient_check import eval_numerical_gradient

from ..engine.differences import expect_gradient
from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.strategies import arrays, floats, labels, signs
from ..policy.tolerances import DIFFERENCE_STEP

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("losses.softmax_loss",
          ("unstable", "exponentiates raw scores without subtracting the row maximum: overflows for large "
                       "scores", {"stable": False}),
          ("unstable_probabilities", "computes p = e^x / Σe^x from the raw scores, then log p: e^x overflows for "
                                     "large scores (inf / inf = nan); subtract the row maximum first", {"naive": True}),
          ("log_of_floored_p", "takes log(p + 1e-20) of the probability instead of the stable log-softmax "
                               "x_y − max − log Σe^(x − max): a probability under 1e-20 gives about 46, not −log p",
           {"log_floor": 1e-20}),
          ("sum_not_mean", "sums over the batch; the loss and its gradient are means over N", {"mean": False})),
    *rows("losses.logistic_loss",
          ("unstable", "computes log σ(z) and log(1−σ(z)) directly: infinite for large |z|; use "
                       "log(1 + e^z) in a stable form", {"stable": False}),
          ("no_log1p", "computes the stable form's log(1 + e^(−|z|)) with log, not log1p (torch's and Keras' "
                       "form): a loss under 1e-16 rounds to 0 where its true value is e^(−|z|)", {"log1p": False}),
          ("sum_not_mean", "sums over the batch; the loss and its gradient are means over N", {"mean": False})),
    *rows("losses.mse_loss",
          ("missing_half", "leaves out the ½: the spec's loss is (1/2N)Σ‖pred − y‖²", {"half": False}),
          ("mean_over_elements", "divides by every element (N·D); the spec divides by the N rows",
           {"mean_over_elements": True})),
    *rows("losses.l2_regularization",
          ("missing_half", "leaves out the ½: the penalty is (λ/2m)‖W‖² with gradient (λ/m)W",
           {"half": False})),
]


def _quiet(function, *args, **mistake):
    """The oracle's (loss, grad); the unstable mistake forms overflow on purpose."""
    with np.errstate(all="ignore"):
        return function(*args, **mistake)


@st.composite
def scores_and_labels(draw, low=-10.0, high=10.0, max_n=5, max_classes=6):
    n, classes = draw(st.integers(1, max_n)), draw(st.integers(2, max_classes))
    return {"x": draw(arrays((n, classes), low, high)), "y": draw(labels(n, classes))}


@st.composite
def large_scores(draw):
    """Scores 1e3 ± 10, each row shifted up or down: exp overflows or underflows without the max trick."""
    case = draw(scores_and_labels())
    flips = draw(signs((case["x"].shape[0], 1)))
    return dict(case, x=case["x"] + 1e3 * flips)


@st.composite
def logits_and_targets(draw, low=-10.0, high=10.0, max_n=6):
    n = draw(st.integers(1, max_n))
    return {"z": draw(arrays((n,), low, high)), "y": draw(labels(n, 2))}


@st.composite
def large_logits(draw):
    """Logits ±(1e3 ± 10): σ(z) rounds to 0 or 1, so log σ and log(1 − σ) need the stable form."""
    case = draw(logits_and_targets())
    flips = draw(signs(case["z"].shape))
    return dict(case, z=case["z"] + 1e3 * flips)


@st.composite
def prediction_pairs(draw, rows=False, max_side=5):
    """pred and y of shape (N,), or (N, D) with D ≥ 2 (rows=True)."""
    n = draw(st.integers(1, max_side))
    shape = (n, draw(st.integers(2, max_side))) if rows else (n,)
    return {"pred": draw(arrays(shape)), "y": draw(arrays(shape))}


@st.composite
def penalties(draw, max_side=4, zeros=False):
    """W (any shape), λ ≥ 0 and m ≥ 1; zeros=True puts exact zeros among W's entries."""
    elements = floats(-5.0, 5.0) | st.just(0.0) if zeros else floats(-5.0, 5.0)
    shape = st.sampled_from([(3,), (2, 3), (max_side, 2), (2, 2, 2)])
    return {"W": draw(arrays(shape, elements=elements)),
            "lam": draw(floats(0.0, 5.0)), "m": draw(st.integers(1, 100))}


def _finite(ctx, value, name, inputs):
    """value as an array of finite real numbers (a relation's reference side); fails unless it is one."""
    try:
        array = np.asarray(value)
    except ValueError:
        array = None
    if array is None or array.dtype.kind not in "biuf":
        ctx.fail(f"{name} should hold real numbers; got {value!r:.80}", inputs=inputs)
    if not np.all(np.isfinite(array)):
        ctx.fail(f"{name} should be finite; got {value!r:.80}", inputs=inputs)
    return array


def _call(ctx, name, case):
    return ctx.call(f"losses.{name}", *case.values(), returns=2)


def _agrees(ctx, name, case, grad_label):
    """loss and gradient equal the oracle's (the oracle's mistake forms name a mismatch)."""
    loss, grad = _call(ctx, name, case)
    function = getattr(oracle, name)
    ctx.expect(loss, lambda **m: _quiet(function, *case.values(), **m)[0], inputs=case, label="loss")
    ctx.expect(grad, lambda **m: _quiet(function, *case.values(), **m)[1], inputs=case, label=grad_label)


def _matches_finite_differences(ctx, name, case, grad_label):
    """The gradient equals central differences of the submission's own loss in its first argument."""
    first, *rest = case
    loss, grad = _call(ctx, name, case)

    def loss_at(value):
        loss = _finite(ctx, ctx.call(f"losses.{name}", value.copy(), *[case[k] for k in rest], returns=2)[0],
                       "the loss", case)
        if loss.ndim != 0:
            ctx.fail(f"the loss should be a scalar; got an array of shape {loss.shape}", inputs=case)
        return float(loss)

    noun = "penalty" if "regularization" in name else "loss"
    expect_gradient(ctx, grad, lambda h: eval_numerical_gradient(loss_at, case[first].copy(), h=h), forward=loss,
                    inputs=case, label=f"vs finite differences of your {noun}, {grad_label}")


# --- softmax_loss ---------------------------------------------------------------------------------

SOFTMAX_TEXTBOOK = {"x": np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [-2.0, 0.0, 2.0]]),
                    "y": np.array([2, 0, 1])}


@check("losses.softmax_loss", "oracle", title="loss and gradient agree with the oracle", points=2,
       doc="mean cross-entropy over the N rows and dx = (softmax(x) − onehot(y))/N")
def softmax_agrees(ctx):
    ctx.falsify(scores_and_labels(), lambda case: _agrees(ctx, "softmax_loss", case, "dx"),
                examples=[SOFTMAX_TEXTBOOK])


@check("losses.softmax_loss", "large_scores", title="scores near ±1e3 give finite, correct values", points=1,
       kind="edge", doc="scores of ±(1e3 ± 10): subtract each row's maximum before exponentiating")
def softmax_large_scores(ctx):
    ctx.falsify(large_scores(), lambda case: _agrees(ctx, "softmax_loss", case, "dx"),
                examples=[{"x": SOFTMAX_TEXTBOOK["x"] + 1e3, "y": SOFTMAX_TEXTBOOK["y"]}])


@check("losses.softmax_loss", "finite_differences", title="dx matches finite differences of your loss", points=1,
       tol="finite_difference", kind="gradient", examples=0.4,
       doc=f"dx equals central differences (h = {DIFFERENCE_STEP:g}) of your own softmax loss")
def softmax_gradient(ctx):
    ctx.falsify(scores_and_labels(-5.0, 5.0, max_n=3, max_classes=4),
                lambda case: _matches_finite_differences(ctx, "softmax_loss", case, "dx"))


@check("losses.softmax_loss", "shift_invariance", title="adding a constant to a row's scores changes nothing", points=1,
       kind="metamorphic", doc="softmax(x + c) = softmax(x) row by row: loss and dx are unchanged")
def softmax_shift_invariance(ctx):
    @st.composite
    def shifted(draw):
        case = draw(scores_and_labels())
        return dict(case, shift=draw(arrays((case["x"].shape[0], 1), -50.0, 50.0)))

    def body(case):
        x, y, shift = case["x"], case["y"], case["shift"]
        loss, dx = ctx.call("losses.softmax_loss", x, y, returns=2)
        loss, dx = _finite(ctx, loss, "the loss", case), _finite(ctx, dx, "dx", case)
        loss_shifted, dx_shifted = ctx.call("losses.softmax_loss", x + shift, y, returns=2)
        ctx.expect(loss_shifted, loss, inputs=case, label="at x + shift (vs at x), loss")
        ctx.expect(dx_shifted, dx, inputs=case, label="at x + shift (vs at x), dx")
    ctx.falsify(shifted(), body)


# --- logistic_loss --------------------------------------------------------------------------------

LOGISTIC_TEXTBOOK = {"z": np.array([2.0, -1.0, 0.0, 0.5]), "y": np.array([1, 0, 1, 0])}


@check("losses.logistic_loss", "oracle", title="loss and gradient agree with the oracle", points=2,
       doc="mean binary cross-entropy of σ(z) over N and dz = (σ(z) − y)/N")
def logistic_agrees(ctx):
    ctx.falsify(logits_and_targets(), lambda case: _agrees(ctx, "logistic_loss", case, "dz"),
                examples=[LOGISTIC_TEXTBOOK])


@check("losses.logistic_loss", "large_logits", title="logits near ±1e3 give finite, correct values", points=1,
       kind="edge", doc="logits of ±(1e3 ± 10): compute log σ(z) = −log(1 + e^(−z)) stably (np.logaddexp)")
def logistic_large_logits(ctx):
    ctx.falsify(large_logits(), lambda case: _agrees(ctx, "logistic_loss", case, "dz"),
                examples=[{"z": np.array([1e3, -1e3, 1e3, -1e3]), "y": np.array([1, 0, 0, 1])}])


@check("losses.logistic_loss", "finite_differences", title="dz matches finite differences of your loss", points=1,
       tol="finite_difference", kind="gradient", examples=0.4,
       doc=f"dz equals central differences (h = {DIFFERENCE_STEP:g}) of your own logistic loss")
def logistic_gradient(ctx):
    ctx.falsify(logits_and_targets(max_n=4), lambda case: _matches_finite_differences(ctx, "logistic_loss", case, "dz"))


@check("losses.logistic_loss", "class_swap", title="swapping the classes (z → −z, y → 1 − y) changes nothing",
       points=0.5, kind="metamorphic", doc="1 − σ(z) = σ(−z): the loss is unchanged and dz changes sign")
def logistic_class_swap(ctx):
    def body(case):
        z, y = case["z"], case["y"]
        loss, dz = ctx.call("losses.logistic_loss", z, y, returns=2)
        loss, dz = _finite(ctx, loss, "the loss", case), _finite(ctx, dz, "dz", case)
        loss_swapped, dz_swapped = ctx.call("losses.logistic_loss", -z, 1 - y, returns=2)
        ctx.expect(loss_swapped, loss, inputs=case, label="at (−z, 1 − y) (vs at (z, y)), loss")
        ctx.expect(dz_swapped, -dz, inputs=case, label="at (−z, 1 − y) (vs −dz at (z, y)), dz")
    ctx.falsify(logits_and_targets(), body)


# --- mse_loss -------------------------------------------------------------------------------------

@check("losses.mse_loss", "oracle_vector", title="pred of shape (N,) agrees with the oracle", points=1,
       doc="(1/2N) Σ (predᵢ − yᵢ)² and dpred = (pred − y)/N")
def mse_vector(ctx):
    ctx.falsify(prediction_pairs(), lambda case: _agrees(ctx, "mse_loss", case, "dpred"),
                examples=[{"pred": np.array([1.0, 2.0, 3.0]), "y": np.array([1.0, 0.0, 5.0])}])


@check("losses.mse_loss", "oracle_rows", title="pred of shape (N, D) agrees with the oracle", points=1,
       doc="(1/2N) Σ ‖predᵢ − yᵢ‖² divides by the N rows, not by N·D; dpred = (pred − y)/N")
def mse_rows(ctx):
    ctx.falsify(prediction_pairs(rows=True), lambda case: _agrees(ctx, "mse_loss", case, "dpred"),
                examples=[{"pred": np.array([[1.0, 2.0], [3.0, 4.0]]), "y": np.array([[0.0, 2.0], [3.0, 2.0]])}])


@check("losses.mse_loss", "finite_differences", title="dpred matches finite differences of your loss", points=1,
       tol="finite_difference", kind="gradient", examples=0.4,
       doc=f"dpred equals central differences (h = {DIFFERENCE_STEP:g}) of your own loss")
def mse_gradient(ctx):
    ctx.falsify(st.booleans().flatmap(lambda rows: prediction_pairs(rows, max_side=3)),
                lambda case: _matches_finite_differences(ctx, "mse_loss", case, "dpred"))


# --- l2_regularization, l1_regularization ---------------------------------------------------------

PENALTY_TEXTBOOK = {"W": np.array([[1.0, -2.0], [0.0, 3.0]]), "lam": 0.1, "m": 4}


@check("losses.l2_regularization", "oracle", title="penalty and gradient agree with the oracle", points=2,
       doc="(λ/2m)‖W‖² and dW = (λ/m)W")
def l2_agrees(ctx):
    ctx.falsify(penalties(), lambda case: _agrees(ctx, "l2_regularization", case, "dW"),
                examples=[PENALTY_TEXTBOOK])


@check("losses.l2_regularization", "finite_differences", title="dW matches finite differences of your penalty",
       points=1, tol="finite_difference", kind="gradient", examples=0.4,
       doc=f"dW equals central differences (h = {DIFFERENCE_STEP:g}) of your own penalty")
def l2_gradient(ctx):
    ctx.falsify(penalties(max_side=3), lambda case: _matches_finite_differences(ctx, "l2_regularization", case, "dW"))


@check("losses.l1_regularization", "oracle", title="penalty and subgradient agree with the oracle", points=2,
       doc="(λ/m)Σ|W| and dW = (λ/m)sign(W)")
def l1_agrees(ctx):
    ctx.falsify(penalties(), lambda case: _agrees(ctx, "l1_regularization", case, "dW"),
                examples=[PENALTY_TEXTBOOK])


@check("losses.l1_regularization", "zero_subgradient", title="the subgradient is 0 where W = 0", points=1, kind="edge",
       doc="sign(0) = 0: entries of W equal to 0 get a zero subgradient")
def l1_zero_subgradient(ctx):
    def body(case):
        loss, dW = _call(ctx, "l1_regularization", case)
        zero = case["W"] == 0
        if np.shape(dW) != zero.shape:
            ctx.fail(f"dW should have W's shape {zero.shape}; got {np.shape(dW)}", inputs=case)
        ctx.expect(dW, np.where(zero, 0.0, dW), inputs=case, label="sign(0) = 0, so dW")
    ctx.falsify(penalties(zeros=True), body,
                examples=[{"W": np.zeros((2, 3)), "lam": 1.0, "m": 1}, PENALTY_TEXTBOOK])


@check("losses.l1_regularization", "finite_differences", title="dW matches finite differences away from 0", points=1,
       tol="finite_difference", kind="gradient",
       examples=0.4,
       doc=f"where no entry of W is near 0, dW equals central differences (h = {DIFFERENCE_STEP:g}) of your own "
           "penalty")
def l1_gradient(ctx):
    away_from_zero = penalties(max_side=3).map(
        lambda case: dict(case, W=case["W"] + np.where(case["W"] >= 0, 0.1, -0.1)))

    ctx.falsify(away_from_zero, lambda case: _matches_finite_differences(ctx, "l1_regularization", case, "dW"))


# --- where libraries depart: confident scores and logits, float64 (issue 10) ----------------------
# A cross-entropy taken as log(p + tiny) saturates at −log(tiny) (≈ 36 for tiny = 2.2e-16) once the
# correct class trails the top score by more than that; log σ(z) as log(1 + e^(−z)) without log1p
# loses every digit of a confident, correct logit's loss e^(−z) for z ≳ 20 (1 + e^(−z) rounds), which
# only a relative tolerance sees. Float64 inputs must give float64 outputs computed in float64.

from ..engine.dtypes import require_float64_arithmetic  # noqa: E402
from ..policy.tolerances import tolerance  # noqa: E402

GAPS = st.sampled_from([40.0, 100.0, 300.0, 700.0])


@st.composite
def confident_wrong_scores(draw):
    """One class per row leads the others by a gap past 36; the label is another class."""
    case = draw(scores_and_labels(-5.0, 5.0))
    n, classes = case["x"].shape
    top = draw(labels(n, classes))
    y = (top + 1 + draw(labels(n, classes - 1))) % classes
    x = case["x"] + draw(GAPS) * (np.arange(classes)[None, :] == top[:, None])
    return {"x": x, "y": y}


@check("losses.softmax_loss", "confident_wrong", title="a correct class far behind the top score", points=0.5,
       kind="edge",
       doc="the label's score trails the top one by 40…700: the loss is about that gap, where log(p + tiny) "
           "saturates near 36; take log p = x_y − logsumexp(x) directly")
def softmax_confident_wrong(ctx):
    ctx.falsify(confident_wrong_scores(), lambda case: _agrees(ctx, "softmax_loss", case, "dx"),
                examples=[{"x": np.array([[50.0, 0.0, -1.0], [0.0, 3.0, 40.0]]), "y": np.array([1, 0])}])


@st.composite
def confident_right_logits(draw):
    """|z| from 20 to 700 on the side of its label: each loss term is log(1 + e^(−|z|)) ≈ e^(−|z|)."""
    case = draw(logits_and_targets())
    z = draw(arrays(case["z"].shape, 20.0, 700.0)) * np.where(case["y"] == 1, 1.0, -1.0)
    return dict(case, z=z)


@check("losses.logistic_loss", "confident_right", title="confident, correct logits: the loss to relative precision",
       points=0.5, tol="relative", kind="edge",
       doc="|z| from 20 to 700 with y on z's side: the loss e^(−|z|) ≈ 1e-9…1e-304 must be right to relative "
           "precision (log1p(e^(−|z|)), np.logaddexp), not rounded to 0 by log(1 + e^(−|z|))")
def logistic_confident_right(ctx):
    def body(case):
        loss, _ = _call(ctx, "logistic_loss", case)
        ctx.expect(loss, lambda **m: _quiet(oracle.logistic_loss, *case.values(), **m)[0], inputs=case, label="loss")
    ctx.falsify(confident_right_logits(), body,
                examples=[{"z": np.array([30.0, -45.0, 700.0]), "y": np.array([1, 0, 1])}])


def _float64_check(name, grad_label, strategy, example, shows):
    @check(f"losses.{name}", "float64", title="float64 in, float64 out", points=0.25, kind="edge", examples=0.25,
           doc=f"float64 inputs give a float64 loss and gradient, computed in float64{shows}")
    def float64_out(ctx):
        def body(case):
            got = _call(ctx, name, case)
            require_float64_arithmetic(ctx, got, lambda values: _quiet(getattr(oracle, name), *values.values()),
                                       inputs=case, tol64=tolerance("float64"), tol32=tolerance("float64", "float32"),
                                       label=f"(loss, {grad_label})")
        ctx.falsify(strategy, body, examples=[example])


_float64_check("softmax_loss", "dx", scores_and_labels().map(lambda case: dict(case, x=case["x"] + 100.0)),
               {"x": SOFTMAX_TEXTBOOK["x"] + 100.0, "y": SOFTMAX_TEXTBOOK["y"]},
               ": on scores near 100, float32 arithmetic shows as an error ε₃₂·100 ≫ the float64 tolerance")
_float64_check("logistic_loss", "dz", logits_and_targets(), LOGISTIC_TEXTBOOK,
               " (float32 arithmetic on values of its range errs by ~ε₃₂ relative, within the float64 tolerance: "
               "the dtype is what tells it here)")
