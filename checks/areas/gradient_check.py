"""Checks of gradient_check.py: numerical gradients and the relative error.

The student's checker receives a grader-side f (it runs here; each call gets a copy of the
student's x). On a quadratic the central difference is exact up to rounding, so it must agree
with the oracle to 1e-8 while a forward difference is off by ~h·f''; on a cubic c·x³ its error
is exactly c·h², so dividing h by 10 divides the error by 100 (a forward difference's: by 10).
"""
import numpy as np
from hypothesis import strategies as st

from dlgrade.reference import gradient_check as oracle

from ..engine.compare import difference
from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.strategies import arrays, floats, shapes, signs

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("gradient_check.eval_numerical_gradient",
          ("forward_difference", "uses the forward difference (f(x+h) − f(x))/h, error O(h); the central "
                                 "difference (f(x+h) − f(x−h))/2h has error O(h²)", {"scheme": "forward"}),
          ("not_restored", "leaves x perturbed on return; restore each entry after perturbing it",
           {"restore": False})),
    *rows("gradient_check.eval_numerical_gradient_array",
          ("forward_difference", "uses the forward difference; use (f(x+h) − f(x−h))/2h",
           {"scheme": "forward"})),
]

NOT_RESTORED = "gradient_check.eval_numerical_gradient:not_restored"
STEPS = st.sampled_from([None, 1e-5, 1e-4, 1e-3])  # None: the call leaves h to its default
COARSE, FINE = 1e-2, 1e-3                          # the two steps of the convergence-order checks
ORDER_BAND = (50.0, 200.0)                         # error(COARSE)/error(FINE): 100 for O(h²), ~10 for O(h)


def _step(h):
    return {} if h is None else {"h": h}


def _quadratic(a, b, c):
    """f(x) = ½ Σ a·x² + Σ b·x + ½ c·(Σ x)²: a central difference is exact on it up to rounding."""
    return lambda x: float(0.5 * np.sum(a * x * x) + np.sum(b * x) + 0.5 * c * np.sum(x) ** 2)


@st.composite
def quadratics(draw):
    shape = draw(shapes(1, 2, 1, 4))
    return {"x": draw(arrays(shape, -2.0, 2.0)), "a": draw(arrays(shape, 0.5, 2.0)),
            "b": draw(arrays(shape, -2.0, 2.0)), "c": draw(floats(-1.0, 1.0)), "h": draw(STEPS)}


@st.composite
def quadratic_maps(draw):
    """x (n, d), f(x) = (a·x²) W + x V of shape (n, m), and the upstream gradient df (n, m)."""
    n, d, m = draw(st.tuples(*[st.integers(1, 3)] * 3))
    return {"x": draw(arrays((n, d), -1.0, 1.0)), "a": draw(arrays((n, d), 0.5, 2.0)),
            "W": draw(arrays((d, m), -1.0, 1.0)), "V": draw(arrays((d, m), -1.0, 1.0)),
            "df": draw(arrays((n, m), -1.0, 1.0)), "h": draw(STEPS)}


@st.composite
def cubics(draw):
    """x with |x| ≥ 0.5 (so a forward difference's h·f'' term shows), c ≥ 0.5, b, df of x's shape."""
    shape = draw(shapes(1, 2, 1, 4))
    magnitude = arrays(shape, 0.5, 2.0)
    sign = signs(shape)
    return {"x": draw(magnitude) * draw(sign), "c": draw(arrays(shape, 0.5, 2.0)),
            "b": draw(arrays(shape, -2.0, 2.0)), "df": draw(magnitude) * draw(sign)}


def _expect_second_order(ctx, errors, what, mistake):
    """Fail unless the error fell by ~100 from h = COARSE to h = FINE."""
    coarse, fine = errors
    ratio = coarse / fine if fine > 0 else np.inf
    if ORDER_BAND[0] <= ratio <= ORDER_BAND[1]:
        return
    hint = ""
    if 0.5 <= ratio <= 2:
        hint = "; the error did not change with h: does your function use the h it is given?"
    ctx.fail(f"on {what} the error of your numerical gradient went from {coarse:.3g} (h = {COARSE:g}) to "
             f"{fine:.3g} (h = {FINE:g}), a factor of {ratio:.3g}; a central difference's error is c·h², "
             f"so it must fall by a factor of 100{hint}",
             mistake=mistake if 5 <= ratio <= 20 else None)


# --- eval_numerical_gradient -------------------------------------------------------------------

@check("gradient_check.eval_numerical_gradient", "quadratic", title="exact on quadratics", points=2,
       tol="gradient_check",
       doc="on f(x) = ½Σa·x² + Σb·x + ½c(Σx)² a central difference is exact up to rounding, for the default "
           "h and given ones")
def numerical_gradient_quadratic(ctx):
    def body(case):
        x, h = case["x"], case["h"]
        f = _quadratic(case["a"], case["b"], case["c"])
        got = ctx.call("gradient_check.eval_numerical_gradient", f, x, **_step(h))
        ctx.expect(got, lambda **m: oracle.eval_numerical_gradient(f, x.copy(), **_step(h), **m),
                   inputs={"f": "½Σa·x² + Σb·x + ½c(Σx)²", **case}, label="grad")
    ctx.falsify(quadratics(), body)


@check("gradient_check.eval_numerical_gradient", "order_h2", title="error shrinks as O(h²)", points=1,
       tol="gradient_check", kind="metamorphic",
       doc=f"on f(x) = Σc·x³ + Σb·x the error is c·h²: from h = {COARSE:g} to {FINE:g} it falls by ~100 "
           "(a forward difference's by ~10)")
def numerical_gradient_order(ctx):
    def body(case):
        x, c, b = case["x"], case["c"], case["b"]
        exact = 3 * c * x * x + b
        errors = [np.max(np.abs(np.asarray(ctx.call("gradient_check.eval_numerical_gradient",
                                                    lambda v: float(np.sum(c * v ** 3 + b * v)), x, h=h)) - exact))
                  for h in (COARSE, FINE)]
        _expect_second_order(ctx, errors, "f(x) = Σc·x³ + Σb·x",
                       "gradient_check.eval_numerical_gradient:forward_difference")
    ctx.falsify(cubics(), body)


@check("gradient_check.eval_numerical_gradient", "restores_x", title="x holds its values on return", points=1,
       tol="float64",
       kind="edge", doc="x may be perturbed in place during the call but must hold its original values after it")
def numerical_gradient_restores_x(ctx):
    def body(case):
        x = case["x"]
        f = _quadratic(case["a"], case["b"], case["c"])
        _, args_after = ctx.call("gradient_check.eval_numerical_gradient", f, x, return_args=True)
        changed = difference(args_after[1], x, ctx.tol, "x")
        if changed:
            ctx.fail(f"x was left changed by the call: {changed}", inputs={"x": x}, mistake=NOT_RESTORED)
    ctx.falsify(quadratics(), body)


# --- eval_numerical_gradient_array -------------------------------------------------------------

@check("gradient_check.eval_numerical_gradient_array", "quadratic", title="exact on quadratic maps", points=2,
       tol="gradient_check",
       doc="on f(x) = (a·x²)W + xV (shape (n, m), unlike x's) it gives ∂(Σf·df)/∂x exactly up to rounding")
def array_gradient_quadratic(ctx):
    def body(case):
        x, df, h = case["x"], case["df"], case["h"]
        a, W, V = case["a"], case["W"], case["V"]

        def f(v):
            return (a * v * v) @ W + v @ V
        got = ctx.call("gradient_check.eval_numerical_gradient_array", f, x, df, **_step(h))
        ctx.expect(got, lambda **m: oracle.eval_numerical_gradient_array(f, x.copy(), df, **_step(h), **m),
                   inputs={"f": "(a·x²)W + xV", **case}, label="grad")
    ctx.falsify(quadratic_maps(), body)


@check("gradient_check.eval_numerical_gradient_array", "order_h2", title="error shrinks as O(h²)", points=1,
       tol="gradient_check", kind="metamorphic",
       doc=f"on the elementwise f(x) = c·x³ the error is c·h²·df: from h = {COARSE:g} to {FINE:g} it falls by ~100")
def array_gradient_order(ctx):
    def body(case):
        x, c, df = case["x"], case["c"], case["df"]
        exact = 3 * c * x * x * df
        errors = [np.max(np.abs(np.asarray(ctx.call("gradient_check.eval_numerical_gradient_array",
                                                    lambda v: c * v ** 3, x, df, h=h)) - exact))
                  for h in (COARSE, FINE)]
        _expect_second_order(ctx, errors, "the elementwise f(x) = c·x³",
                       "gradient_check.eval_numerical_gradient_array:forward_difference")
    ctx.falsify(cubics(), body)


# --- rel_error ---------------------------------------------------------------------------------

_ENTRIES = st.one_of(floats(-10.0, 10.0), st.just(0.0), floats(-1e-8, 1e-8))


@st.composite
def error_pairs(draw):
    """(a, b): independent, or b a small relative perturbation of a; zeros and |a|+|b| < 1e-8 included."""
    shape = draw(shapes(1, 2, 1, 5))
    a = draw(arrays(shape, elements=_ENTRIES))
    if draw(st.booleans()):
        return {"a": a, "b": draw(arrays(shape, elements=_ENTRIES))}
    return {"a": a, "b": a * (1 + draw(arrays(shape, -1e-3, 1e-3)))}


def _expect_rel_error(ctx, case):
    got = ctx.call("gradient_check.rel_error", case["a"], case["b"])
    ctx.expect(got, lambda **m: oracle.rel_error(case["a"], case["b"], **m), inputs=case, label="rel_error")


@check("gradient_check.rel_error", "oracle", title="agrees with the oracle", points=1, tol="float64",
       doc="max over entries of |a − b| / max(1e-8, |a| + |b|), on near and far pairs with zeros and tiny entries")
def rel_error_oracle(ctx):
    ctx.falsify(error_pairs(), lambda case: _expect_rel_error(ctx, case))


REL_ERROR_EDGES = [
    {"a": np.zeros(3), "b": np.zeros(3)},                             # 0, not 0/0
    {"a": np.array([1e-9, 0.0]), "b": np.array([-1e-9, 0.0])},        # the floor: 2e-9 / 1e-8 = 0.2
    {"a": np.array([1.0, 0.0, 2.0]), "b": np.array([3.0, 0.0, 2.0])},  # entrywise, then max: 0.5
    {"a": np.array([100.0, 1.0]), "b": np.array([101.0, 2.0])},       # not max|a−b|/max(|a|+|b|): 1/3
]


@check("gradient_check.rel_error", "floor", title="the 1e-8 floor and zeros", points=1, tol="float64", kind="edge",
       examples=0, doc="rel_error(0, 0) = 0, |a| + |b| below 1e-8 is floored at 1e-8, the ratio is taken per entry")

def rel_error_edges(ctx):
    for case in REL_ERROR_EDGES:
        _expect_rel_error(ctx, case)
