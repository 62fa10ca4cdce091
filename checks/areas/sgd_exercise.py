"""Checks of sgd_exercise.py: the worked gradient-descent exercise.

Model h(x) = w₀ + w₁x₁ + w₂x₂, loss L(w) = ½ Σ (yᵢ − h(xᵢ))². Each function gets the textbook
numbers (w = (0, 1, 0.5), X = [[1, 2], [−2, 5], [0, 1]], y = (1, 6, 1), η = 0.01) and agreement
with the oracle on generated problems.
"""
import numpy as np
from hypothesis import strategies as st

from dlgrade.reference import sgd_exercise as oracle

from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.strategies import arrays, floats

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("sgd_exercise.loss",
          ("mean", "averages the squared residuals; the exercise's loss is ½Σ(yᵢ − h(xᵢ))²",
           {"reduction": "mean"}),
          ("missing_half", "sums the squared residuals without the ½", {"reduction": "sum"})),
    *rows("sgd_exercise.batch_gd_step",
          ("mean_gradient", "steps along the gradient of the mean loss; the exercise uses the summed ½Σ loss",
           {"reduction": "mean"}),
          ("bias_not_updated", "does not update the bias w₀ (its gradient is −Σ(yᵢ − h(xᵢ)))",
           {"bias_gradient": False})),
    *rows("sgd_exercise.sgd_epoch",
          ("stale_weights", "takes every row's gradient at the epoch's starting weights; SGD updates "
                            "after each row and uses the new weights for the next", {"stale_weights": True})),
]

W = np.array([0.0, 1.0, 0.5])
X = np.array([[1.0, 2.0], [-2.0, 5.0], [0.0, 1.0]])
Y = np.array([1.0, 6.0, 1.0])
LR = 0.01
BATCH_W = np.array([0.05, 0.88, 0.76])              # one batch step: L = 8.71335
SGD_W = np.array([0.047846, 0.8782, 0.761446])     # one SGD epoch: L ≈ 8.678060, lower
TEXTBOOK = {"w": W, "X": X, "y": Y, "lr": LR}


@st.composite
def problems(draw):
    n = draw(st.integers(1, 6))
    return {"w": draw(arrays((3,), -5.0, 5.0)), "X": draw(arrays((n, 2), -5.0, 5.0)),
            "y": draw(arrays((n,), -10.0, 10.0)), "lr": draw(floats(1e-4, 0.1))}


def _agreement(ctx, name, argument_names):
    def body(case):
        args = [case[k] for k in argument_names]
        got = ctx.call(f"sgd_exercise.{name}", *args)
        ctx.expect(got, lambda **m: getattr(oracle, name)(*args, **m),
                   inputs={k: case[k] for k in argument_names}, label=name)
    ctx.falsify(problems(), body, examples=[TEXTBOOK])


def _textbook(ctx, name, args, expected, label):
    got = ctx.call(f"sgd_exercise.{name}", *args)
    ctx.expect(got, lambda **m: getattr(oracle, name)(*args, **m) if m else expected,
               inputs=dict(zip(("w", "X", "y", "lr"), args)), label=label)


@check("sgd_exercise.predict", "textbook", title="the textbook exercise", points=1, tol="exercise", kind="exercise",
       examples=0,
       doc="w = (0, 1, 0.5): h((2, 3)) = 3.5 (a scalar for one sample), and (2, 0.5, 0.5) on the three rows")
def predict_textbook(ctx):
    _textbook(ctx, "predict", (W, np.array([2.0, 3.0])), 3.5, "h((2, 3))")
    _textbook(ctx, "predict", (W, X), np.array([2.0, 0.5, 0.5]), "predict(w, X)")


@check("sgd_exercise.predict", "oracle", title="agrees with the oracle", points=1, tol="float64",
       doc="h(x) = w₀ + w₁x₁ + w₂x₂ for each row of X (N, 2), and for a single sample of shape (2,) a scalar")
def predict_oracle(ctx):
    def body(case):
        w, X_ = case["w"], case["X"]
        for sample in (X_, X_[0]):
            got = ctx.call("sgd_exercise.predict", w, sample)
            ctx.expect(got, lambda sample=sample, **m: oracle.predict(w, sample, **m), inputs={"w": w, "X": sample},
                       label="h")
    ctx.falsify(problems(), body, examples=[TEXTBOOK])


@check("sgd_exercise.loss", "textbook", title="the textbook exercise", points=1, tol="exercise", kind="exercise",
       examples=0, doc="L = 15.75 at w = (0, 1, 0.5); 8.71335 after the batch step; ≈ 8.678060 after the SGD epoch")
def loss_textbook(ctx):
    _textbook(ctx, "loss", (W, X, Y), 15.75, "L(w)")
    _textbook(ctx, "loss", (BATCH_W, X, Y), 8.71335, "L after one batch step")
    _textbook(ctx, "loss", (SGD_W, X, Y), 8.678060, "L after one SGD epoch")


@check("sgd_exercise.loss", "oracle", title="agrees with the oracle", points=1, tol="float64",
       doc="L(w) = ½ Σ (yᵢ − h(xᵢ))² on generated w, X, y")
def loss_oracle(ctx):
    _agreement(ctx, "loss", ("w", "X", "y"))


@check("sgd_exercise.batch_gd_step", "textbook", title="the textbook exercise", points=1, tol="exercise",
       kind="exercise", examples=0,
       doc="one full-batch step from w = (0, 1, 0.5) with η = 0.01 gives w = (0.05, 0.88, 0.76)")
def batch_step_textbook(ctx):
    _textbook(ctx, "batch_gd_step", (W, X, Y, LR), BATCH_W, "w after one batch step")


@check("sgd_exercise.batch_gd_step", "oracle", title="agrees with the oracle", points=1, tol="float64",
       doc="w ← w + η Σᵢ (yᵢ − h(xᵢ))(1, xᵢ₁, xᵢ₂) on generated w, X, y, η")
def batch_step_oracle(ctx):
    _agreement(ctx, "batch_gd_step", ("w", "X", "y", "lr"))


@check("sgd_exercise.sgd_epoch", "textbook", title="the textbook exercise", points=1, tol="exercise", kind="exercise",
       examples=0, doc="one epoch of per-row updates gives w = (0.047846, 0.8782, 0.761446), L ≈ 8.678060: lower than "
           "the batch step's 8.71335")
def sgd_epoch_textbook(ctx):
    _textbook(ctx, "sgd_epoch", (W, X, Y, LR), SGD_W, "w after one SGD epoch")


@check("sgd_exercise.sgd_epoch", "oracle", title="agrees with the oracle", points=1, tol="float64",
       doc="one update per row, in order, each at the weights the previous row left, on generated problems")

def sgd_epoch_oracle(ctx):
    _agreement(ctx, "sgd_epoch", ("w", "X", "y", "lr"))
