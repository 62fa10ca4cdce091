"""The oracle's finite differences: exactness, error order, in-place safety, rel_error."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlgrade.reference.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

RNG = np.random.default_rng(0)
A = RNG.normal(size=(4, 4))
SYMMETRIC = A + A.T
B = RNG.normal(size=4)


def quadratic(x):
    return 0.5 * x @ SYMMETRIC @ x + B @ x


def cubic(x):
    return np.sum(x ** 3)


@given(arrays(np.float64, (4,), elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False,
                                                      allow_subnormal=False), fill=st.nothing()))
def test_central_differences_exact_on_a_quadratic(x):
    numerical = eval_numerical_gradient(quadratic, x.copy())
    np.testing.assert_allclose(numerical, SYMMETRIC @ x + B, rtol=0, atol=1e-9)


def truncation_error(scheme, h):
    x = np.array([0.5, -1.0, 2.0])
    return np.max(np.abs(eval_numerical_gradient(cubic, x, h=h, scheme=scheme) - 3 * x ** 2))


def test_central_error_shrinks_as_h_squared_forward_as_h():
    # central: ((x+h)³ − (x−h)³)/2h = 3x² + h²;  forward: ((x+h)³ − x³)/h = 3x² + 3xh + h²
    assert truncation_error("central", 1e-2) == pytest.approx(1e-4, rel=1e-6)
    assert truncation_error("central", 1e-2) / truncation_error("central", 1e-3) == pytest.approx(100, rel=1e-3)
    assert truncation_error("forward", 1e-2) / truncation_error("forward", 1e-3) == pytest.approx(10, rel=1e-2)
    assert truncation_error("forward", 1e-3) > 100 * truncation_error("central", 1e-3)


def test_x_holds_its_values_on_return_and_is_perturbed_in_place():
    x = np.array([[1.0, -2.0], [0.25, 3.0]])
    original = x.copy()
    seen = []

    def f(v):
        seen.append(v is x)
        return float(np.sum(v ** 2))

    np.testing.assert_allclose(eval_numerical_gradient(f, x), 2 * original, atol=1e-9)
    np.testing.assert_array_equal(x, original)
    assert all(seen)
    eval_numerical_gradient(f, x, restore=False)
    assert not np.array_equal(x, original)  # the named mistake leaves an entry perturbed


@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_array_gradient_is_the_vector_jacobian_product(shape):
    rng = np.random.default_rng(len(shape))
    x = rng.normal(size=shape)
    M = rng.normal(size=(shape[-1], shape[-1]))
    df = rng.normal(size=shape)
    # f(x) = tanh(x M)  ⇒  ∂(Σ f·df)/∂x = ((1 − f²) ⊙ df) Mᵀ
    def f(v):
        return np.tanh(v @ M)

    expected = ((1 - f(x) ** 2) * df) @ M.T
    original = x.copy()
    numerical = eval_numerical_gradient_array(f, x, df)
    np.testing.assert_allclose(numerical, expected, rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(x, original)
    assert rel_error(numerical, expected) < 1e-7


@pytest.mark.parametrize("a, b, expected", [
    (1.0, 1.0, 0.0),
    (1.0, 3.0, 0.5),                      # |1 − 3| / (1 + 3)
    (-1.0, 1.0, 1.0),
    (0.0, 0.0, 0.0),
    (1e-10, 0.0, 1e-2),                   # denominator floored at 1e-8
    (2e-9, -2e-9, 0.4),                   # 4e-9 / max(1e-8, 4e-9)
    ([1.0, 2.0, 0.0], [1.0, 3.0, 0.0], 0.2),  # maximum over entries: 1/5
])
def test_rel_error_values(a, b, expected):
    assert rel_error(np.asarray(a), np.asarray(b)) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert rel_error(np.asarray(b), np.asarray(a)) == pytest.approx(expected, rel=1e-12, abs=1e-300)
