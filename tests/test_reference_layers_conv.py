"""Oracle convolution and pooling against torch.nn.functional, finite differences, NumPy and
array_api_strict."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlgrade.reference import layers as L
from dlgrade.reference.gradient_check import eval_numerical_gradient_array

TOL = {"rtol": 1e-7, "atol": 1e-7}
# Conv and pooling are piecewise linear in each argument, so central differences only carry
# rounding error ~1e-16·|f|/h; 1e-6 leaves room for it on outputs of size ~10–100.
FD_TOL = {"rtol": 1e-6, "atol": 1e-6}

torch = pytest.importorskip("torch")
F = torch.nn.functional


def floats(shape, bound=3.0, unique=False):
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return arrays(np.float64, shape, elements=elements, fill=st.nothing(), unique=unique)


def grid_values(shape):
    """Distinct multiples of 1/8: maxima are unique and 0.125 apart, far beyond the FD step."""
    return arrays(np.float64, shape, elements=st.integers(-400, 400).map(lambda k: k / 8),
                  fill=st.nothing(), unique=True)


@st.composite
def conv_case(draw, max_size=5):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * pad), max_size))
    w = draw(st.integers(max(1, kw - 2 * pad), max_size))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x, weights, bias = draw(floats((n, c, h, w))), draw(floats((f, c, kh, kw))), draw(floats((f,)))
    out_shape = (n, f, 1 + (h + 2 * pad - kh) // stride, 1 + (w + 2 * pad - kw) // stride)
    return x, weights, bias, {"stride": stride, "pad": pad}, draw(floats(out_shape, 1.0))


@st.composite
def pool_case(draw, values=floats, max_size=6):
    ph, pw, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)),
             draw(st.integers(ph, max_size)), draw(st.integers(pw, max_size)))
    x = draw(values(shape))
    out_shape = shape[:2] + (1 + (shape[2] - ph) // stride, 1 + (shape[3] - pw) // stride)
    return x, {"pool_height": ph, "pool_width": pw, "stride": stride}, draw(floats(out_shape, 1.0))


def torch_forward_backward(fn, dout, *arrays_):
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays_]
    out = fn(*tensors)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


# --- against torch ----------------------------------------------------------------------------


@given(conv_case())
def test_conv_matches_torch(case):
    x, w, b, conv_param, dout = case
    out, cache = L.conv_forward_naive(x, w, b, conv_param)
    t_out, t_grads = torch_forward_backward(
        lambda *t: F.conv2d(*t, stride=conv_param["stride"], padding=conv_param["pad"]), dout, x, w, b)
    np.testing.assert_allclose(out, t_out, **TOL)
    for ours, theirs in zip(L.conv_backward_naive(dout, cache), t_grads):
        np.testing.assert_allclose(ours, theirs, **TOL)


@given(pool_case(values=lambda shape: floats(shape, unique=True)))
def test_max_pool_matches_torch(case):
    x, pool_param, dout = case
    out, cache = L.max_pool_forward_naive(x, pool_param)
    t_out, (t_dx,) = torch_forward_backward(
        lambda t: F.max_pool2d(t, (pool_param["pool_height"], pool_param["pool_width"]),
                               pool_param["stride"]), dout, x)
    np.testing.assert_allclose(out, t_out, **TOL)
    np.testing.assert_allclose(L.max_pool_backward_naive(dout, cache), t_dx, **TOL)


@given(pool_case())
def test_avg_pool_matches_torch(case):
    x, pool_param, dout = case
    out, cache = L.avg_pool_forward_naive(x, pool_param)
    t_out, (t_dx,) = torch_forward_backward(
        lambda t: F.avg_pool2d(t, (pool_param["pool_height"], pool_param["pool_width"]),
                               pool_param["stride"]), dout, x)
    np.testing.assert_allclose(out, t_out, **TOL)
    np.testing.assert_allclose(L.avg_pool_backward_naive(dout, cache), t_dx, **TOL)


# --- against finite differences ---------------------------------------------------------------


@given(conv_case(max_size=4), st.booleans())
def test_conv_backward_matches_finite_differences(case, flip_kernel):
    x, w, b, conv_param, dout = case
    def forward(x_, w_, b_):
        return L.conv_forward_naive(x_, w_, b_, conv_param, flip_kernel=flip_kernel)[0]
    _, cache = L.conv_forward_naive(x, w, b, conv_param, flip_kernel=flip_kernel)
    dx, dw, db = L.conv_backward_naive(dout, cache, flip_kernel=flip_kernel)
    np.testing.assert_allclose(dx, eval_numerical_gradient_array(lambda v: forward(v, w, b), x, dout), **FD_TOL)
    np.testing.assert_allclose(dw, eval_numerical_gradient_array(lambda v: forward(x, v, b), w, dout), **FD_TOL)
    np.testing.assert_allclose(db, eval_numerical_gradient_array(lambda v: forward(x, w, v), b, dout), **FD_TOL)


@given(pool_case(values=grid_values, max_size=4))
def test_max_pool_backward_matches_finite_differences(case):
    x, pool_param, dout = case
    _, cache = L.max_pool_forward_naive(x, pool_param)
    numeric = eval_numerical_gradient_array(lambda v: L.max_pool_forward_naive(v, pool_param)[0], x, dout)
    np.testing.assert_allclose(L.max_pool_backward_naive(dout, cache), numeric, **FD_TOL)


@given(pool_case(max_size=4))
def test_avg_pool_backward_matches_finite_differences(case):
    x, pool_param, dout = case
    _, cache = L.avg_pool_forward_naive(x, pool_param)
    numeric = eval_numerical_gradient_array(lambda v: L.avg_pool_forward_naive(v, pool_param)[0], x, dout)
    np.testing.assert_allclose(L.avg_pool_backward_naive(dout, cache), numeric, **FD_TOL)


# --- hand-computed examples -------------------------------------------------------------------


def test_conv_output_size_and_cross_correlation():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    out, _ = L.conv_forward_naive(x, w, np.array([10.0]), {"stride": 2, "pad": 1})
    # padded corners: out[0, 0] sees only x[0, 0] under w[1, 1]; out[1, 1] sees x[1:3, 1:3]
    assert out.shape == (1, 1, 3, 3)
    assert out[0, 0, 0, 0] == 10 + 4 * x[0, 0, 0, 0]
    assert out[0, 0, 1, 1] == 10 + (w[0, 0] * x[0, 0, 1:3, 1:3]).sum()


def test_max_pool_ties_go_to_the_first_maximum():
    x = np.array([[[[5.0, 5.0, 1.0],
                    [5.0, 0.0, 5.0]]]])
    out, cache = L.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    np.testing.assert_array_equal(out, [[[[5.0, 5.0]]]])
    dout = np.array([[[[1.0, 10.0]]]])
    # window (0, 0) holds 5 at (0,0), (0,1), (1,0): the first is (0,0);
    # window (0, 1) holds 5 at (0,1), (1,2): the first is (0,1)
    np.testing.assert_array_equal(L.max_pool_backward_naive(dout, cache),
                                  [[[[1.0, 10.0, 0.0], [0.0, 0.0, 0.0]]]])
    np.testing.assert_array_equal(L.max_pool_backward_naive(dout, cache, ties="last"),
                                  [[[[0.0, 0.0, 0.0], [1.0, 0.0, 10.0]]]])
    np.testing.assert_array_equal(L.max_pool_backward_naive(dout, cache, ties="all"),
                                  [[[[1.0, 11.0, 0.0], [1.0, 0.0, 10.0]]]])


# --- conv1d_full ------------------------------------------------------------------------------


@given(floats(st.integers(1, 8)), floats(st.integers(1, 8)))
def test_conv1d_full_matches_numpy(x, w):
    z = L.conv1d_full(x, w)
    assert z.shape == (x.size + w.size - 1,)
    np.testing.assert_allclose(z, np.convolve(x, w, "full"), **TOL)
    np.testing.assert_allclose(L.conv1d_full(x, w, correlate=True), np.correlate(x, w, "full"), **TOL)


def test_conv1d_full_textbook_indexing():
    # z_i = Σ_j w_j x_{i−j+1} (1-based): z_1 = w_1 x_1, z_2 = w_1 x_2 + w_2 x_1, …
    x, w = np.array([1.0, 2.0, 3.0]), np.array([10.0, 100.0])
    np.testing.assert_array_equal(L.conv1d_full(x, w), [10.0, 120.0, 230.0, 300.0])


# --- the core under array_api_strict ----------------------------------------------------------


def conv_pool_pipeline(x, w, b, dout_conv, dout_pool):
    """Every conv/pool output and gradient, in the namespace of the inputs."""
    conv_out, conv_cache = L.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    pool_param = {"pool_height": 2, "pool_width": 3, "stride": 1}
    max_out, max_cache = L.max_pool_forward_naive(x, pool_param)
    avg_out, avg_cache = L.avg_pool_forward_naive(x, pool_param)
    return [conv_out, *L.conv_backward_naive(dout_conv, conv_cache),
            max_out, L.max_pool_backward_naive(dout_pool, max_cache),
            avg_out, L.avg_pool_backward_naive(dout_pool, avg_cache),
            L.conv1d_full(x[0, 0, 0, :], w[0, 0, :, 0])]


def test_conv_and_pool_run_on_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(shape) for shape in
              [(2, 3, 5, 6), (4, 3, 3, 2), (4,), (2, 4, 3, 4), (2, 3, 4, 4)]]
    expected = conv_pool_pipeline(*inputs)
    results = conv_pool_pipeline(*[xps.asarray(a, dtype=xps.float64) for a in inputs])
    for ours, theirs in zip(results, expected, strict=True):
        assert isinstance(ours, xps.asarray(0.0).__class__)
        np.testing.assert_allclose(np.asarray(ours), theirs, **TOL)

