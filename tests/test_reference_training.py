"""Mini-batch mechanics: iteration counts, batch partitions, early stopping."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlgrade.reference import training

SIZES = st.tuples(st.integers(0, 20), st.integers(1, 200), st.integers(1, 64))


@given(SIZES)
def test_num_iterations_closed_form(sizes):
    n_epochs, n, batch = sizes
    assert training.num_iterations(n_epochs, n, batch) == n_epochs * math.ceil(n / batch)
    assert training.num_iterations(n_epochs, n, batch, rounding="floor") == n_epochs * (n // batch)
    assert training.num_iterations(n_epochs, n, batch) == n_epochs * len(
        training.minibatches(n, batch, np.random.default_rng(0)))


def test_num_iterations_worked_values():
    assert training.num_iterations(10, 1000, 32) == 320
    assert training.num_iterations(10, 1000, 32, rounding="floor") == 310
    assert training.num_iterations(3, 64, 32) == training.num_iterations(3, 64, 32, rounding="floor") == 6


@given(SIZES, st.integers(0, 2**32 - 1))
def test_minibatches_partition_the_samples(sizes, seed):
    _, n, batch = sizes
    batches = training.minibatches(n, batch, np.random.default_rng(seed))
    assert all(b.dtype == np.int64 for b in batches)
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert [len(b) for b in batches[:-1]] == [batch] * (len(batches) - 1)
    assert len(batches[-1]) == n - batch * (len(batches) - 1)
    np.testing.assert_array_equal(np.concatenate(batches), np.random.default_rng(seed).permutation(n))


def test_minibatch_order_comes_from_the_rng():
    first = training.minibatches(50, 8, np.random.default_rng(1))
    again = training.minibatches(50, 8, np.random.default_rng(1))
    other = training.minibatches(50, 8, np.random.default_rng(2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(np.concatenate(first), np.concatenate(other))
    assert not np.array_equal(np.concatenate(first), np.arange(50))


HAND_WORKED = [
    # (val_losses, patience, (stop, best))
    ([1.0, 2.0, 3.0, 4.0, 5.0], 2, (2, 0)),         # no improvement ever after epoch 0
    ([1.0, 2.0, 3.0, 4.0, 5.0], 1, (1, 0)),
    ([5.0, 4.0, 3.0, 2.0, 1.0], 1, (4, 4)),         # improves to the end: never stops
    ([3.0, 2.0, 2.5, 2.4, 1.0], 2, (3, 1)),         # the late improvement is never seen
    ([3.0, 2.0, 2.5, 1.0, 1.5], 2, (4, 3)),         # improvement at the last allowed epoch resets
    ([1.0, 1.0, 1.0, 1.0], 2, (2, 0)),              # ties are not new minima
    ([1.0, 0.8, 0.9, 0.8, 0.85, 0.7], 2, (3, 1)),   # the docstring's example
    ([1.0, 0.8, 0.9, 0.8, 0.85, 0.7], 3, (4, 1)),
    ([0.5], 3, (0, 0)),
]


@pytest.mark.parametrize("losses, patience, expected", HAND_WORKED)
def test_early_stopping_hand_worked(losses, patience, expected):
    assert training.early_stopping(losses, patience) == expected


def brute_force_early_stopping(losses, patience):
    """The spec's definition, restated literally."""
    def new_minimum(t):
        return t == 0 or losses[t] < min(losses[:t])

    stop = next((t for t in range(len(losses))
                 if t >= patience and not any(new_minimum(s) for s in range(t - patience + 1, t + 1))),
                len(losses) - 1)
    window = losses[:stop + 1]
    return stop, window.index(min(window))


@settings(max_examples=300)
@given(st.lists(st.integers(0, 5).map(float), min_size=1, max_size=15), st.integers(1, 5))
def test_early_stopping_matches_the_definition(losses, patience):
    stop, best = training.early_stopping(losses, patience)
    assert (stop, best) == brute_force_early_stopping(losses, patience)
    assert isinstance(stop, int) and isinstance(best, int)


MISTAKES = [
    ("num_iterations", (10, 1000, 32), {"rounding": "floor"}, 310),
    ("early_stopping", ([1.0, 0.8, 0.9, 0.8, 0.85, 0.7], 2), {"strict": False}, (5, 5)),
    ("early_stopping", ([1.0, 0.8, 0.9, 0.8, 0.85, 0.7], 2), {"best": "last"}, (3, 3)),
    ("early_stopping", ([1.0, 1.0, 1.0, 1.0], 2), {"strict": False}, (3, 0)),
]


@pytest.mark.parametrize("name, args, kwargs, expected", MISTAKES,
                         ids=[f"{m[0]}-{m[2]}" for m in MISTAKES])
def test_named_mistakes_give_their_own_answers(name, args, kwargs, expected):
    fn = getattr(training, name)
    assert fn(*args, **kwargs) == expected != fn(*args)


def test_minibatch_mistakes():
    unshuffled = training.minibatches(10, 4, np.random.default_rng(0), shuffle=False)
    assert [b.tolist() for b in unshuffled] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dropped = training.minibatches(10, 4, np.random.default_rng(0), drop_last=True)
    spec = training.minibatches(10, 4, np.random.default_rng(0))
    assert len(dropped) == 2 and all(np.array_equal(a, b) for a, b in zip(dropped, spec))
    assert len(training.minibatches(12, 4, np.random.default_rng(0), drop_last=True)) == 3
