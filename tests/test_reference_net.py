"""The oracle's MLP backprop against central finite differences and torch autograd."""
import numpy as np
import pytest

from dlgrade.reference import net
from dlgrade.reference.gradient_check import eval_numerical_gradient

torch = pytest.importorskip("torch")


def make_problem(layer_sizes, seed=0, n=5):
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in)
        params[f"b{layer}"] = 0.1 * rng.normal(size=fan_out)
    X = rng.normal(size=(n, layer_sizes[0]))
    y = rng.integers(0, layer_sizes[-1], size=n)
    return params, X, y


def numerical_grads(params, X, y, **kwargs):
    def loss_with(key):
        return lambda value: net.mlp_loss({**params, key: value}, X, y, **kwargs)[0]
    return {key: eval_numerical_gradient(loss_with(key), value.copy()) for key, value in params.items()}


@pytest.mark.parametrize("layer_sizes", [(4, 3), (4, 6, 3), (3, 5, 4, 2)], ids=["1layer", "2layers", "3layers"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_gradients_match_finite_differences(layer_sizes, activation, reg):
    params, X, y = make_problem(layer_sizes, seed=len(layer_sizes))
    loss, grads = net.mlp_loss(params, X, y, activation, reg)
    assert isinstance(loss, float) and grads.keys() == params.keys()
    numerical = numerical_grads(params, X, y, activation=activation, reg=reg)
    for key in params:
        assert grads[key].shape == params[key].shape
        np.testing.assert_allclose(grads[key], numerical[key], rtol=1e-6, atol=1e-8, err_msg=key)


def test_matches_torch_autograd():
    params, X, y = make_problem((4, 6, 5, 3), seed=7, n=8)
    reg = 0.3
    loss, grads = net.mlp_loss(params, X, y, "tanh", reg)

    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    a = torch.tensor(X, dtype=torch.float64)
    for layer in (1, 2):
        a = torch.tanh(a @ tensors[f"W{layer}"] + tensors[f"b{layer}"])
    scores = a @ tensors["W3"] + tensors["b3"]
    expected = torch.nn.functional.cross_entropy(scores, torch.tensor(y)) + reg / 2 * sum(
        (tensors[f"W{layer}"] ** 2).sum() for layer in (1, 2, 3))
    expected.backward()

    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for key, tensor in tensors.items():
        np.testing.assert_allclose(grads[key], tensor.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=key)


def test_relu_gradient_is_zero_at_a_dead_kink():
    params = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.ones((2, 2)), "b2": np.zeros(2)}
    X = np.array([[0.0, 1.0]])  # first hidden unit's pre-activation is exactly 0
    _, grads = net.mlp_loss(params, X, np.array([0]))
    assert grads["b1"][0] == 0.0


@pytest.mark.parametrize("kwargs", [{"reg_half": False}, {"reg_biases": True}])
def test_named_mistakes(kwargs):
    params, X, y = make_problem((4, 6, 3), seed=3)
    reg = 0.4
    spec_loss, spec_grads = net.mlp_loss(params, X, y, "relu", reg)
    wrong_loss, wrong_grads = net.mlp_loss(params, X, y, "relu", reg, **kwargs)
    weight_norms = sum(np.sum(params[k] ** 2) for k in ("W1", "W2"))
    bias_norms = sum(np.sum(params[k] ** 2) for k in ("b1", "b2"))
    if "reg_half" in kwargs:  # reg·Σ‖W‖²: the penalty and its gradient double
        assert wrong_loss == pytest.approx(spec_loss + reg / 2 * weight_norms, rel=1e-12)
        np.testing.assert_allclose(wrong_grads["W1"], spec_grads["W1"] + reg * params["W1"], rtol=1e-12)
        np.testing.assert_array_equal(wrong_grads["b1"], spec_grads["b1"])
    else:
        assert wrong_loss == pytest.approx(spec_loss + reg / 2 * bias_norms, rel=1e-12)
        np.testing.assert_allclose(wrong_grads["b2"], spec_grads["b2"] + reg * params["b2"], rtol=1e-12)
        np.testing.assert_array_equal(wrong_grads["W2"], spec_grads["W2"])
    assert wrong_loss != pytest.approx(spec_loss, rel=1e-6)
    numerical = numerical_grads(params, X, y, activation="relu", reg=reg, **kwargs)
    for key in params:
        np.testing.assert_allclose(wrong_grads[key], numerical[key], rtol=1e-6, atol=1e-8, err_msg=key)


def test_runs_under_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    params, X, y = make_problem((4, 6, 3), seed=5)
    strict_params = {k: xps.asarray(v, dtype=xps.float64) for k, v in params.items()}
    loss, grads = net.mlp_loss(strict_params, xps.asarray(X, dtype=xps.float64),
                               xps.asarray(y, dtype=xps.int64), "sigmoid", 0.2)
    expected_loss, expected_grads = net.mlp_loss(params, X, y, "sigmoid", 0.2)
    assert loss == pytest.approx(expected_loss, rel=1e-14)
    for key in params:
        np.testing.assert_allclose(np.from_dlpack(grads[key]), expected_grads[key], rtol=1e-12, atol=1e-15)


@pytest.mark.gpu
def test_runs_on_cupy():
    cupy = pytest.importorskip("cupy")
    params, X, y = make_problem((4, 6, 3), seed=6)
    loss, grads = net.mlp_loss({k: cupy.asarray(v) for k, v in params.items()},
                               cupy.asarray(X), cupy.asarray(y), "tanh", 0.2)
    expected_loss, expected_grads = net.mlp_loss(params, X, y, "tanh", 0.2)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for key in params:
        assert isinstance(grads[key], cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(grads[key]), expected_grads[key], rtol=1e-10, atol=1e-14)
