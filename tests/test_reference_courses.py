"""The course rows' oracles (COURSES_DLS_D2L.md "none") against torch where torch has the same formula, and against
the course's own conventions (NumPy's legacy RNG) where it does not."""
import numpy as np
import pytest

from dlgrade.reference import gradient_check, init, layers, losses, net, optim, schedules

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(7)


def _network(dims, n=5):
    params = {}
    for layer in range(1, len(dims)):
        params[f"W{layer}"] = RNG.normal(size=(dims[layer - 1], dims[layer])) / np.sqrt(dims[layer - 1])
        params[f"b{layer}"] = 0.5 * RNG.normal(size=dims[layer])
    return params, RNG.normal(size=(n, dims[0])), RNG.integers(0, 2, n).astype(float)


def _torch_loss(params, X, y, masks=(), keep_prob=1.0, lambd=0.0):
    """torch's mean BCE of the ReLU…sigmoid net (masks: inverted dropout after each hidden layer) and its grads."""
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    a, n_layers = torch.tensor(X), len(params) // 2
    for layer in range(1, n_layers):
        a = torch.relu(a @ tensors[f"W{layer}"] + tensors[f"b{layer}"])
        if masks:
            a = a * torch.tensor(masks[layer - 1], dtype=torch.float64) / keep_prob
    p = torch.sigmoid(a @ tensors[f"W{n_layers}"] + tensors[f"b{n_layers}"]).reshape(-1)
    loss = torch.nn.functional.binary_cross_entropy(p, torch.tensor(y))
    loss = loss + lambd / (2 * len(y)) * sum((tensors[k] ** 2).sum() for k in tensors if k.startswith("W"))
    loss.backward()
    return loss.item(), {k: t.grad.numpy() for k, t in tensors.items()}


def test_the_averaged_momentum_is_torchs_sgd_with_dampening():
    """torch starts its buffer at the first gradient undamped; from the second step on both are v ← μv + (1−μ)g,
    w ← w − ηv: the averaged form is started from torch's state after one step."""
    lr, mu, grads = 0.1, 0.9, RNG.normal(size=(7, 5))
    tw = torch.tensor(RNG.normal(size=5), requires_grad=True)
    sgd = torch.optim.SGD([tw], lr=lr, momentum=mu, dampening=mu)
    tw.grad = torch.tensor(grads[0])
    sgd.step()
    mine, config = tw.detach().numpy().copy(), {"learning_rate": lr, "momentum": mu, "velocity": grads[0].copy()}
    for g in grads[1:]:
        mine, config = optim.sgd_momentum(mine, g, config, form="ema")
        tw.grad = torch.tensor(g)
        sgd.step()
        assert np.allclose(mine, tw.detach().numpy(), rtol=1e-12, atol=1e-14)
        assert np.allclose(config["velocity"], sgd.state[tw]["momentum_buffer"].numpy(), rtol=1e-12, atol=1e-14)


def test_binary_cross_entropy_is_torchs():
    p, y = RNG.uniform(0.01, 0.99, 7), RNG.integers(0, 2, 7).astype(float)
    expected = float(torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y)))
    assert losses.binary_cross_entropy(p, y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dims", [[3, 4, 1], [2, 3, 3, 1], [4, 2, 2, 2, 1]])
def test_the_sigmoid_output_model_and_its_gradients_are_torchs(dims):
    params, X, y = _network(dims)
    _, grads = _torch_loss(params, X, y)
    p = net.binary_mlp_forward(params, X)
    assert losses.binary_cross_entropy(p, y) == pytest.approx(_torch_loss(params, X, y)[0], rel=1e-12)
    mine = net.binary_mlp_gradients(params, X, y)
    assert all(np.allclose(mine[k], grads[k], rtol=1e-10, atol=1e-12) for k in params)


def test_the_l2_cost_and_gradients_are_torchs():
    params, X, y = _network([3, 4, 2, 1])
    loss, grads = _torch_loss(params, X, y, lambd=0.7)
    assert losses.binary_cross_entropy_l2(net.binary_mlp_forward(params, X), y, params, 0.7) == pytest.approx(loss)
    mine = net.binary_mlp_gradients_l2(params, X, y, 0.7)
    assert all(np.allclose(mine[k], grads[k], rtol=1e-10, atol=1e-12) for k in params)


def test_dropout_replays_the_courses_masks_and_its_gradients_are_torchs():
    params, X, y = _network([3, 4, 2, 1])
    np.random.seed(1)  # the course's own draws: rand(n_l, m) per hidden layer, in order
    masks = [(np.random.rand(4, 5) < 0.8).T, (np.random.rand(2, 5) < 0.8).T]
    loss, grads = _torch_loss(params, X, y, masks, 0.8)
    p = net.dropout_mlp_forward(params, X, 0.8)
    assert losses.binary_cross_entropy(p, y) == pytest.approx(loss, rel=1e-12)
    mine = net.dropout_mlp_gradients(params, X, y, 0.8)
    assert all(np.allclose(mine[k], grads[k], rtol=1e-10, atol=1e-12) for k in params)


def test_the_initializers_replay_numpys_legacy_rng():
    np.random.seed(3)
    W1, W2 = np.random.randn(4, 2) * np.sqrt(2 / 2), np.random.randn(1, 4) * np.sqrt(2 / 4)
    he = init.layers_he([2, 4, 1])
    assert np.array_equal(he["W1"], W1) and np.array_equal(he["W2"], W2) and not he["b1"].any()
    np.random.seed(1)
    assert np.array_equal(init.two_layers_small(2, 3, 1)["W1"], np.random.randn(3, 2) * 0.01)


def test_the_relative_difference_is_two_sided_and_a_ratio_of_two_norms():
    a = RNG.uniform(0.5, 2, 4)
    theta, grad = RNG.normal(size=4), RNG.normal(size=4)

    def f(x):
        return float(np.sum(a * x ** 3))
    h = 1e-3
    approx = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(4)])
    expected = np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))
    assert gradient_check.relative_difference(f, theta, grad, h) == pytest.approx(expected, rel=1e-12)
    assert gradient_check.relative_difference(f, theta, grad, h, scheme="forward") != pytest.approx(expected)


def test_zero_pad_and_the_single_step_are_torchs():
    x = RNG.normal(size=(2, 3, 4, 5))
    assert np.array_equal(layers.zero_pad(x, 2), torch.nn.functional.pad(torch.tensor(x), (2, 2, 2, 2)).numpy())
    a, w, b = RNG.normal(size=(3, 3, 2)), RNG.normal(size=(3, 3, 2)), RNG.normal(size=(1, 1, 1))
    expected = float((torch.tensor(a) * torch.tensor(w)).sum()) + b.item()
    assert layers.conv_single_step(a, w, b) == pytest.approx(expected)


def test_the_interval_decay_is_lambdalr_of_the_time_based_factor():
    model = torch.nn.Linear(1, 1)
    sgd = torch.optim.SGD(model.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.LambdaLR(sgd, lambda epoch: 1 / (1 + 0.3 * (epoch // 100)))
    for epoch in range(350):
        assert schedules.interval_time_decay(0.5, 0.3, epoch, 100) == pytest.approx(sgd.param_groups[0]["lr"])
        sgd.step()
        scheduler.step()
