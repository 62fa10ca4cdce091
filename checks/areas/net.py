"""Checks of net.py: the loss and backprop of a multilayer perceptron.

mlp_loss is compared with the oracle (loss and every gradient) on generated networks of 1 to 3
layers with ReLU, tanh or sigmoid; its L2 penalty is isolated as the change between reg and
reg = 0; and its gradients are checked against central differences of its own loss.
"""
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from dlgrade.reference import net as oracle
from dlgrade.reference.gradient_check import eval_numerical_gradient

from ..engine.compare import difference
from ..engine.differences import expect_gradient
from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.strategies import arrays, floats, labels
from ..policy.tolerances import DIFFERENCE_STEP, tolerance

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("net.mlp_loss",
          ("reg_missing_half", "adds reg·Σ‖W‖² (gradient 2·reg·W); the spec's penalty is (reg/2)·Σ‖W‖²",
           {"reg_half": False}),
          ("reg_biases", "regularizes the biases too; only the weights W_l are penalized",
           {"reg_biases": True})),
]

ACTIVATIONS = ("relu", "tanh", "sigmoid")


@st.composite
def networks(draw, reg=floats(0.0, 1.0)):
    """params {W1, b1, …, WL, bL} of 1–3 layers (widths ≤ 5, 2–4 classes), X (N, d0), y, activation, reg."""
    n_layers = draw(st.integers(1, 3))
    dims = [draw(st.integers(1, 5)) for _ in range(n_layers)] + [draw(st.integers(2, 4))]
    params = {}
    for layer in range(1, n_layers + 1):
        params[f"W{layer}"] = draw(arrays((dims[layer - 1], dims[layer]), -1.0, 1.0))
        params[f"b{layer}"] = draw(arrays((dims[layer],), -1.0, 1.0))
    n = draw(st.integers(1, 5))
    return {"params": params, "X": draw(arrays((n, dims[0]), -2.0, 2.0)), "y": draw(labels(n, dims[-1])),
            "activation": draw(st.sampled_from(ACTIVATIONS)), "reg": draw(reg)}


@st.composite
def small_networks(draw):
    """Networks of widths ≤ 3 with generic (seeded normal) values: no ReLU kink sits at a drawn point."""
    n_layers = draw(st.integers(1, 3))
    dims = [draw(st.integers(1, 3)) for _ in range(n_layers)] + [draw(st.integers(2, 3))]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = {}
    for layer in range(1, n_layers + 1):
        params[f"W{layer}"] = rng.normal(size=(dims[layer - 1], dims[layer]))
        params[f"b{layer}"] = 0.5 * rng.normal(size=dims[layer])
    n = draw(st.integers(1, 4))
    return {"params": params, "X": rng.normal(size=(n, dims[0])), "y": rng.integers(0, dims[-1], size=n),
            "activation": draw(st.sampled_from(ACTIVATIONS)), "reg": draw(st.sampled_from([0.0, 0.3]))}


def _student(ctx, case, reg=None):
    """(loss, grads) of the student's mlp_loss on the case (with reg replaced if given)."""
    reg = case["reg"] if reg is None else reg
    loss, grads = ctx.call("net.mlp_loss", case["params"], case["X"], case["y"], case["activation"], reg,
                           returns=2)
    if np.ndim(loss) != 0 or np.asarray(loss).dtype.kind not in "iuf" or not isinstance(grads, dict):
        ctx.fail("mlp_loss should return (loss, grads): loss a number, grads a dict keyed like params",
                 inputs={**case, "reg": reg})
    return {"loss": float(loss), "grads": grads}


def _oracle(case, reg=None, **mistake):
    loss, grads = oracle.mlp_loss(case["params"], case["X"], case["y"], case["activation"],
                                  case["reg"] if reg is None else reg, **mistake)
    return {"loss": loss, "grads": grads}


@check("net.mlp_loss", "oracle", title="agrees with the oracle", points=3, tol="float64",
       doc="loss and every gradient for 1–3 layers, relu/tanh/sigmoid, reg ≥ 0")
def mlp_loss_oracle(ctx):
    def body(case):
        ctx.expect(_student(ctx, case), lambda **m: _oracle(case, **m), inputs=case, label="")
    ctx.falsify(networks(), body)


@check("net.mlp_loss", "penalty", title="the L2 penalty (reg/2)·Σ‖W‖² on the weights only", points=1, tol="float64",
       kind="metamorphic",
       doc="going from reg = 0 to reg > 0 adds (reg/2)·Σ‖W_l‖² to the loss and reg·W_l to each dW_l; biases "
           "are not penalised")
def mlp_loss_penalty(ctx):
    def body(case):
        with_reg, without = _student(ctx, case), _student(ctx, case, reg=0.0)
        got = {"loss": with_reg["loss"] - without["loss"],
               "grads": {k: np.asarray(with_reg["grads"].get(k)) - np.asarray(without["grads"].get(k))
                         for k in case["params"]}}

        def change(**m):
            a, b = _oracle(case, **m), _oracle(case, reg=0.0, **m)
            return {"loss": a["loss"] - b["loss"], "grads": {k: a["grads"][k] - b["grads"][k] for k in a["grads"]}}
        ctx.expect(got, change, inputs=case, label="change from reg = 0")
    ctx.falsify(networks(floats(0.05, 2.0)), body)


@check("net.mlp_loss", "finite_differences", title="gradients match finite differences of your loss", points=2,
       tol="finite_difference", kind="gradient",
       examples=0.4,
       doc=f"every entry of grads equals the central difference (h = {DIFFERENCE_STEP:g}) of your own loss")
def mlp_loss_finite_differences(ctx):
    def body(case):
        params = case["params"]

        def numerical(loss_of, h=DIFFERENCE_STEP):
            return {key: eval_numerical_gradient(lambda v, key=key: loss_of({**params, key: v}), value.copy(), h=h)
                    for key, value in params.items()}

        def oracle_loss(p):
            return _oracle(dict(case, params=p))["loss"]
        # skip the rare draw with a ReLU kink within h of a point (where differences are meaningless)
        assume(difference(_oracle(case)["grads"], numerical(oracle_loss), tolerance("finite_difference")) is None)
        got = _student(ctx, case)
        def student_loss(p):
            return _student(ctx, dict(case, params=p))["loss"]
        expect_gradient(ctx, got["grads"], lambda h: numerical(student_loss, h), forward=got["loss"], inputs=case,
                        label="grads (expected: central differences of your loss)")

    ctx.falsify(small_networks(), body)
