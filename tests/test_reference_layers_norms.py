"""Oracle normalization layers (batch, layer, spatial-batch, instance, group norm) against
torch.nn.functional, finite differences, and array_api_strict."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlgrade.reference import layers as L
from dlgrade.reference.gradient_check import eval_numerical_gradient_array

TOL = {"rtol": 1e-7, "atol": 1e-7}
# Central differences (h = 1e-5) carry truncation error h²·|f'''| with |f'''| ~ 1/σ³ and rounding
# ~1e-16·|f|/h, so they are compared looser than the closed forms against torch.
FD_TOL = {"rtol": 1e-5, "atol": 1e-6}


def floats(shape, bound=5.0):
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return arrays(np.float64, shape, elements=elements, fill=st.nothing())


def spread_out(x, axes):
    """Statistics far from the degenerate σ² ≈ 0, where finite differences lose accuracy."""
    assume(np.var(x, axis=axes).min() > 0.05)


@st.composite
def batch_2d(draw, min_rows=2):
    n, d = draw(st.integers(min_rows, 6)), draw(st.integers(1, 4))
    return draw(floats((n, d))), draw(floats((d,), 2.0)), draw(floats((d,), 2.0)), draw(floats((n, d), 1.0))


@st.composite
def batch_4d(draw, channels=None):
    shape = (draw(st.integers(1, 3)), channels or draw(st.integers(1, 3)),
             draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    c = shape[1]
    return draw(floats(shape)), draw(floats((c,), 2.0)), draw(floats((c,), 2.0)), draw(floats(shape, 1.0))


# --- against torch ----------------------------------------------------------------------------

torch = pytest.importorskip("torch")
F = torch.nn.functional


def torch_forward_backward(fn, dout, *arrays_):
    """fn(*tensors) and the gradients of Σ fn·dout with respect to every input."""
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays_]
    out = fn(*tensors)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


def assert_matches_torch(ours_forward, ours_backward, torch_fn, x, gamma, beta, dout):
    out, cache = ours_forward(x, gamma, beta)
    grads = ours_backward(dout, cache)
    t_out, t_grads = torch_forward_backward(torch_fn, dout, x, gamma, beta)
    np.testing.assert_allclose(out, t_out, **TOL)
    for ours, theirs in zip(grads, t_grads):
        np.testing.assert_allclose(ours, theirs, **TOL)


@given(batch_2d(), st.floats(0.0, 1.0), st.sampled_from([1e-5, 1e-3, 0.1]))
def test_batchnorm_train_matches_torch(data, momentum, eps):
    x, gamma, beta, dout = data
    n = x.shape[0]
    rng = np.random.default_rng(0)
    mean0, var0 = rng.standard_normal(x.shape[1]), rng.random(x.shape[1]) + 0.5
    bn_param = {"mode": "train", "eps": eps, "momentum": momentum,
                "running_mean": mean0.copy(), "running_var": var0.copy()}
    t_mean, t_var = torch.tensor(mean0), torch.tensor(var0)

    def torch_bn(xt, g, b):  # torch's momentum weighs the batch: 1 − spec momentum
        return F.batch_norm(xt, t_mean, t_var, g, b, training=True, momentum=1 - momentum, eps=eps)

    assert_matches_torch(lambda *a: L.batchnorm_forward(*a, bn_param), L.batchnorm_backward,
                         torch_bn, x, gamma, beta, dout)
    np.testing.assert_allclose(bn_param["running_mean"], t_mean.numpy(), **TOL)
    if momentum < 1:  # torch's running update uses the unbiased batch variance: convert it
        batch_var_unbiased = (t_var.numpy() - momentum * var0) / (1 - momentum)
        expected_var = momentum * var0 + (1 - momentum) * batch_var_unbiased * (n - 1) / n
        np.testing.assert_allclose(bn_param["running_var"], expected_var, **TOL)
    np.testing.assert_allclose(bn_param["running_var"],
                               momentum * var0 + (1 - momentum) * x.var(axis=0), **TOL)
    unbiased_param = {"mode": "train", "eps": eps, "momentum": momentum,
                      "running_mean": mean0.copy(), "running_var": var0.copy()}
    L.batchnorm_forward(x, gamma, beta, unbiased_param, running_var_unbiased=True)
    np.testing.assert_allclose(unbiased_param["running_var"], t_var.numpy(), **TOL)


@given(batch_2d(min_rows=1))
def test_batchnorm_test_mode_matches_torch(data):
    x, gamma, beta, _ = data
    rng = np.random.default_rng(1)
    mean0, var0 = rng.standard_normal(x.shape[1]), rng.random(x.shape[1]) + 0.5
    bn_param = {"mode": "test", "running_mean": mean0, "running_var": var0}
    out, _ = L.batchnorm_forward(x, gamma, beta, bn_param)
    expected = F.batch_norm(torch.tensor(x), torch.tensor(mean0), torch.tensor(var0),
                            torch.tensor(gamma), torch.tensor(beta), training=False, eps=1e-5)
    np.testing.assert_allclose(out, expected.numpy(), **TOL)
    assert bn_param["running_mean"] is mean0 and bn_param["running_var"] is var0


def test_batchnorm_creates_running_stats_as_zeros():
    x = np.arange(12.0).reshape(4, 3)
    bn_param = {"mode": "train"}
    L.batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), **TOL)
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=0), **TOL)
    test_param = {"mode": "test"}
    out, _ = L.batchnorm_forward(x, np.ones(3), np.zeros(3), test_param)
    np.testing.assert_allclose(out, x / np.sqrt(1e-5), **TOL)
    assert test_param["running_mean"].shape == (3,) and not test_param["running_var"].any()


@given(batch_2d(min_rows=1))
def test_layernorm_matches_torch(data):
    x, gamma, beta, dout = data
    d = x.shape[1]
    assert_matches_torch(lambda *a: L.layernorm_forward(*a, {}), L.layernorm_backward,
                         lambda xt, g, b: F.layer_norm(xt, (d,), g, b, eps=1e-5),
                         x, gamma, beta, dout)


@given(batch_4d(), st.floats(0.0, 1.0))
def test_spatial_batchnorm_matches_torch(data, momentum):
    x, gamma, beta, dout = data
    n, c, h, w = x.shape
    assume(n * h * w > 1)
    bn_param = {"mode": "train", "momentum": momentum}
    t_mean, t_var = torch.zeros(c, dtype=torch.float64), torch.zeros(c, dtype=torch.float64)
    assert_matches_torch(lambda *a: L.spatial_batchnorm_forward(*a, bn_param),
                         L.spatial_batchnorm_backward,
                         lambda xt, g, b: F.batch_norm(xt, t_mean, t_var, g, b, training=True,
                                                       momentum=1 - momentum, eps=1e-5),
                         x, gamma, beta, dout)
    np.testing.assert_allclose(bn_param["running_mean"], t_mean.numpy(), **TOL)
    np.testing.assert_allclose(bn_param["running_var"],
                               (1 - momentum) * x.var(axis=(0, 2, 3)), **TOL)
    out, _ = L.spatial_batchnorm_forward(x, gamma, beta, {**bn_param, "mode": "test"})
    expected = F.batch_norm(torch.tensor(x), torch.tensor(bn_param["running_mean"]),
                            torch.tensor(bn_param["running_var"]), torch.tensor(gamma),
                            torch.tensor(beta), training=False, eps=1e-5)
    np.testing.assert_allclose(out, expected.numpy(), **TOL)


@given(batch_4d(), st.booleans())
def test_instancenorm_matches_torch(data, gamma_4d):
    x, gamma, beta, dout = data
    assume(x.shape[2] * x.shape[3] > 1)  # torch refuses a single value per instance
    shape = (1, x.shape[1], 1, 1) if gamma_4d else gamma.shape
    out, cache = L.instancenorm_forward(x, gamma.reshape(shape), beta.reshape(shape), {})
    dx, dgamma, dbeta = L.instancenorm_backward(dout, cache)
    assert dgamma.shape == shape and dbeta.shape == shape
    t_out, (t_dx, t_dgamma, t_dbeta) = torch_forward_backward(
        lambda xt, g, b: F.instance_norm(xt, weight=g, bias=b, eps=1e-5), dout, x, gamma, beta)
    for ours, theirs in [(out, t_out), (dx, t_dx), (dgamma.ravel(), t_dgamma), (dbeta.ravel(), t_dbeta)]:
        np.testing.assert_allclose(ours, theirs, **TOL)


@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_groupnorm_matches_torch(groups, per_group, data):
    x, gamma, beta, dout = data.draw(batch_4d(channels=groups * per_group))
    assume(per_group * x.shape[2] * x.shape[3] > 1)  # torch refuses a single value per group
    assert_matches_torch(lambda *a: L.groupnorm_forward(*a, groups, {}), L.groupnorm_backward,
                         lambda xt, g, b: F.group_norm(xt, groups, g, b, eps=1e-5),
                         x, gamma, beta, dout)


# --- against finite differences ---------------------------------------------------------------


def assert_matches_finite_differences(forward, backward, x, gamma, beta, dout):
    """backward's (dx, dγ, dβ) against central differences of forward's output · dout."""
    _, cache = forward(x, gamma, beta)
    grads = backward(dout, cache)
    numeric = [
        eval_numerical_gradient_array(lambda v: forward(v, gamma, beta)[0], x, dout),
        eval_numerical_gradient_array(lambda v: forward(x, v, beta)[0], gamma, dout),
        eval_numerical_gradient_array(lambda v: forward(x, gamma, v)[0], beta, dout),
    ]
    for analytic, fd in zip(grads, numeric):
        np.testing.assert_allclose(analytic, fd, **FD_TOL)


@given(batch_2d())
def test_batchnorm_backward_matches_finite_differences(data):
    x, gamma, beta, dout = data
    spread_out(x, 0)
    assert_matches_finite_differences(lambda *a: L.batchnorm_forward(*a, {"mode": "train"}),
                                      L.batchnorm_backward, x, gamma, beta, dout)


@given(batch_2d(min_rows=1).filter(lambda d: d[0].shape[1] > 1))
def test_layernorm_backward_matches_finite_differences(data):
    x, gamma, beta, dout = data
    spread_out(x, 1)
    assert_matches_finite_differences(lambda *a: L.layernorm_forward(*a, {}), L.layernorm_backward,
                                      x, gamma, beta, dout)


@given(batch_4d())
def test_spatial_batchnorm_backward_matches_finite_differences(data):
    x, gamma, beta, dout = data
    spread_out(x, (0, 2, 3))
    assert_matches_finite_differences(lambda *a: L.spatial_batchnorm_forward(*a, {"mode": "train"}),
                                      L.spatial_batchnorm_backward, x, gamma, beta, dout)


@given(batch_4d())
def test_instancenorm_backward_matches_finite_differences(data):
    x, gamma, beta, dout = data
    assume(x.shape[2] * x.shape[3] > 1)
    spread_out(x, (2, 3))
    assert_matches_finite_differences(lambda *a: L.instancenorm_forward(*a, {}),
                                      L.instancenorm_backward, x, gamma, beta, dout)


@given(st.integers(1, 2), st.integers(1, 2), st.data())
def test_groupnorm_backward_matches_finite_differences(groups, per_group, data):
    x, gamma, beta, dout = data.draw(batch_4d(channels=groups * per_group))
    n, c, h, w = x.shape
    assume(per_group * h * w > 1)
    spread_out(x.reshape(n, groups, -1), 2)
    assert_matches_finite_differences(lambda *a: L.groupnorm_forward(*a, groups, {}),
                                      L.groupnorm_backward, x, gamma, beta, dout)


FORWARD_VARIANTS = [
    ("batchnorm ddof=1", lambda x, g, b: L.batchnorm_forward(x, g, b, {"mode": "train"}, ddof=1),
     L.batchnorm_backward, (4, 3)),
    ("batchnorm eps_outside_sqrt", lambda x, g, b: L.batchnorm_forward(
        x, g, b, {"mode": "train", "eps": 0.1}, eps_outside_sqrt=True), L.batchnorm_backward, (4, 3)),
    ("batchnorm test mode", lambda x, g, b: L.batchnorm_forward(
        x, g, b, {"mode": "test", "running_mean": np.full(3, 0.5), "running_var": np.full(3, 2.0)}),
     L.batchnorm_backward, (4, 3)),
    ("batchnorm test_uses_batch_stats", lambda x, g, b: L.batchnorm_forward(
        x, g, b, {"mode": "test"}, test_uses_batch_stats=True), L.batchnorm_backward, (4, 3)),
    ("layernorm ddof=1", lambda x, g, b: L.layernorm_forward(x, g, b, {}, ddof=1),
     L.layernorm_backward, (3, 4)),
    ("spatial naive_reshape", lambda x, g, b: L.spatial_batchnorm_forward(
        x, g, b, {"mode": "train"}, naive_reshape=True), L.spatial_batchnorm_backward, (2, 3, 2, 2)),
    ("instancenorm ddof=1", lambda x, g, b: L.instancenorm_forward(x, g, b, {}, ddof=1),
     L.instancenorm_backward, (2, 3, 2, 2)),
    ("groupnorm interleaved", lambda x, g, b: L.groupnorm_forward(x, g, b, 2, {}, interleaved_groups=True),
     L.groupnorm_backward, (2, 4, 2, 2)),
]


@pytest.mark.parametrize("forward, backward, shape", [v[1:] for v in FORWARD_VARIANTS],
                         ids=[v[0] for v in FORWARD_VARIANTS])
def test_backward_is_the_gradient_of_a_variant_forward(forward, backward, shape):
    rng = np.random.default_rng(3)
    channels = shape[1]
    assert_matches_finite_differences(forward, backward, rng.standard_normal(shape),
                                      rng.standard_normal(channels), rng.standard_normal(channels),
                                      rng.standard_normal(shape))


@pytest.mark.parametrize("forward, backward", [
    (lambda x, g, b: L.batchnorm_forward(x, g, b, {"mode": "train"}), L.batchnorm_backward),
    (lambda x, g, b: L.layernorm_forward(x, g, b, {}), L.layernorm_backward),
], ids=["batchnorm", "layernorm"])
def test_backward_without_stats_is_dout_gamma_over_sigma(forward, backward):
    rng = np.random.default_rng(4)
    x, gamma, beta, dout = (rng.standard_normal((4, 4)), rng.standard_normal(4),
                            rng.standard_normal(4), rng.standard_normal((4, 4)))
    _, cache = forward(x, gamma, beta)
    dx, dgamma, dbeta = backward(dout, cache, through_stats=False)
    axis = 0 if backward is L.batchnorm_backward else 1
    np.testing.assert_allclose(dx, dout * gamma / np.sqrt(x.var(axis=axis, keepdims=True) + 1e-5), **TOL)
    np.testing.assert_allclose((dgamma, dbeta), backward(dout, cache)[1:], **TOL)


# --- the core under array_api_strict ----------------------------------------------------------


def test_norms_run_on_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(5)
    x2, x4 = rng.standard_normal((5, 4)), rng.standard_normal((2, 4, 3, 3))
    g, b = rng.standard_normal(4), rng.standard_normal(4)
    cases = [
        (lambda m, x, g, b: L.batchnorm_forward(x, g, b, m), L.batchnorm_backward, x2),
        (lambda m, x, g, b: L.layernorm_forward(x, g, b, {}), L.layernorm_backward, x2),
        (lambda m, x, g, b: L.spatial_batchnorm_forward(x, g, b, m), L.spatial_batchnorm_backward, x4),
        (lambda m, x, g, b: L.instancenorm_forward(x, g, b, {}), L.instancenorm_backward, x4),
        (lambda m, x, g, b: L.groupnorm_forward(x, g, b, 2, {}), L.groupnorm_backward, x4),
    ]
    def strict(a):
        return xps.asarray(a, dtype=xps.float64)
    for forward, backward, x in cases:
        dout = rng.standard_normal(x.shape)
        np_param, strict_param = {"mode": "train"}, {"mode": "train"}
        np_out, np_cache = forward(np_param, x, g, b)
        out, cache = forward(strict_param, strict(x), strict(g), strict(b))
        assert isinstance(out, type(strict(x)))
        np.testing.assert_allclose(np.asarray(out), np_out, **TOL)
        for ours, expected in zip(backward(strict(dout), cache), backward(dout, np_cache)):
            np.testing.assert_allclose(np.asarray(ours), expected, **TOL)
        for key, value in np_param.items():
            if key != "mode":
                np.testing.assert_allclose(np.asarray(strict_param[key]), value, **TOL)
