"""Oracle speed against torch on CPU, same float64 data (ratio oracle/torch in extra_info and a summary).

Run: python -m pytest bench/test_bench_oracle.py --benchmark-only
(--benchmark-only overrides the --benchmark-skip of the default addopts; --benchmark-enable does not.)
torch runs on one thread, as NumPy's elementwise kernels do, so the ratio compares kernels, not core counts.
"""
import numpy as np
import pytest

from dlgrade.reference import optim

torch = pytest.importorskip("torch")

ADAM_SIZE = 10**7
BATCHNORM_SHAPE = (4096, 1024)


@pytest.fixture(scope="module", autouse=True)
def single_threaded_torch():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class RatioSummary:
    """Median seconds per (group, implementation); prints oracle/torch per group in the terminal summary."""

    def __init__(self):
        self.medians = {}

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("oracle / torch")
        for group in sorted({group for group, _ in self.medians}):
            oracle, reference = self.medians.get((group, "oracle")), self.medians.get((group, "torch"))
            if oracle and reference:
                terminalreporter.write_line(
                    f"{group}: oracle {oracle * 1e3:.1f} ms, torch {reference * 1e3:.1f} ms (medians), "
                    f"ratio oracle/torch {oracle / reference:.2f}")


@pytest.fixture(scope="module")
def medians(request):
    summary = RatioSummary()
    request.config.pluginmanager.register(summary)
    return summary.medians


def record(benchmark, medians, group, impl):
    median = benchmark.stats.stats.median
    medians[group, impl] = median
    other = medians.get((group, "torch" if impl == "oracle" else "oracle"))
    if other:
        oracle, reference = (median, other) if impl == "oracle" else (other, median)
        benchmark.extra_info["ratio_oracle_over_torch"] = oracle / reference


@pytest.fixture(scope="module")
def adam_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal(ADAM_SIZE), rng.standard_normal(ADAM_SIZE)


@pytest.mark.parametrize("impl", ["torch", "oracle"])
def test_adam_step(benchmark, medians, adam_data, impl):
    w, g = adam_data
    benchmark.group = f"adam step, {ADAM_SIZE:.0e} float64"
    if impl == "oracle":
        config = {}
        optim.adam(w, g, config)  # creates the state, so every timed call is a steady-state step
        benchmark(optim.adam, w, g, config)
    else:
        param = torch.tensor(w, requires_grad=True)
        param.grad = torch.from_numpy(g)
        optimizer = torch.optim.Adam([param], lr=1e-3)
        optimizer.step()
        benchmark(optimizer.step)
    record(benchmark, medians, benchmark.group, impl)


@pytest.fixture(scope="module")
def batchnorm_data():
    rng = np.random.default_rng(1)
    n, d = BATCHNORM_SHAPE
    return (rng.standard_normal((n, d)), rng.standard_normal(d), rng.standard_normal(d),
            rng.standard_normal((n, d)))


@pytest.mark.parametrize("impl", ["torch", "oracle"])
def test_batchnorm_train_forward_backward(benchmark, medians, batchnorm_data, impl):
    x, gamma, beta, dout = batchnorm_data
    benchmark.group = f"batchnorm train forward+backward, {BATCHNORM_SHAPE}"
    if impl == "oracle":
        layers = pytest.importorskip("reference.layers")

        def step():
            _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
            return layers.batchnorm_backward(dout, cache)
    else:
        x_t, dout_t = torch.tensor(x, requires_grad=True), torch.from_numpy(dout)
        gamma_t = torch.tensor(gamma, requires_grad=True)
        beta_t = torch.tensor(beta, requires_grad=True)
        running_mean = torch.zeros(x.shape[1], dtype=torch.float64)
        running_var = torch.ones(x.shape[1], dtype=torch.float64)

        def step():
            out = torch.nn.functional.batch_norm(x_t, running_mean, running_var, gamma_t, beta_t,
                                                 training=True, momentum=0.1, eps=1e-5)
            return torch.autograd.grad(out, (x_t, gamma_t, beta_t), dout_t)
    benchmark(step)
    record(benchmark, medians, benchmark.group, impl)
