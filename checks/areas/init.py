"""Checks of init.py: `f(fan_in, fan_out, rng) -> W` of shape (fan_in, fan_out).

W must have the right shape and a float dtype, depend on the rng only (the same seed gives
the same W), and follow the stated distribution: a zero-mean t-test and a Kolmogorov–Smirnov
test at α = FALSE_ALARM_RATE each, on one draw of FANS with the rng seeded by STATISTICS_SEED + the
grading seed, so a correct submission fails by chance with probability below 2α. The fans differ
(fan_in ≠ fan_out) and are large enough that every named mistake, and every other
initialiser, is rejected by a wide margin. A rejected W is diagnosed by its sample std: the
closest named mistake within MISTAKE_STD_RTOL names it.
"""
import functools
import math

import numpy as np
from hypothesis import strategies as st
from scipy import stats

from dlgrade.reference import init as oracle
from dlgrade.sandbox import RngSeed

from ..engine import mistakes
from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.strategies import seeds
from ..policy.tolerances import FALSE_ALARM_RATE, STATISTICS_SEED

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("init.xavier_normal",
          ("variance_as_std", "uses 2/(fan_in+fan_out) as the standard deviation; it is the variance",
           {"no_sqrt": True})),
    *rows("init.xavier_uniform",
          ("normal_std_as_bound", "uses √(2/(fan_in+fan_out)) as the bound; the uniform bound is "
                                  "√(6/(fan_in+fan_out))", {"bound_as_std": True})),
    *rows("init.he_normal",
          ("fan_out", "scales by fan_out; He uses √(2/fan_in)", {"fan": "out"}),
          ("fan_avg", "scales by the average fan; He uses √(2/fan_in)", {"fan": "avg"})),
    *rows("init.lecun_normal",
          ("variance_as_std", "uses 1/fan_in as the standard deviation; it is the variance",
           {"no_sqrt": True})),
]

FANS = (100, 400)          # 40 000 entries; σ of the four initialisers: 0.063, 0.063 (uniform), 0.141, 0.1
MISTAKE_STD_RTOL = 0.05    # the sample std of 40 000 draws is within ~1.5% of the true std (4 standard errors)
MISTAKE_STD_SAMPLES = 200_000


INITIALISERS = ("xavier_normal", "xavier_uniform", "he_normal", "lecun_normal")


def stated(name, fan_in, fan_out):
    """The spec's distribution of W's entries: (description, scipy.stats name, its args)."""
    if name == "xavier_uniform":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return f"U(−{bound:.4g}, {bound:.4g})", "uniform", (-bound, 2 * bound)
    std = {"xavier_normal": math.sqrt(2.0 / (fan_in + fan_out)), "he_normal": math.sqrt(2.0 / fan_in),
           "lecun_normal": math.sqrt(1.0 / fan_in)}[name]
    return f"N(0, σ²) with σ = {std:.4g}", "norm", (0.0, std)


def draw_weights(ctx, name, fan_in, fan_out, seed):
    """The submission's W for these fans and an rng seeded with `seed`; fails unless W is a float
    array of shape (fan_in, fan_out)."""
    W = ctx.call(f"init.{name}", fan_in, fan_out, RngSeed(seed))
    inputs = {"fan_in": fan_in, "fan_out": fan_out, "rng": f"numpy.random.default_rng({seed})"}
    if not isinstance(W, np.ndarray):
        ctx.fail(f"init.{name} should return a numpy array; it returned a {type(W).__name__}", inputs=inputs)
    if W.shape != (fan_in, fan_out):
        ctx.fail(f"W should have shape (fan_in, fan_out) = {(fan_in, fan_out)}; got {W.shape}", inputs=inputs)
    if W.dtype.kind != "f":
        ctx.fail(f"W should hold floats; its dtype is {W.dtype}", inputs=inputs)
    return W, inputs


@functools.cache
def mistake_std(mistake_id, fan_in, fan_out):
    """The std of a mistake row's form at these fans, from a large sample of the oracle."""
    row = mistakes.BY_ID[mistake_id]
    rng = np.random.default_rng(0)
    draws = [getattr(oracle, row.function.partition(".")[2])(fan_in, fan_out, rng, **row.kwargs)
             for _ in range(math.ceil(MISTAKE_STD_SAMPLES / (fan_in * fan_out)))]
    return float(np.std(np.concatenate([d.ravel() for d in draws])))


def closest_mistake(function, fan_in, fan_out, std):
    """The id of the mistake row of `function` whose std is nearest to `std`, if within MISTAKE_STD_RTOL."""
    best = min(mistakes.of(function), key=lambda row: abs(mistake_std(row.id, fan_in, fan_out) - std), default=None)
    if best is not None and abs(mistake_std(best.id, fan_in, fan_out) - std) <= MISTAKE_STD_RTOL * std:
        return best.id
    return None


def _register(name):
    function = f"init.{name}"

    @check(function, "shape", title="W has shape (fan_in, fan_out) and a float dtype", points=1, kind="edge",
           examples=0.5, doc="W is a float array of shape (fan_in, fan_out), for square and non-square fans")
    def shape(ctx):
        fans = st.tuples(st.integers(1, 6), st.integers(1, 6))
        ctx.falsify(fans, lambda f: draw_weights(ctx, name, f[0], f[1], 0), examples=[(2, 3), (3, 2)])

    @check(function, "same_seed", title="W depends on the rng only", points=1, tol="exact", kind="metamorphic",
           examples=0.25, doc="the same rng seed gives the same W, another seed another W (no global random state)")
    def same_seed(ctx):
        def body(case):
            fan_in, fan_out, seed = case
            W, inputs = draw_weights(ctx, name, fan_in, fan_out, seed)
            again, _ = draw_weights(ctx, name, fan_in, fan_out, seed)
            ctx.expect(again, W, inputs=inputs, label="W drawn again with the same seed")
            other, _ = draw_weights(ctx, name, fan_in, fan_out, seed + 1)
            if np.array_equal(other, W):
                ctx.fail(f"rng seeds {seed} and {seed + 1} give the same W: draw from the rng passed in",
                         inputs=inputs)
        ctx.falsify(st.tuples(st.integers(2, 6), st.integers(2, 6), seeds()), body)

    @check(function, "distribution", title="W follows the stated distribution", points=2, tol="statistic",
           kind="statistical", examples=0, role="values",
           doc=f"zero mean (t-test) and {stated(name, *FANS)[0]} at fans {FANS} (Kolmogorov–Smirnov test), "
               f"each at α = {FALSE_ALARM_RATE:g} with a fixed rng seed")
    def distribution(ctx):
        fan_in, fan_out = FANS
        text, family, args = stated(name, fan_in, fan_out)
        W, inputs = draw_weights(ctx, name, fan_in, fan_out, STATISTICS_SEED + ctx.seed)
        sample = W.ravel().astype(float)
        if not np.all(np.isfinite(sample)):
            ctx.fail("W holds non-finite values", inputs=inputs)
        mean, std = float(sample.mean()), float(sample.std())
        constant = bool(np.all(sample == sample[0]))  # its std may round above 0: no t-test (and no warning) on it
        p_mean = float(mean == 0) if constant else stats.ttest_1samp(sample, 0.0).pvalue
        p_ks = stats.kstest(sample, family, args=args).pvalue
        if p_mean < FALSE_ALARM_RATE:
            found = f"W's mean {mean:.4g} is not 0 (t-test p = {p_mean:.2g} < α = {FALSE_ALARM_RATE:g})"
        elif p_ks < FALSE_ALARM_RATE:
            found = f"W's entries do not follow {text} (Kolmogorov–Smirnov p = {p_ks:.2g} < α = {FALSE_ALARM_RATE:g})"
        else:
            return
        ctx.fail(f"{found}; W's std is {std:.4g}", inputs=inputs,
                 mistake=closest_mistake(function, fan_in, fan_out, std))


for _name in INITIALISERS:
    _register(_name)
