"""The oracle's update rules (reference.optim) against torch.optim, literature loops and metamorphic relations."""
import functools
from dataclasses import dataclass, field
from typing import Callable

import array_api_compat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlgrade.checks  # noqa: F401  (fills the mistake rows)
from dlgrade.checks.engine import mistakes
from dlgrade.reference import optim

torch = pytest.importorskip("torch")

STEPS = 20
TOL = {"rtol": 1e-7, "atol": 1e-7}
NAMES = list(optim.RULES)
# Every named mistake and documented variant of an update rule: the checks' rows (checks/areas/optim.py), read here.
MISTAKES = [(row.function.partition(".")[2], row.kwargs) for row in mistakes.MISTAKES
            if row.function.startswith("optim.")]


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


LR, MOMENTUM, DECAY = floats(1e-4, 1.0), floats(0.01, 0.99), floats(0.0, 0.999)
BETA1, BETA2, EPS = floats(0.0, 0.99), floats(0.5, 0.9999), floats(1e-10, 1e-3)
ADAM_HYPER = {"learning_rate": LR, "beta1": BETA1, "beta2": BETA2, "epsilon": EPS}


@st.composite
def trajectories(draw, steps=STEPS):
    """A start point w and `steps` gradients of w's shape."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    values = floats(-10.0, 10.0)
    w = draw(hnp.arrays(np.float64, shape, elements=values, fill=st.nothing()))
    grads = draw(hnp.arrays(np.float64, (steps, *shape), elements=values, fill=st.nothing()))
    return w, grads


def draw_hyper(data, strategies):
    return {key: data.draw(strategy, label=key) for key, strategy in strategies.items()}


def torch_state(key, scale=lambda hyper: 1.0):
    return lambda state, hyper: scale(hyper) * state[key].numpy()


def betas(h):
    return h["beta1"], h["beta2"]


@dataclass
class TorchCase:
    oracle: Callable
    hyper: dict
    make: Callable  # (param, hyper) -> torch optimizer
    state: dict = field(default_factory=dict)  # oracle key -> (torch state, hyper) -> array


TORCH_CASES = {
    "sgd": TorchCase(
        optim.sgd, {"learning_rate": LR},
        lambda p, h: torch.optim.SGD([p], lr=h["learning_rate"])),
    "sgd_momentum": TorchCase(
        optim.sgd_momentum, {"learning_rate": LR, "momentum": MOMENTUM},
        lambda p, h: torch.optim.SGD([p], lr=h["learning_rate"], momentum=h["momentum"]),
        {"velocity": torch_state("momentum_buffer", lambda h: -h["learning_rate"])}),
    "sgd_momentum[form=torch_buffer]": TorchCase(
        functools.partial(optim.sgd_momentum, form="torch_buffer"),
        {"learning_rate": LR, "momentum": MOMENTUM},
        lambda p, h: torch.optim.SGD([p], lr=h["learning_rate"], momentum=h["momentum"]),
        {"velocity": torch_state("momentum_buffer")}),
    "sgd_nesterov": TorchCase(
        optim.sgd_nesterov, {"learning_rate": LR, "momentum": MOMENTUM},
        lambda p, h: torch.optim.SGD([p], lr=h["learning_rate"], momentum=h["momentum"],
                                     nesterov=True),
        {"velocity": torch_state("momentum_buffer", lambda h: -h["learning_rate"])}),
    "adagrad": TorchCase(
        optim.adagrad, {"learning_rate": LR, "epsilon": EPS},
        lambda p, h: torch.optim.Adagrad([p], lr=h["learning_rate"], eps=h["epsilon"]),
        {"cache": torch_state("sum")}),
    "rmsprop": TorchCase(
        optim.rmsprop, {"learning_rate": LR, "decay_rate": DECAY, "epsilon": EPS},
        lambda p, h: torch.optim.RMSprop([p], lr=h["learning_rate"], alpha=h["decay_rate"],
                                         eps=h["epsilon"]),
        {"cache": torch_state("square_avg")}),
    "adam": TorchCase(
        optim.adam, ADAM_HYPER,
        lambda p, h: torch.optim.Adam([p], lr=h["learning_rate"], betas=betas(h), eps=h["epsilon"]),
        {"m": torch_state("exp_avg"), "v": torch_state("exp_avg_sq")}),
    "adamw": TorchCase(
        optim.adamw, {**ADAM_HYPER, "weight_decay": floats(0.0, 0.1)},
        lambda p, h: torch.optim.AdamW([p], lr=h["learning_rate"], betas=betas(h),
                                       eps=h["epsilon"], weight_decay=h["weight_decay"]),
        {"m": torch_state("exp_avg"), "v": torch_state("exp_avg_sq")}),
    "adamw[decoupled=False]": TorchCase(
        functools.partial(optim.adamw, decoupled=False), {**ADAM_HYPER, "weight_decay": floats(0.0, 0.1)},
        lambda p, h: torch.optim.Adam([p], lr=h["learning_rate"], betas=betas(h),
                                      eps=h["epsilon"], weight_decay=h["weight_decay"]),
        {"m": torch_state("exp_avg"), "v": torch_state("exp_avg_sq")}),
    "amsgrad": TorchCase(
        optim.amsgrad, ADAM_HYPER,
        lambda p, h: torch.optim.Adam([p], lr=h["learning_rate"], betas=betas(h), eps=h["epsilon"],
                                      amsgrad=True),
        {"m": torch_state("exp_avg"), "v": torch_state("exp_avg_sq"),
         "v_max": torch_state("max_exp_avg_sq")}),
    "adamax": TorchCase(
        optim.adamax, ADAM_HYPER,
        lambda p, h: torch.optim.Adamax([p], lr=h["learning_rate"], betas=betas(h), eps=h["epsilon"]),
        {"m": torch_state("exp_avg"), "u": torch_state("exp_inf")}),
    "adadelta": TorchCase(
        optim.adadelta, {"learning_rate": LR, "rho": DECAY, "epsilon": EPS},
        lambda p, h: torch.optim.Adadelta([p], lr=h["learning_rate"], rho=h["rho"], eps=h["epsilon"]),
        {"cache": torch_state("square_avg"), "delta": torch_state("acc_delta")}),
}


@pytest.mark.parametrize("name", list(TORCH_CASES))
@given(data=st.data())
def test_matches_torch_optimizer_every_step(name, data):
    case = TORCH_CASES[name]
    w, grads = data.draw(trajectories(), label="w, grads")
    hyper = draw_hyper(data, case.hyper)
    param = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    optimizer = case.make(param, hyper)
    config = dict(hyper)
    for step, g in enumerate(grads, start=1):
        param.grad = torch.from_numpy(g.copy())
        optimizer.step()
        w, config = case.oracle(w, g, config)
        np.testing.assert_allclose(w, param.detach().numpy(), **TOL, err_msg=f"w, step {step}")
        state = optimizer.state[param]
        for key, expected in case.state.items():
            np.testing.assert_allclose(config[key], expected(state, hyper), **TOL,
                                       err_msg=f"{key}, step {step}")
        if "t" in config:
            assert config["t"] == int(state["step"]) == step


@st.composite
def quadratics(draw):
    """f(θ) = ½ Σ a (θ − c)², returned as its gradient, and a start point."""
    n = draw(st.integers(1, 6))
    vector = functools.partial(hnp.arrays, np.float64, n, fill=st.nothing())
    a = draw(vector(elements=floats(0.1, 2.0)))
    c = draw(vector(elements=floats(-5.0, 5.0)))
    theta = draw(vector(elements=floats(-5.0, 5.0)))
    return (lambda x: a * (x - c)), theta


@given(problem=quadratics(), lr=floats(1e-3, 0.5), mu=floats(0.0, 0.99))
def test_sgd_nesterov_is_sutskever_lookahead_in_theta_space(problem, lr, mu):
    """Sutskever et al.: v ← μv − η∇f(θ + μv); θ ← θ + v. The spec's w is θ + μv."""
    grad, theta = problem
    v = np.zeros_like(theta)
    w, config = theta.copy(), {"learning_rate": lr, "momentum": mu}
    for _ in range(STEPS):
        v = mu * v - lr * grad(theta + mu * v)
        theta = theta + v
        w, config = optim.sgd_nesterov(w, grad(w), config)
        np.testing.assert_allclose(w, theta + mu * v, **TOL)
        np.testing.assert_allclose(config["velocity"], v, **TOL)


@given(problem=quadratics(), lr=floats(1e-3, 0.5), rho=floats(0.0, 0.999), mu=floats(0.0, 0.99),
       eps=floats(1e-10, 1e-3))
def test_rmsprop_nesterov_is_goodfellow_alg_8_7_in_theta_space(problem, lr, rho, mu, eps):
    """Goodfellow et al. Alg. 8.7: g at θ̃ = θ + αv; r ← ρr + (1−ρ)g²; v ← αv − η g/(√r + ε); θ ← θ + v."""
    grad, theta = problem
    r, v = np.zeros_like(theta), np.zeros_like(theta)
    w = theta.copy()
    config = {"learning_rate": lr, "decay_rate": rho, "momentum": mu, "epsilon": eps}
    for _ in range(STEPS):
        g = grad(theta + mu * v)
        r = rho * r + (1 - rho) * g * g
        v = mu * v - lr * g / (np.sqrt(r) + eps)
        theta = theta + v
        w, config = optim.rmsprop_nesterov(w, grad(w), config)
        np.testing.assert_allclose(w, theta + mu * v, **TOL)
        np.testing.assert_allclose(config["velocity"], v, **TOL)
        np.testing.assert_allclose(config["cache"], r, **TOL)


@given(trajectory=trajectories(), lr=LR, beta1=BETA1, beta2=BETA2, eps=EPS)
def test_nadam_is_dozat_with_constant_momentum_schedule(trajectory, lr, beta1, beta2, eps):
    """Dozat 2016 Alg. 2 with μₜ = β₁: ĝ = g/(1 − Πᵢ≤ₜ μᵢ), m̂ = μₜ₊₁ m/(1 − Πᵢ≤ₜ₊₁ μᵢ),
    n̂ = n/(1 − β₂ᵗ), m̄ = (1 − μₜ)ĝ + m̂, θ ← θ − η m̄/(√n̂ + ε)."""
    theta, grads = trajectory
    w, config = theta.copy(), {"learning_rate": lr, "beta1": beta1, "beta2": beta2, "epsilon": eps}
    m, n = np.zeros_like(theta), np.zeros_like(theta)
    mu_product, beta2_power = 1.0, 1.0
    for g in grads:
        mu_product *= beta1
        beta2_power *= beta2
        m = beta1 * m + (1 - beta1) * g
        n = beta2 * n + (1 - beta2) * g * g
        g_hat = g / (1 - mu_product)
        m_hat = beta1 * m / (1 - mu_product * beta1)
        n_hat = n / (1 - beta2_power)
        theta = theta - lr * ((1 - beta1) * g_hat + m_hat) / (np.sqrt(n_hat) + eps)
        w, config = optim.nadam(w, g, config)
        np.testing.assert_allclose(w, theta, **TOL)
        np.testing.assert_allclose(config["m"], m, **TOL)
        np.testing.assert_allclose(config["v"], n, **TOL)


@given(trajectory=trajectories(), lr=LR, beta1=BETA1, beta2=BETA2, weight_decay=floats(0.0, 0.5))
def test_lion_is_chen_et_al_algorithm(trajectory, lr, beta1, beta2, weight_decay):
    """Chen et al. 2023, Program 1: update = interp(g, m, β₁).sign(); update += w·λ; w −= η·update;
    m = interp(g, m, β₂), with interp(g, m, β) = β·m + (1 − β)·g."""
    theta, grads = trajectory
    w, config = theta.copy(), {"learning_rate": lr, "beta1": beta1, "beta2": beta2, "weight_decay": weight_decay}
    m = np.zeros_like(theta)
    for g in grads:
        update = np.sign(beta1 * m + (1 - beta1) * g) + theta * weight_decay
        theta = theta - lr * update
        m = beta2 * m + (1 - beta2) * g
        w, config = optim.lion(w, g, config)
        np.testing.assert_allclose(w, theta, **TOL)
        np.testing.assert_allclose(config["m"], m, **TOL)


def test_lion_takes_no_step_where_the_interpolation_is_zero():
    """sign(0) = 0: a zero gradient from a zero momentum leaves w alone (but for the weight decay)."""
    w, config = optim.lion(np.array([1.0, -2.0]), np.array([0.0, 3.0]), {"learning_rate": 0.1})
    np.testing.assert_array_equal(w, [1.0, -2.1])
    np.testing.assert_allclose(config["m"], [0.0, 0.03], rtol=1e-12, atol=0)


def run(fn, w, grads, config):
    for g in grads:
        w, config = fn(w, g, config)
    return w, config


@given(trajectory=trajectories(steps=5), lr=LR)
def test_zero_momentum_reduces_to_the_plain_rule(trajectory, lr):
    w, grads = trajectory
    expected, _ = run(optim.sgd, w, grads, {"learning_rate": lr})
    for fn in (optim.sgd_momentum, optim.sgd_nesterov):
        got, _ = run(fn, w, grads, {"learning_rate": lr, "momentum": 0.0})
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    expected, _ = run(optim.rmsprop, w, grads, {"learning_rate": lr, "decay_rate": 0.9})
    got, _ = run(optim.rmsprop_nesterov, w, grads, {"learning_rate": lr, "momentum": 0.0})
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@given(trajectory=trajectories(steps=5))
def test_zero_learning_rate_leaves_w_unchanged(name, trajectory):
    w, grads = trajectory
    got, _ = run(getattr(optim, name), w, grads, {"learning_rate": 0.0})
    np.testing.assert_array_equal(got, w)


@given(trajectory=trajectories(steps=5))
def test_adamw_without_weight_decay_is_adam(trajectory):
    w, grads = trajectory
    expected, _ = run(optim.adam, w, grads, None)
    got, _ = run(optim.adamw, w, grads, {"weight_decay": 0.0})
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", NAMES)
def test_spec_state_keys_int_step_and_no_in_place_update(name):
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    w_before, g_before = w.copy(), g.copy()
    fn = getattr(optim, name)
    next_w, config = fn(w, g)
    assert set(optim.RULES[name].state) <= set(config)
    next_w, config = fn(next_w, g, config)
    np.testing.assert_array_equal(w, w_before)
    np.testing.assert_array_equal(g, g_before)
    assert next_w.shape == w.shape and next_w.dtype == np.float64
    if "t" in config:
        assert type(config["t"]) is int and config["t"] == 2


# Lion's step is the sign of a blend of m and g: gradients of one size and a short memory (β₂ = 0.5)
# make the blend's sign depend on which m it takes.
REVEALING = {"lion": {"growth": 1.0, "beta2": 0.5}}


def revealing_run(fn, asarray=np.asarray, growth=0.1, **config):
    """Five steps with large ε and gradients shrinking tenfold a step, which expose every named mistake."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal(6)
    grads = rng.standard_normal((5, 6)) * growth ** np.arange(5)[:, None]
    config = {"learning_rate": 0.1, "epsilon": 0.1, "weight_decay": 0.1, **config}
    w, config = run(fn, asarray(w), [asarray(g) for g in grads], config)
    return {"w": w, **{k: v for k, v in config.items() if hasattr(v, "shape")}}


@pytest.mark.parametrize("name, mistake", MISTAKES, ids=[f"{n}-{m}" for n, m in MISTAKES])
def test_each_named_mistake_differs_from_the_spec(name, mistake):
    # A step-count mistake shows from an empty config (t_starts_at_1) or from a count handed in, as the teacher-forced
    # checks do (t_after_use counts right from an empty one): it must differ from one of them.
    starts = [{}, {"t": 3}] if "t_counter" in mistake else [{}]
    differs = []
    for start in starts:
        spec = revealing_run(getattr(optim, name), **REVEALING.get(name, {}), **start)
        wrong = revealing_run(functools.partial(getattr(optim, name), **mistake), **REVEALING.get(name, {}), **start)
        assert spec.keys() == wrong.keys()
        differs.append(any(not np.allclose(spec[k], wrong[k], rtol=1e-6, atol=1e-9) for k in spec))
    assert any(differs)


def test_unknown_momentum_form_is_rejected():
    with pytest.raises(ValueError, match="momentum form"):
        optim.sgd_momentum(np.zeros(2), np.ones(2), form="nesterov")


ALL_VARIANTS = [(name, {}) for name in NAMES] + MISTAKES


@pytest.mark.parametrize("name, kwargs", ALL_VARIANTS, ids=[f"{n}-{k}" for n, k in ALL_VARIANTS])
def test_core_runs_on_array_api_strict(name, kwargs):
    xps = pytest.importorskip("array_api_strict")
    fn = functools.partial(getattr(optim, name), **kwargs)
    expected = revealing_run(fn)
    got = revealing_run(fn, asarray=functools.partial(xps.asarray, dtype=xps.float64))
    for key, value in expected.items():
        assert array_api_compat.is_array_api_strict_namespace(array_api_compat.array_namespace(got[key]))
        np.testing.assert_allclose(np.from_dlpack(got[key]), value, rtol=1e-13, atol=1e-15)


@pytest.mark.gpu
@pytest.mark.parametrize("name", NAMES)
def test_runs_on_cupy(name):
    cupy = pytest.importorskip("cupy")
    fn = getattr(optim, name)
    expected = revealing_run(fn)
    got = revealing_run(fn, asarray=cupy.asarray)
    for key, value in expected.items():
        assert isinstance(got[key], cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(got[key]), value, rtol=1e-12, atol=1e-14)
