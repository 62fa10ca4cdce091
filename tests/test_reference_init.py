"""The oracle's initialisers draw from the stated distributions (Kolmogorov–Smirnov at α = 1e-6)."""
import math

import numpy as np
import pytest
from scipy import stats

from dlgrade.reference import init

ALPHA = 1e-6
FANS = [(64, 32), (200, 100), (500, 3), (7, 400)]


def normal_std(name, fan_in, fan_out):
    return {
        "xavier_normal": math.sqrt(2 / (fan_in + fan_out)),
        "he_normal": math.sqrt(2 / fan_in),
        "lecun_normal": math.sqrt(1 / fan_in),
    }[name]


def draw(fn, fan_in, fan_out, seed=0, **kwargs):
    return fn(fan_in, fan_out, np.random.default_rng(seed), **kwargs)


@pytest.mark.parametrize("fan_in, fan_out", FANS)
@pytest.mark.parametrize("name", ["xavier_normal", "he_normal", "lecun_normal"])
def test_normal_initialisers_follow_stated_normal(name, fan_in, fan_out):
    W = draw(getattr(init, name), fan_in, fan_out)
    std = normal_std(name, fan_in, fan_out)
    assert W.shape == (fan_in, fan_out) and W.dtype == np.float64
    assert stats.kstest(W.ravel(), "norm", args=(0.0, std)).pvalue > ALPHA
    assert abs(W.mean()) < 6 * std / math.sqrt(W.size)  # zero mean, 6 standard errors


@pytest.mark.parametrize("fan_in, fan_out", FANS)
def test_xavier_uniform_follows_stated_uniform(fan_in, fan_out):
    W = draw(init.xavier_uniform, fan_in, fan_out)
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert W.shape == (fan_in, fan_out)
    assert np.all(np.abs(W) <= bound)
    assert stats.kstest(W.ravel(), "uniform", args=(-bound, 2 * bound)).pvalue > ALPHA
    assert abs(W.mean()) < 6 * (bound / math.sqrt(3)) / math.sqrt(W.size)


@pytest.mark.parametrize("name", ["xavier_normal", "xavier_uniform", "he_normal", "lecun_normal"])
def test_same_seed_same_weights_and_rng_is_the_only_source(name):
    fn = getattr(init, name)
    np.testing.assert_array_equal(draw(fn, 30, 20, seed=5), draw(fn, 30, 20, seed=5))
    assert not np.array_equal(draw(fn, 30, 20, seed=5), draw(fn, 30, 20, seed=6))


SPEC_PARAMS = {
    "xavier_normal": lambda i, o: (0.0, normal_std("xavier_normal", i, o)),
    "xavier_uniform": lambda i, o: (-math.sqrt(6 / (i + o)), 2 * math.sqrt(6 / (i + o))),
    "he_normal": lambda i, o: (0.0, normal_std("he_normal", i, o)),
    "lecun_normal": lambda i, o: (0.0, normal_std("lecun_normal", i, o)),
}
MISTAKES = [
    (init.xavier_normal, {"no_sqrt": True}, "norm", lambda i, o: (0.0, 2 / (i + o))),
    (init.xavier_uniform, {"bound_as_std": True}, "uniform",
     lambda i, o: (-math.sqrt(2 / (i + o)), 2 * math.sqrt(2 / (i + o)))),
    (init.he_normal, {"fan": "out"}, "norm", lambda i, o: (0.0, math.sqrt(2 / o))),
    (init.he_normal, {"fan": "avg"}, "norm", lambda i, o: (0.0, math.sqrt(4 / (i + o)))),
    (init.lecun_normal, {"no_sqrt": True}, "norm", lambda i, o: (0.0, 1 / i)),
]


@pytest.mark.parametrize("fn, kwargs, dist, params", MISTAKES,
                         ids=[f"{m[0].__name__}-{m[1]}" for m in MISTAKES])
def test_named_mistake_draws_its_own_distribution_not_the_spec(fn, kwargs, dist, params):
    fan_in, fan_out = 200, 50
    W = draw(fn, fan_in, fan_out, **kwargs)
    assert stats.kstest(W.ravel(), dist, args=params(fan_in, fan_out)).pvalue > ALPHA
    assert stats.kstest(W.ravel(), dist, args=SPEC_PARAMS[fn.__name__](fan_in, fan_out)).pvalue < ALPHA
