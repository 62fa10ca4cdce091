"""The oracle's losses against torch, closed forms and central finite differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlgrade.reference import losses
from dlgrade.reference._core import losses as core
from dlgrade.reference.gradient_check import eval_numerical_gradient

torch = pytest.importorskip("torch")
F = torch.nn.functional


def floats(bound):
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def float_arrays(shape, bound):
    return arrays(np.float64, shape, elements=floats(bound), fill=st.nothing())


@st.composite
def scores_and_labels(draw, bound=20.0):
    n, c = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    x = draw(float_arrays((n, c), bound))
    y = draw(arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return x, y


@st.composite
def logits_and_targets(draw, bound=1e3):
    n = draw(st.integers(1, 8))
    return draw(float_arrays((n,), bound)), draw(arrays(np.int64, (n,), elements=st.integers(0, 1)))


@st.composite
def prediction_pairs(draw):
    shape = draw(st.sampled_from([(1,), (5,), (1, 1), (3, 4), (6, 2)]))
    return draw(float_arrays(shape, 10.0)), draw(float_arrays(shape, 10.0))


def torch_value_and_grad(loss_fn, x):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    value = loss_fn(xt)
    value.backward()
    return value.item(), xt.grad.numpy()


def assert_matches_finite_differences(loss_fn, x, tol=1e-7):
    _, grad = loss_fn(x)
    numerical = eval_numerical_gradient(lambda v: loss_fn(v)[0], x.copy())
    np.testing.assert_allclose(grad, numerical, rtol=tol, atol=tol)


# ---------------------------------------------------------------- torch

@given(scores_and_labels(), st.sampled_from([0.0, 700.0, -1e3]))
def test_softmax_loss_matches_torch_cross_entropy(data, offset):
    x, y = data
    x = x + offset  # a common shift leaves softmax unchanged and must not overflow
    loss, dx = losses.softmax_loss(x, y)
    expected, expected_dx = torch_value_and_grad(lambda t: F.cross_entropy(t, torch.tensor(y)), x)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-14)


@given(logits_and_targets())
def test_logistic_loss_matches_torch_bce_with_logits_up_to_1e3(data):
    z, y = data
    loss, dz = losses.logistic_loss(z, y)
    target = torch.tensor(y, dtype=torch.float64)
    expected, expected_dz = torch_value_and_grad(
        lambda t: F.binary_cross_entropy_with_logits(t, target), z)
    assert np.isfinite(loss) and np.all(np.isfinite(dz))
    np.testing.assert_allclose(loss, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dz, expected_dz, rtol=1e-12, atol=1e-14)


def test_logistic_loss_extreme_logits_exact():
    z = np.array([1e3, -1e3, 1e3, -1e3])
    y = np.array([1, 0, 0, 1])
    loss, dz = losses.logistic_loss(z, y)
    assert loss == pytest.approx((1e3 + 1e3) / 4, rel=1e-15)
    np.testing.assert_array_equal(dz, np.array([0.0, 0.0, 1.0, -1.0]) / 4)


@given(prediction_pairs())
def test_mse_loss_matches_torch_mse_loss(data):
    pred, y = data
    n = pred.shape[0]
    elements_per_row = pred.size // n
    loss, dpred = losses.mse_loss(pred, y)
    target = torch.tensor(y, dtype=torch.float64)
    # torch's mean is over all N·D elements; the spec halves and divides by the rows only
    expected, expected_dpred = torch_value_and_grad(
        lambda t: F.mse_loss(t, target) * elements_per_row / 2, pred)
    np.testing.assert_allclose(loss, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dpred, expected_dpred, rtol=1e-12, atol=1e-14)
    assert loss == pytest.approx(np.sum((pred - y) ** 2) / (2 * n), rel=1e-12, abs=1e-14)


# ---------------------------------------------------------------- penalties

@given(float_arrays((3, 4), 5.0), st.floats(0.0, 2.0), st.integers(1, 50))
def test_l2_regularization_closed_form(W, lam, m):
    penalty, dW = losses.l2_regularization(W, lam, m)
    assert penalty == pytest.approx(lam / (2 * m) * np.sum(W ** 2), rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(dW, lam / m * W, rtol=1e-14)


@given(float_arrays((3, 4), 5.0), st.floats(0.0, 2.0), st.integers(1, 50))
def test_l1_regularization_closed_form(W, lam, m):
    penalty, dW = losses.l1_regularization(W, lam, m)
    assert penalty == pytest.approx(lam / m * np.sum(np.abs(W)), rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(dW, lam / m * np.sign(W), rtol=1e-14)


def test_l1_subgradient_is_zero_at_zero():
    _, dW = losses.l1_regularization(np.array([-2.0, 0.0, 3.0]), 0.5, 2)
    np.testing.assert_array_equal(dW, [-0.25, 0.0, 0.25])


# ---------------------------------------------------------------- finite differences

@given(scores_and_labels(bound=10.0))
def test_softmax_gradient_matches_finite_differences(data):
    x, y = data
    assert_matches_finite_differences(lambda v: losses.softmax_loss(v, y), x)


@given(logits_and_targets(bound=30.0))
def test_logistic_gradient_matches_finite_differences(data):
    z, y = data
    assert_matches_finite_differences(lambda v: losses.logistic_loss(v, y), z)


@given(prediction_pairs())
def test_mse_gradient_matches_finite_differences(data):
    pred, y = data
    assert_matches_finite_differences(lambda v: losses.mse_loss(v, y), pred, tol=1e-6)


@given(float_arrays((2, 3), 5.0))
def test_l2_gradient_matches_finite_differences(W):
    assert_matches_finite_differences(lambda v: losses.l2_regularization(v, 0.3, 7), W)


@given(arrays(np.float64, (2, 3), elements=st.one_of(st.floats(0.01, 5.0), st.floats(-5.0, -0.01)),
              fill=st.nothing()))
def test_l1_gradient_matches_finite_differences_away_from_zero(W):
    assert_matches_finite_differences(lambda v: losses.l1_regularization(v, 0.3, 7), W)


# ---------------------------------------------------------------- named mistakes

RNG = np.random.default_rng(0)
SCORES, LABELS = np.array([[1e3, 0.0, -5.0], [2.0, 1.0, 0.5]]), np.array([1, 0])
LOGITS, TARGETS = np.array([-50.0, 2.0, 60.0]), np.array([1, 0, 0])
PRED, Y = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
W = RNG.normal(size=(3, 5))

MISTAKES = [
    ("softmax_loss", (SCORES, LABELS), {"stable": False}, None),
    ("softmax_loss", (SCORES, LABELS), {"mean": False}, lambda loss, grad: (2 * loss, 2 * grad)),
    ("logistic_loss", (LOGITS, TARGETS), {"stable": False}, None),
    ("logistic_loss", (LOGITS, TARGETS), {"mean": False}, lambda loss, grad: (3 * loss, 3 * grad)),
    ("mse_loss", (PRED, Y), {"half": False}, lambda loss, grad: (2 * loss, 2 * grad)),
    ("mse_loss", (PRED, Y), {"mean_over_elements": True}, lambda loss, grad: (loss / 3, grad / 3)),
    ("l2_regularization", (W, 0.5, 4), {"half": False}, lambda loss, grad: (2 * loss, 2 * grad)),
]


@pytest.mark.parametrize("name, args, kwargs, relation", MISTAKES,
                         ids=[f"{m[0]}-{next(iter(m[2]))}" for m in MISTAKES])
def test_named_mistake_differs_from_spec(name, args, kwargs, relation):
    fn = getattr(losses, name)
    spec_loss, spec_grad = fn(*args)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        wrong_loss, wrong_grad = fn(*args, **kwargs)
    assert np.isfinite(spec_loss) and np.all(np.isfinite(spec_grad))
    if relation is None:  # the naive forms overflow where the spec stays finite
        assert not np.isfinite(wrong_loss)
    else:
        expected_loss, expected_grad = relation(spec_loss, spec_grad)
        assert wrong_loss == pytest.approx(expected_loss, rel=1e-12)
        np.testing.assert_allclose(wrong_grad, expected_grad, rtol=1e-12)
        assert wrong_loss != pytest.approx(spec_loss, rel=1e-6)


@pytest.mark.parametrize("name, args", [("softmax_loss", (SCORES[1:] * 3, LABELS[1:])),
                                        ("logistic_loss", (LOGITS[1:2], TARGETS[1:2]))])
def test_naive_forms_agree_with_spec_on_moderate_inputs(name, args):
    fn = getattr(losses, name)
    np.testing.assert_allclose(fn(*args, stable=False)[0], fn(*args)[0], rtol=1e-12)


# ---------------------------------------------------------------- array namespaces

CORE_CASES = [
    ("softmax_loss", lambda: (np.random.default_rng(1).normal(size=(4, 3)) * 5, np.array([0, 2, 1, 2]))),
    ("logistic_loss", lambda: (np.array([-1e3, -3.0, 0.5, 1e3]), np.array([1, 0, 1, 1]))),
    ("mse_loss", lambda: (np.random.default_rng(2).normal(size=(4, 2)),
                          np.random.default_rng(3).normal(size=(4, 2)))),
    ("l2_regularization", lambda: (np.random.default_rng(4).normal(size=(3, 2)), 0.1, 5)),
    ("l1_regularization", lambda: (np.array([[-1.5, 0.0], [2.0, 0.25]]), 0.1, 5)),
]


@pytest.mark.parametrize("name, make_args", CORE_CASES, ids=[c[0] for c in CORE_CASES])
def test_core_runs_under_array_api_strict(name, make_args):
    xps = pytest.importorskip("array_api_strict")
    args = make_args()
    strict_args = [xps.asarray(a, dtype=xps.int64 if a.dtype.kind == "i" else xps.float64)
                   if isinstance(a, np.ndarray) else a for a in args]
    fn = getattr(core, name)
    loss, grad = fn(*strict_args)
    expected_loss, expected_grad = fn(*args)
    assert loss.shape == () and grad.dtype == xps.float64
    assert float(loss) == pytest.approx(float(expected_loss), rel=1e-14)
    np.testing.assert_allclose(np.from_dlpack(grad), expected_grad, rtol=1e-14)


@pytest.mark.gpu
def test_core_losses_run_on_cupy():
    cupy = pytest.importorskip("cupy")
    x, y = CORE_CASES[0][1]()
    z, t = CORE_CASES[1][1]()
    for fn, args in [(core.softmax_loss, (x, y)), (core.logistic_loss, (z, t))]:
        loss, grad = fn(*(cupy.asarray(a) for a in args))
        assert isinstance(grad, cupy.ndarray)
        expected_loss, expected_grad = fn(*args)
        assert float(loss) == pytest.approx(float(expected_loss), rel=1e-12)
        np.testing.assert_allclose(cupy.asnumpy(grad), expected_grad, rtol=1e-12, atol=1e-15)
