"""The oracle's learning-rate schedules (reference.schedules) against torch.optim.lr_scheduler and closed forms."""
import math
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlgrade.reference import schedules

torch = pytest.importorskip("torch")

EPOCHS = 40
REL = 1e-12


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


LR0, RATE, DECAY_K = floats(1e-4, 1.0), floats(0.01, 1.0), floats(0.0, 1.0)


def torch_lrs(make_scheduler, lr0, epochs=EPOCHS):
    """The learning rate torch's scheduler sets at epochs 0..epochs−1."""
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=lr0)
    scheduler = make_scheduler(optimizer)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stepping the scheduler without training is intended here
        for _ in range(epochs):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return lrs


@given(lr0=LR0, drop_rate=RATE, epochs_drop=st.integers(1, 10))
def test_step_decay_is_torch_step_lr(lr0, drop_rate, epochs_drop):
    expected = torch_lrs(
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=epochs_drop, gamma=drop_rate), lr0)
    for epoch, lr in enumerate(expected):
        assert schedules.step_decay(lr0, drop_rate, epochs_drop, epoch) == pytest.approx(lr, rel=REL)


@given(lr0=LR0, d=RATE)
def test_power_decay_is_torch_exponential_lr(lr0, d):
    expected = torch_lrs(lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=d), lr0)
    for epoch, lr in enumerate(expected):
        assert schedules.power_decay(lr0, d, epoch) == pytest.approx(lr, rel=REL)


@given(lr0=LR0, k=DECAY_K, epoch=st.integers(0, 1000))
def test_time_based_decay_reciprocal_is_linear_in_epoch(lr0, k, epoch):
    assert lr0 / schedules.time_based_decay(lr0, k, epoch) == pytest.approx(1 + k * epoch, rel=REL)


@given(lr0=LR0, k=DECAY_K, t=floats(0.0, 100.0))
def test_exponential_decay_is_power_decay_with_base_e_to_minus_k(lr0, k, t):
    assert schedules.exponential_decay(lr0, k, t) == pytest.approx(
        schedules.power_decay(lr0, math.exp(-k), t), rel=1e-10)


@given(lr0=LR0, d=floats(1e-3, 1.0), epoch=st.integers(1, 10_000))
def test_inverse_sqrt_decay_squared_times_epoch_is_constant(lr0, d, epoch):
    assert schedules.inverse_sqrt_decay(lr0, d, epoch) ** 2 * epoch == pytest.approx((lr0 * d) ** 2, rel=REL)


def test_textbook_values():
    assert schedules.time_based_decay(0.1, 0.5, 2) == pytest.approx(0.05)
    assert schedules.step_decay(0.1, 0.5, 10, 25) == pytest.approx(0.025)
    assert schedules.exponential_decay(0.1, 0.1, 10) == pytest.approx(0.1 / math.e)
    assert schedules.power_decay(0.1, 0.95, 2) == pytest.approx(0.09025)
    assert schedules.inverse_sqrt_decay(0.1, 0.5, 4) == pytest.approx(0.025)


SCHEDULES = {
    "time_based_decay": (lambda lr0, rate, e: schedules.time_based_decay(lr0, 1 - rate, e), 0),
    "step_decay": (lambda lr0, rate, e: schedules.step_decay(lr0, rate, 3, e), 0),
    "exponential_decay": (lambda lr0, rate, e: schedules.exponential_decay(lr0, 1 - rate, e), 0),
    "power_decay": (schedules.power_decay, 0),
    "inverse_sqrt_decay": (schedules.inverse_sqrt_decay, 1),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
@given(lr0=LR0, rate=RATE)
def test_monotone_non_increasing_float(name, lr0, rate):
    schedule, first_epoch = SCHEDULES[name]
    lrs = [schedule(lr0, rate, epoch) for epoch in range(first_epoch, EPOCHS)]
    assert all(type(lr) is float for lr in lrs)
    assert all(later <= earlier for earlier, later in zip(lrs, lrs[1:]))


def test_named_mistakes_differ_from_the_spec():
    assert schedules.step_decay(0.1, 0.5, 10, 5, floor=False) != pytest.approx(
        schedules.step_decay(0.1, 0.5, 10, 5))
    assert schedules.inverse_sqrt_decay(0.1, 0.5, 4, sqrt=False) != pytest.approx(
        schedules.inverse_sqrt_decay(0.1, 0.5, 4))
