"""Hypothesis strategies shared by every check: shapes, arrays and hyperparameters.

An array is drawn at NumPy speed: Hypothesis draws what the search explores (the shape, a seed and
the share of special entries: 0, the bounds, ±1, tiny values, ties), and the entries come from
numpy.random.default_rng(seed) under the elements' law. A failing case still shrinks: to a small
shape, a small seed and no special entries. Arrays are float64, bounded, never subnormal. The other
entries are not rounded to a grid: round values make exact cancellations (β₁m + (1−β₁)g = 0 under a
sign) likely, where two correct evaluation orders disagree.

The elements' law is read from the strategy (floats, integers, sampled_from/just, one_of, map,
flatmap); any other strategy is drawn entry by entry by hypothesis.extra.numpy, as before.
"""
import functools
import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.strategies._internal.flatmapped import FlatMapStrategy
from hypothesis.strategies._internal.numbers import FloatStrategy, IntegersStrategy
from hypothesis.strategies._internal.strategies import (
    MappedStrategy,
    OneOfStrategy,
    SampledFromStrategy,
    SearchStrategy,
)

SEEDS = st.integers(0, 2**32 - 1)
# The share of entries the seeded generator overwrites with special values or ties; shrinks toward none.
SPECIAL_SHARES = st.sampled_from([0.0, 0.1, 0.3, 0.3])
# Special values, each where the range holds it (and the range's bounds); 0 counts twice (kinks, dead units).
SPECIAL_VALUES = (0.0, 0.0, 1.0, -1.0, 1e-8, -1e-8, 1e3, -1e3)
UNIQUE_TRIES = 8                     # fills tried for distinct entries before the example is rejected


@functools.lru_cache(maxsize=4096)
def floats(min_value=-10.0, max_value=10.0, **kwargs):
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False, **kwargs)


@functools.lru_cache(maxsize=4096)  # strategies are immutable: one per distinct call, validated once
def arrays(shape, min_value=-10.0, max_value=10.0, *, elements=None, unique=False):
    """float64 arrays of `shape` (a tuple or a strategy of tuples); entries in [min_value, max_value]
    unless `elements` (a strategy of floats) says otherwise; unique: all entries distinct."""
    law = _law(floats(min_value, max_value) if elements is None else elements)
    if law is None:
        return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing(), unique=unique)
    specials = () if unique or elements is not None else _specials(min_value, max_value)
    return _seeded_arrays(shape, law, specials, unique)


@st.composite
def _seeded_arrays(draw, shape, law, specials, unique):
    shape = draw(shape) if isinstance(shape, SearchStrategy) else tuple(shape)
    size, seed = math.prod(shape), draw(SEEDS)
    rng = np.random.default_rng(seed)
    if unique:
        return _distinct(rng, law, size).reshape(shape)
    values = law(rng, size)
    chosen = np.flatnonzero(rng.random(size) < draw(SPECIAL_SHARES))
    kinds = rng.integers(0, len(specials) + 1, chosen.size)  # the last kind: a tie with another entry
    ties = kinds == len(specials)
    values[chosen[ties]] = values[rng.integers(0, size, int(ties.sum()))]
    values[chosen[~ties]] = np.asarray(specials, dtype=np.float64)[kinds[~ties]]
    return values.reshape(shape)


def _distinct(rng, law, size):
    for _ in range(UNIQUE_TRIES):
        values = law(rng, 2 * size)
        _, first = np.unique(values, return_index=True)
        if first.size >= size:
            return values[np.sort(first)[:size]]
    assume(False)


def _specials(low, high):
    return tuple(float(v) for v in (*SPECIAL_VALUES, low, high) if low <= v <= high)


def _law(strategy):
    """fill(rng, n) -> n float64 values distributed as `strategy` draws them; None when the strategy
    is not one of the kinds read here."""
    strategy = getattr(strategy, "wrapped_strategy", strategy)  # a LazyStrategy's own
    if isinstance(strategy, FloatStrategy):
        return lambda rng, n: rng.uniform(strategy.min_value, strategy.max_value, n)
    if isinstance(strategy, IntegersStrategy) and strategy.start is not None and strategy.end is not None:
        return lambda rng, n: rng.integers(strategy.start, strategy.end, n, endpoint=True).astype(np.float64)
    if isinstance(strategy, SampledFromStrategy) and not strategy._transformations:
        choices = np.asarray(strategy.elements, dtype=np.float64)
        return lambda rng, n: choices[rng.integers(0, choices.size, n)]
    if isinstance(strategy, OneOfStrategy):
        branches = [_law(s) for s in strategy.original_strategies]
        return None if None in branches else functools.partial(_mixture, branches)
    if isinstance(strategy, MappedStrategy):
        base, pack = _law(strategy.mapped_strategy), strategy.pack
        return None if base is None else \
            lambda rng, n: np.array([pack(v) for v in base(rng, n).tolist()], dtype=np.float64)
    if isinstance(strategy, FlatMapStrategy):  # over finitely many keys: one law per key
        keys = getattr(strategy.base, "wrapped_strategy", strategy.base)
        if not isinstance(keys, SampledFromStrategy) or keys._transformations:
            return None
        laws = [_law(strategy.expand(key)) for key in keys.elements]
        return None if None in laws else functools.partial(_mixture, laws)
    return None


def _mixture(branches, rng, n):
    pick, values = rng.integers(0, len(branches), n), np.empty(n)
    for k, branch in enumerate(branches):
        values[pick == k] = branch(rng, int((pick == k).sum()))
    return values


@st.composite
def labels(draw, n, classes):
    """n integer class labels in range(classes); shrinks to all 0."""
    used = draw(st.sampled_from([1, classes, classes, classes]))
    return np.random.default_rng(draw(SEEDS)).integers(0, used, n, dtype=np.int64)


def signs(shape):
    """An array of ±1.0 (to flip entries without changing magnitudes)."""
    return arrays(shape, elements=st.sampled_from([-1.0, 1.0]))


@functools.lru_cache(maxsize=4096)
def shapes(min_dims=1, max_dims=3, min_side=1, max_side=6):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def magnitudes():
    """Scale factors that spread gradients over many orders, tiny ones (where ε dominates) included."""
    return MAGNITUDES


def seeds():
    return SEED_ARGUMENTS


MAGNITUDES = st.sampled_from([1e-8, 1e-4, 1e-2, 1.0, 1e2])
SEED_ARGUMENTS = st.integers(0, 2**31 - 1)
