"""The worked gradient-descent exercise, number for number, and its named mistakes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlgrade.reference import sgd_exercise as ex
from dlgrade.reference.gradient_check import eval_numerical_gradient

W = np.array([0.0, 1.0, 0.5])
X = np.array([[1.0, 2.0], [-2.0, 5.0], [0.0, 1.0]])
Y = np.array([1.0, 6.0, 1.0])
LR = 0.01


def test_a_prediction_for_one_sample_is_a_scalar():
    out = ex.predict(W, np.array([2.0, 3.0]))
    assert np.ndim(out) == 0
    assert out == pytest.approx(3.5, abs=1e-15)
    np.testing.assert_allclose(ex.predict(W, X), [2.0, 0.5, 0.5], atol=1e-15)


def test_b_loss():
    assert ex.loss(W, X, Y) == pytest.approx(15.75, abs=1e-12)


def test_c_d_one_batch_step_lowers_the_loss():
    w = ex.batch_gd_step(W, X, Y, LR)
    np.testing.assert_allclose(w, [0.05, 0.88, 0.76], atol=1e-12)
    assert ex.loss(w, X, Y) == pytest.approx(8.71335, abs=1e-10)
    np.testing.assert_array_equal(W, [0.0, 1.0, 0.5])  # input untouched


def test_e_one_sgd_epoch_ends_lower_than_the_batch_step():
    w = ex.sgd_epoch(W, X, Y, LR)
    # rows in order: (−0.01, 0.99, 0.48) → (0.0459, 0.8782, 0.7595) → (0.047846, 0.8782, 0.761446)
    np.testing.assert_allclose(w, [0.047846, 0.8782, 0.761446], atol=1e-12)
    sgd_loss = ex.loss(w, X, Y)
    assert sgd_loss == pytest.approx(8.678060, abs=5e-7)
    assert sgd_loss < ex.loss(ex.batch_gd_step(W, X, Y, LR), X, Y)


@given(arrays(np.float64, (3,), elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False,
                                                      allow_subnormal=False), fill=st.nothing()),
       st.sampled_from(["half_sum", "sum", "mean"]))
def test_gradient_matches_finite_differences(w, reduction):
    numerical = eval_numerical_gradient(lambda v: ex.loss(v, X, Y, reduction=reduction), w.copy())
    gradient = w - ex.batch_gd_step(w, X, Y, 1.0, reduction=reduction)  # a unit step is −∂L/∂w
    np.testing.assert_allclose(gradient, numerical, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(ex.batch_gd_step(w, X, Y, LR, reduction=reduction),
                               w - LR * numerical, rtol=1e-9, atol=1e-9)


MISTAKES = [
    ("loss", (W, X, Y), {"reduction": "mean"}, 10.5),                # (1 + 30.25 + 0.25) / 3
    ("loss", (W, X, Y), {"reduction": "sum"}, 31.5),
    ("batch_gd_step", (W, X, Y, LR), {"reduction": "mean"}, [0.1 / 3, 0.92, 0.5 + 0.52 / 3]),
    ("batch_gd_step", (W, X, Y, LR), {"reduction": "sum"}, [0.1, 0.76, 1.02]),
    ("batch_gd_step", (W, X, Y, LR), {"bias_gradient": False}, [0.0, 0.88, 0.76]),
    ("sgd_epoch", (W, X, Y, LR), {"stale_weights": True}, [0.05, 0.88, 0.76]),  # = the batch step
]


@pytest.mark.parametrize("name, args, kwargs, expected", MISTAKES,
                         ids=[f"{m[0]}-{m[2]}" for m in MISTAKES])
def test_named_mistakes_give_their_own_numbers(name, args, kwargs, expected):
    fn = getattr(ex, name)
    np.testing.assert_allclose(fn(*args, **kwargs), expected, atol=1e-12)
    assert not np.allclose(fn(*args, **kwargs), fn(*args), atol=1e-6)
