"""The oracle's course networks (fc_net_loss, three_layer_convnet_loss) and batchnorm_backward_alt against central
finite differences and, where torch is installed, torch autograd."""
import numpy as np
import pytest

from dlgrade.reference import layers, net
from dlgrade.reference.gradient_check import eval_numerical_gradient

NORMALIZATIONS = [None, "batchnorm", "layernorm"]


def fc_problem(dims, normalization=None, seed=0, n=6):
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(dims, dims[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in)
        params[f"b{layer}"] = 0.1 * rng.normal(size=fan_out)
        if normalization and layer < len(dims) - 1:
            params[f"gamma{layer}"] = 1 + 0.3 * rng.normal(size=fan_out)
            params[f"beta{layer}"] = 0.3 * rng.normal(size=fan_out)
    return params, rng.normal(size=(n, dims[0])), rng.integers(0, dims[-1], size=n)


def conv_problem(seed=0, n=3, channels=2, size=4, filters=3, k=3, hidden=5, classes=3):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(filters, channels, k, k)) / k, "b1": 0.1 * rng.normal(size=filters),
              "W2": rng.normal(size=(filters * (size // 2) ** 2, hidden)) / 3, "b2": 0.1 * rng.normal(size=hidden),
              "W3": rng.normal(size=(hidden, classes)) / 2, "b3": 0.1 * rng.normal(size=classes)}
    return params, rng.normal(size=(n, channels, size, size)), rng.integers(0, classes, size=n)


def numerical(loss_of, params):
    return {key: eval_numerical_gradient(lambda v, key=key: loss_of({**params, key: v}), value.copy())
            for key, value in params.items()}


def assert_grads(grads, expected, rtol=1e-6, atol=1e-8):
    assert grads.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(grads[key], expected[key], rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize("dropout", [0.0, 0.4])
def test_fc_net_gradients_match_finite_differences(normalization, dropout):
    params, X, y = fc_problem((4, 5, 3, 3), normalization, seed=3)
    options = dict(normalization=normalization, dropout=dropout, seed=11, reg=0.3)
    loss, grads = net.fc_net_loss(params, X, y, **options)
    assert isinstance(loss, float)
    assert_grads(grads, numerical(lambda p: net.fc_net_loss(p, X, y, **options)[0], params))


def test_fc_net_without_normalization_or_dropout_is_mlp_loss():
    params, X, y = fc_problem((4, 5, 3, 3), seed=1)
    loss, grads = net.fc_net_loss(params, X, y, reg=0.4)
    mlp, mlp_grads = net.mlp_loss(params, X, y, "relu", 0.4)
    assert loss == pytest.approx(mlp, rel=1e-14)
    assert_grads(grads, mlp_grads, rtol=1e-14, atol=0)


def test_fc_net_test_mode_uses_running_statistics_and_no_dropout():
    params, X, y = fc_problem((4, 5, 3), "batchnorm", seed=2)
    bn_params = [{}]
    net.fc_net_loss(params, X, y, normalization="batchnorm", dropout=0.5, seed=3, bn_params=bn_params)
    h = X @ params["W1"] + params["b1"]
    np.testing.assert_allclose(bn_params[0]["running_mean"], 0.1 * h.mean(axis=0))
    scores = net.fc_net_loss(params, X, normalization="batchnorm", dropout=0.5, seed=3, bn_params=bn_params)
    xhat = (h - bn_params[0]["running_mean"]) / np.sqrt(bn_params[0]["running_var"] + 1e-5)
    expected = np.maximum(params["gamma1"] * xhat + params["beta1"], 0) @ params["W2"] + params["b2"]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_conv_net_gradients_match_finite_differences():
    params, X, y = conv_problem(seed=4)
    loss, grads = net.three_layer_convnet_loss(params, X, y, reg=0.2)
    assert_grads(grads, numerical(lambda p: net.three_layer_convnet_loss(p, X, y, reg=0.2)[0], params))


def test_classes_use_the_params_set_on_them():
    params, X, y = fc_problem((4, 5, 3), "layernorm", seed=5)
    model = net.FullyConnectedNet([5], input_dim=4, num_classes=3, normalization="layernorm", reg=0.1,
                                  dtype=np.float64)
    assert model.params.keys() == params.keys()
    model.params.update(params)
    assert model.loss(X, y)[0] == net.fc_net_loss(params, X, y, normalization="layernorm", reg=0.1)[0]
    params, X, y = conv_problem(seed=5)
    model = net.ThreeLayerConvNet(input_dim=(2, 4, 4), num_filters=3, filter_size=3, hidden_dim=5, num_classes=3,
                                  dtype=np.float64)
    assert {k: v.shape for k, v in model.params.items()} == {k: v.shape for k, v in params.items()}
    model.params.update(params)
    np.testing.assert_array_equal(model.loss(X), net.three_layer_convnet_loss(params, X))


def test_batchnorm_backward_alt_is_batchnorm_backward():
    rng = np.random.default_rng(0)
    x, gamma, beta, dout = rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=4), rng.normal(size=(5, 4))
    _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for got, expected in zip(layers.batchnorm_backward_alt(dout, cache), layers.batchnorm_backward(dout, cache)):
        np.testing.assert_array_equal(got, expected)
    numeric = eval_numerical_gradient(
        lambda v: np.sum(layers.batchnorm_forward(v, gamma, beta, {"mode": "train"})[0] * dout), x.copy())
    np.testing.assert_allclose(layers.batchnorm_backward_alt(dout, cache)[0], numeric, rtol=1e-6, atol=1e-8)


# --- torch autograd (optional) ------------------------------------------------------------------------------


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_fc_net_matches_torch(normalization):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    params, X, y = fc_problem((4, 6, 5, 3), normalization, seed=7, n=8)
    p, seed, reg = 0.3, 5, 0.2
    loss, grads = net.fc_net_loss(params, X, y, normalization=normalization, dropout=p, seed=seed, reg=reg)

    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    a = torch.tensor(X)
    for layer in (1, 2):
        a = a @ tensors[f"W{layer}"] + tensors[f"b{layer}"]
        if normalization == "batchnorm":
            a = functional.batch_norm(a, None, None, tensors[f"gamma{layer}"], tensors[f"beta{layer}"], training=True,
                                      eps=1e-5)
        elif normalization == "layernorm":
            a = functional.layer_norm(a, (a.shape[1],), tensors[f"gamma{layer}"], tensors[f"beta{layer}"], eps=1e-5)
        keep = np.random.default_rng(seed).random(tuple(a.shape)) >= p  # the spec's dropout, one seed per layer
        a = torch.relu(a) * torch.tensor(keep) / (1 - p)
    scores = a @ tensors["W3"] + tensors["b3"]
    expected = functional.cross_entropy(scores, torch.tensor(y)) + reg / 2 * sum(
        (tensors[f"W{layer}"] ** 2).sum() for layer in (1, 2, 3))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    assert_grads(grads, {k: t.grad.numpy() for k, t in tensors.items()}, rtol=1e-9, atol=1e-12)


def test_conv_net_matches_torch():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    params, X, y = conv_problem(seed=8, size=6, k=3)
    loss, grads = net.three_layer_convnet_loss(params, X, y, reg=0.1)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    a = functional.max_pool2d(torch.relu(functional.conv2d(torch.tensor(X), tensors["W1"], tensors["b1"], padding=1)),
                              2, 2)
    scores = torch.relu(a.flatten(1) @ tensors["W2"] + tensors["b2"]) @ tensors["W3"] + tensors["b3"]
    expected = functional.cross_entropy(scores, torch.tensor(y)) + 0.05 * sum(
        (tensors[f"W{layer}"] ** 2).sum() for layer in (1, 2, 3))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    assert_grads(grads, {k: t.grad.numpy() for k, t in tensors.items()}, rtol=1e-9, atol=1e-12)
