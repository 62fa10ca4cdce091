"""Oracle affine layer, activations and dropout; every named mistake of layers.py; CuPy."""
import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from scipy.stats import binomtest

from dlgrade.reference import layers as L
from dlgrade.reference._core import layers as core
from dlgrade.reference.gradient_check import eval_numerical_gradient_array

TOL = {"rtol": 1e-7, "atol": 1e-7}
# Central differences (h = 1e-5): truncation h²·|f'''| plus rounding ~1e-16·|f|/h.
FD_TOL = {"rtol": 1e-6, "atol": 1e-6}

torch = pytest.importorskip("torch")


def floats(shape, bound=5.0):
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return arrays(np.float64, shape, elements=elements, fill=st.nothing())


def torch_forward_backward(fn, dout, *arrays_):
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays_]
    out = fn(*tensors)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


# --- affine -----------------------------------------------------------------------------------


@st.composite
def affine_case(draw):
    x = draw(floats(array_shapes(min_dims=2, max_dims=4, max_side=3)))
    d, m = int(np.prod(x.shape[1:])), draw(st.integers(1, 4))
    return x, draw(floats((d, m))), draw(floats((m,))), draw(floats((x.shape[0], m), 1.0))


@given(affine_case())
def test_affine_matches_torch(case):
    x, w, b, dout = case
    out, cache = L.affine_forward(x, w, b)
    t_out, t_grads = torch_forward_backward(lambda xt, wt, bt: xt.reshape(xt.shape[0], -1) @ wt + bt,
                                            dout, x, w, b)
    np.testing.assert_allclose(out, t_out, **TOL)
    dx, dw, db = L.affine_backward(dout, cache)
    assert dx.shape == x.shape
    for ours, theirs in zip((dx, dw, db), t_grads):
        np.testing.assert_allclose(ours, theirs, **TOL)


@given(affine_case())
def test_affine_backward_matches_finite_differences(case):
    x, w, b, dout = case
    _, cache = L.affine_forward(x, w, b)
    numeric = [eval_numerical_gradient_array(lambda v: L.affine_forward(v, w, b)[0], x, dout),
               eval_numerical_gradient_array(lambda v: L.affine_forward(x, v, b)[0], w, dout),
               eval_numerical_gradient_array(lambda v: L.affine_forward(x, w, v)[0], b, dout)]
    for analytic, fd in zip(L.affine_backward(dout, cache), numeric):
        np.testing.assert_allclose(analytic, fd, **FD_TOL)


# --- activations ------------------------------------------------------------------------------

ACTIVATIONS = {
    "relu": (L.relu_forward, L.relu_backward, torch.relu),
    "sigmoid": (L.sigmoid_forward, L.sigmoid_backward, torch.sigmoid),
    "tanh": (L.tanh_forward, L.tanh_backward, torch.tanh),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(data=st.data())
def test_activation_matches_torch(name, data):
    forward, backward, torch_fn = ACTIVATIONS[name]
    shape = data.draw(array_shapes(max_dims=3, max_side=4))
    x, dout = data.draw(floats(shape, 50.0)), data.draw(floats(shape, 1.0))
    out, cache = forward(x)
    t_out, (t_dx,) = torch_forward_backward(torch_fn, dout, x)
    np.testing.assert_allclose(out, t_out, **TOL)
    np.testing.assert_allclose(backward(dout, cache), t_dx, **TOL)


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(data=st.data())
def test_activation_backward_matches_finite_differences(name, data):
    forward, backward, _ = ACTIVATIONS[name]
    shape = data.draw(array_shapes(max_dims=3, max_side=4))
    # away from ReLU's kink, where the one-sided slopes differ
    x = data.draw(arrays(np.float64, shape, elements=st.floats(0.01, 5.0) | st.floats(-5.0, -0.01),
                         fill=st.nothing()))
    dout = data.draw(floats(shape, 1.0))
    numeric = eval_numerical_gradient_array(lambda v: forward(v)[0], x, dout)
    np.testing.assert_allclose(backward(dout, forward(x)[1]), numeric, **FD_TOL)


def test_relu_derivative_at_zero_is_zero():
    _, cache = L.relu_forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(L.relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


def test_sigmoid_stays_finite_at_large_inputs():
    out, cache = L.sigmoid_forward(np.array([-1e3, 0.0, 1e3]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(L.sigmoid_backward(np.ones(3), cache), [0.0, 0.25, 0.0])


# --- dropout ----------------------------------------------------------------------------------


@given(floats(array_shapes(max_dims=3, max_side=5)), st.integers(0, 2**32 - 1))
def test_dropout_with_p_zero_and_test_mode_are_the_identity(x, seed):
    dout = x[::-1].copy()
    for param in ({"p": 0.0, "seed": seed}, {"p": 0.6, "mode": "test", "seed": seed}, {"p": 0.3, "mode": "test"}):
        out, cache = L.dropout_forward(x, param)
        np.testing.assert_array_equal(out, x)
        np.testing.assert_array_equal(L.dropout_backward(dout, cache), dout)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_keeps_a_fraction_one_minus_p_scaled_by_its_inverse(p):
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(200, 100))
    out, cache = L.dropout_forward(x, {"p": p, "seed": 123})
    kept = out != 0
    assert binomtest(int(kept.sum()), kept.size, 1 - p).pvalue > 1e-6
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), **TOL)
    dout = np.random.default_rng(1).standard_normal(x.shape)
    np.testing.assert_allclose(L.dropout_backward(dout, cache), np.where(kept, dout / (1 - p), 0.0), **TOL)


def test_dropout_seed_fixes_the_mask():
    x = np.ones((50, 40))
    first, _ = L.dropout_forward(x, {"p": 0.5, "seed": 7})
    again, _ = L.dropout_forward(x, {"p": 0.5, "seed": 7})
    other, _ = L.dropout_forward(x, {"p": 0.5, "seed": 8})
    unseeded = [L.dropout_forward(x, {"p": 0.5})[0] for _ in range(2)]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(*unseeded)
    # the spec's mask: keep = default_rng(seed).random(x.shape) >= p
    np.testing.assert_array_equal(first != 0, np.random.default_rng(7).random(x.shape) >= 0.5)


# --- named mistakes ---------------------------------------------------------------------------

RNG = np.random.default_rng(2024)
X2, X4 = RNG.standard_normal((5, 4)), RNG.standard_normal((2, 4, 3, 3))
GAMMA, BETA = RNG.standard_normal(4), RNG.standard_normal(4)


def run_activation(forward, backward, x, **kwargs):
    out, cache = forward(x)
    return [out, backward(np.ones_like(x), cache, **kwargs)]


def run_batchnorm_forward(**kwargs):
    """Train output and running statistics, and the test output."""
    running = {"running_mean": np.full(4, 0.3), "running_var": np.full(4, 1.7)}
    param = {"mode": "train", **running}
    out, _ = L.batchnorm_forward(X2, GAMMA, BETA, param, **kwargs)
    test_out, _ = L.batchnorm_forward(X2, GAMMA, BETA, {"mode": "test", **running}, **kwargs)
    return [out, param["running_mean"], param["running_var"], test_out]


def run_norm(forward, backward, x, forward_kwargs=None, backward_kwargs=None):
    out, cache = forward(x, GAMMA, BETA, **(forward_kwargs or {}))
    return [out, *backward(np.cos(np.arange(x.size)).reshape(x.shape), cache, **(backward_kwargs or {}))]


def run_dropout(forward_kwargs=None, backward_kwargs=None):
    results = []
    for mode in ("train", "test"):
        out, cache = L.dropout_forward(X4, {"p": 0.3, "mode": mode, "seed": 0}, **(forward_kwargs or {}))
        results += [out, L.dropout_backward(np.ones_like(X4), cache, **(backward_kwargs or {}))]
    return results


def run_conv(forward_kwargs=None, backward_kwargs=None):
    w, b = RNG.standard_normal((2, 4, 2, 3)), np.arange(2.0)
    out, cache = L.conv_forward_naive(X4, w, b, {"stride": 1, "pad": 1}, **(forward_kwargs or {}))
    return [out, *L.conv_backward_naive(np.ones_like(out), cache, **(backward_kwargs or {}))]


def run_pool(forward, backward, x, **kwargs):
    out, cache = forward(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    return [out, backward(np.ones_like(out), cache, **kwargs)]


TIES = np.array([[[[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]]]])
BN = functools.partial(run_norm, lambda x, g, b, **kw: L.batchnorm_forward(x, g, b, {"mode": "train"}, **kw),
                       L.batchnorm_backward, X2)
LN = functools.partial(run_norm, lambda x, g, b, **kw: L.layernorm_forward(x, g, b, {}, **kw),
                       L.layernorm_backward, X2)
MISTAKES = [
    ("relu_backward", functools.partial(run_activation, L.relu_forward, L.relu_backward,
                                        np.array([-1.0, 0.0, 1.0])), {"grad_at_zero": 1.0}),
    ("sigmoid_backward", functools.partial(run_activation, L.sigmoid_forward, L.sigmoid_backward, X2),
     {"derivative_from": "input"}),
    ("tanh_backward", functools.partial(run_activation, L.tanh_forward, L.tanh_backward, X2),
     {"squared": False}),
    *[("batchnorm_forward", run_batchnorm_forward, {name: value}) for name, value in [
        ("ddof", 1), ("eps_outside_sqrt", True), ("running_momentum_swapped", True),
        ("running_var_unbiased", True), ("test_uses_batch_stats", True)]],
    ("batchnorm_backward", lambda **kw: BN(backward_kwargs=kw), {"through_stats": False}),
    ("layernorm_forward", lambda **kw: LN(forward_kwargs=kw), {"ddof": 1}),
    ("layernorm_backward", lambda **kw: LN(backward_kwargs=kw), {"through_stats": False}),
    ("spatial_batchnorm_forward", lambda **kw: run_norm(
        lambda x, g, b: L.spatial_batchnorm_forward(x, g, b, {"mode": "train"}, **kw),
        L.spatial_batchnorm_backward, X4), {"naive_reshape": True}),
    ("instancenorm_forward", lambda **kw: run_norm(
        lambda x, g, b: L.instancenorm_forward(x, g, b, {}, **kw), L.instancenorm_backward, X4),
     {"ddof": 1}),
    ("groupnorm_forward", lambda **kw: run_norm(
        lambda x, g, b: L.groupnorm_forward(x, g, b, 2, {}, **kw), L.groupnorm_backward, X4),
     {"interleaved_groups": True}),
    ("dropout_forward", lambda **kw: run_dropout(forward_kwargs=kw), {"inverted": False}),
    ("dropout_forward", lambda **kw: run_dropout(forward_kwargs=kw), {"p_is_keep": True}),
    ("dropout_backward", lambda **kw: run_dropout(backward_kwargs=kw), {"scale": False}),
    ("conv_forward_naive", lambda **kw: run_conv(forward_kwargs=kw), {"flip_kernel": True}),
    ("conv_backward_naive", lambda **kw: run_conv(backward_kwargs=kw), {"flip_kernel": True}),
    ("max_pool_backward_naive", functools.partial(run_pool, L.max_pool_forward_naive,
                                                  L.max_pool_backward_naive, TIES), {"ties": "all"}),
    ("max_pool_backward_naive", functools.partial(run_pool, L.max_pool_forward_naive,
                                                  L.max_pool_backward_naive, TIES), {"ties": "last"}),
    ("avg_pool_backward_naive", functools.partial(run_pool, L.avg_pool_forward_naive,
                                                  L.avg_pool_backward_naive, X4), {"divide": False}),
    ("conv1d_full", lambda **kw: [L.conv1d_full(np.arange(4.0), np.array([1.0, 2.0, 4.0]), **kw)],
     {"correlate": True}),
]


@pytest.mark.parametrize("run, mistake", [m[1:] for m in MISTAKES],
                         ids=[f"{m[0]}-{next(iter(m[2].items()))}" for m in MISTAKES])
def test_each_mistake_differs_from_the_spec(run, mistake):
    spec, wrong = run(), run(**mistake)
    assert any(not np.allclose(a, b, rtol=1e-7, atol=1e-7) for a, b in zip(spec, wrong, strict=True))


# --- the core under array_api_strict, and on CuPy ---------------------------------------------


def dense_pipeline(x, w, b, dout, keep):
    """Affine, activations and dropout outputs and gradients, in the namespace of the inputs."""
    results = []
    out, cache = L.affine_forward(x, w, b)
    results += [out, *L.affine_backward(dout, cache)]
    for forward, backward, _ in ACTIVATIONS.values():
        out, cache = forward(out)
        results += [out, backward(dout, cache)]
    results += [core.dropout(out, keep, 0.6), core.dropout_backward(dout, keep, 0.6),
                core.dropout_test(out, 0.6, inverted=False)]
    return results


def dense_inputs():
    rng = np.random.default_rng(9)
    return [rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5),
            rng.standard_normal((3, 5)), rng.random((3, 5)) >= 0.4]


def test_affine_activations_dropout_run_on_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    inputs = dense_inputs()
    expected = dense_pipeline(*inputs)
    results = dense_pipeline(*[xps.asarray(a) for a in inputs])
    for ours, theirs in zip(results, expected, strict=True):
        assert isinstance(ours, type(xps.asarray(0.0)))
        np.testing.assert_allclose(np.asarray(ours), theirs, **TOL)


@pytest.mark.gpu
def test_layers_run_on_cupy():
    cupy = pytest.importorskip("cupy")
    inputs = dense_inputs()
    for ours, theirs in zip(dense_pipeline(*map(cupy.asarray, inputs)), dense_pipeline(*inputs), strict=True):
        assert isinstance(ours, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(ours), theirs, **TOL)
    x, gamma = cupy.asarray(X4), cupy.asarray(GAMMA)
    bn_param = {"mode": "train"}
    out, cache = L.spatial_batchnorm_forward(x, gamma, gamma, bn_param)
    np_param = {"mode": "train"}
    np_out, np_cache = L.spatial_batchnorm_forward(X4, GAMMA, GAMMA, np_param)
    np.testing.assert_allclose(cupy.asnumpy(out), np_out, **TOL)
    assert isinstance(bn_param["running_var"], cupy.ndarray)
    conv_out, conv_cache = L.conv_forward_naive(x, x[:2, :, :2, :2], gamma[:2], {"stride": 1, "pad": 1})
    np_conv, _ = L.conv_forward_naive(X4, X4[:2, :, :2, :2], GAMMA[:2], {"stride": 1, "pad": 1})
    np.testing.assert_allclose(cupy.asnumpy(conv_out), np_conv, **TOL)
    dropped, dropout_cache = L.dropout_forward(x, {"p": 0.5, "seed": 0})
    assert isinstance(dropped, cupy.ndarray)
    kept = dropped != 0
    cupy.testing.assert_allclose(dropped[kept], 2 * x[kept], rtol=1e-12)
    cupy.testing.assert_allclose(L.dropout_backward(cupy.ones_like(x), dropout_cache), 2.0 * kept, rtol=1e-12)
