"""The shared strategies: arrays drawn from a seed stay bounded, follow their elements' law and still shrink."""
import numpy as np
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.checks.areas import optim
from dlgrade.checks.engine.strategies import arrays, labels, shapes

QUIET = settings(database=None, max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)


@QUIET
@given(arrays(shapes(1, 3, 1, 6), -2.0, 3.0))
def test_entries_are_bounded_float64_and_never_subnormal(x):
    assert x.dtype == np.float64 and np.all((x >= -2.0) & (x <= 3.0))
    tiny = np.abs(x[x != 0])
    assert np.all(tiny >= np.finfo(np.float64).tiny)


@QUIET
@given(arrays((40,), elements=st.sampled_from([-1.0, 0.0, 1.0]).flatmap(lambda s: st.floats(0.5, 2.0).map(
    lambda v: s * v))))
def test_the_elements_law_is_followed(x):
    assert np.all((np.abs(x) == 0) | ((np.abs(x) >= 0.5) & (np.abs(x) <= 2.0)))


@QUIET
@given(arrays((2, 2, 4, 4), elements=st.integers(-400, 400).map(lambda k: k / 8), unique=True))
def test_unique_arrays_have_distinct_entries(x):
    assert np.unique(x).size == x.size and np.all(x * 8 == np.round(x * 8))


def test_a_failure_shrinks_to_a_small_shape():
    found = find(arrays(shapes(1, 3, 1, 6)), lambda x: x.size >= 3 and np.any(x > 5.0), settings=QUIET)
    assert found.size == 3


def test_labels_shrink_to_zeros():
    assert np.all(find(labels(4, 3), lambda y: True, settings=QUIET) == 0)


@QUIET
@given(st.fixed_dictionaries(optim.hyperparameters("lion")))
def test_hyperparameters_are_never_vanishingly_small(config):
    # β₁ = 1e-150 once made β₁m vanish beside m in a correct evaluation order (a false failure of Lion)
    assert all(v is None or v == 0.0 or abs(v) >= optim.SMALLEST_HYPERPARAMETER for v in config.values())
