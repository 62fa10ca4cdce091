"""Checks of training.py: iteration counts, shuffled mini-batches, early stopping.

minibatches must partition range(n) into batches of batch_size (the last may be smaller), be
determined by the rng it is given, and follow a uniformly random order: over many seeds the
first index must be uniform (chi-square goodness of fit) and index 0 must precede index 1 half
of the time (exact binomial test), each at α = FALSE_ALARM_RATE, with fixed seeds so a verdict replays.
"""
import numpy as np
from hypothesis import strategies as st
from scipy import stats

from dlgrade.reference import training as oracle
from dlgrade.sandbox import RngSeed

from ..engine.mistakes import rows
from ..engine.registry import check
from ..policy.tolerances import FALSE_ALARM_RATE

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("training.num_iterations",
          ("floor", "rounds n_samples/batch_size down: the last, smaller batch is an iteration too",
           {"rounding": "floor"})),
    *rows("training.minibatches",
          ("not_shuffled", "returns the batches in index order; they must follow a random permutation "
                           "drawn from rng", {"shuffle": False}),
          ("drops_last", "drops the last, smaller batch; every sample must be in a batch",
           {"drop_last": True})),
    *rows("training.early_stopping",
          ("not_strict", "counts a loss equal to the best as an improvement; only a new strict minimum "
                         "resets patience", {"strict": False}),
          ("last_best", "keeps the last minimum; best is the first epoch reaching the minimum",
           {"best": "last"})),
]

SHUFFLE_SAMPLES, SHUFFLE_BATCH, SHUFFLE_SEEDS = 10, 3, 300   # 30 expected first-index counts per sample


@st.composite
def sizes(draw):
    return {"n_epochs": draw(st.integers(0, 20)), "n_samples": draw(st.integers(1, 1000)),
            "batch_size": draw(st.integers(1, 128))}


@check("training.num_iterations", "closed_form", title="closed form", points=1, tol="exact",
       doc="n_epochs · ⌈n_samples / batch_size⌉: the smaller last batch is an iteration too")
def num_iterations_closed_form(ctx):
    def body(case):
        got = ctx.call("training.num_iterations", case["n_epochs"], case["n_samples"], case["batch_size"])
        ctx.expect(got, lambda **m: oracle.num_iterations(**case, **m), inputs=case, label="iterations")
    ctx.falsify(sizes(), body, examples=[{"n_epochs": 10, "n_samples": 1000, "batch_size": 32}])


# --- minibatches ---------------------------------------------------------------------------------

def _batches(ctx, n, batch_size, seed):
    """The student's batches as integer arrays; fails on anything else."""
    inputs = {"n_samples": n, "batch_size": batch_size, "rng": f"numpy.random.default_rng({seed})"}
    got = ctx.call("training.minibatches", n, batch_size, RngSeed(seed))
    if not isinstance(got, (list, tuple)):
        ctx.fail(f"minibatches should return a list of index arrays; it returned a {type(got).__name__}",
                 inputs=inputs)
    batches = [np.asarray(b) for b in got]
    if any(b.ndim != 1 or (b.size and b.dtype.kind not in "iu") for b in batches):
        ctx.fail("every batch should be a 1-D array of integer indices", inputs=inputs)
    return batches, inputs


@st.composite
def partitions(draw):
    return {"n": draw(st.integers(1, 60)), "batch_size": draw(st.integers(1, 20)),
            "seed": draw(st.integers(0, 2**31 - 1))}


@check("training.minibatches", "partition", title="a partition of range(n) in batches of batch_size", points=1,
       tol="exact", kind="edge", role="values",
       doc="every index in exactly one batch; ⌈n/batch_size⌉ batches, all of batch_size but the last")
def minibatches_partition(ctx):
    def body(case):
        n, size = case["n"], case["batch_size"]
        batches, inputs = _batches(ctx, n, size, case["seed"])
        indices = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
        lengths = [len(b) for b in batches]
        expected = [size] * (n // size) + ([n % size] if n % size else [])
        if n % size and lengths == expected[:-1]:
            ctx.fail(f"the last, smaller batch (the {n % size} samples left after {n // size} full batches) is "
                     f"missing: every sample must be in a batch", inputs=inputs,
                     mistake="training.minibatches:drops_last")
        if not np.array_equal(np.sort(indices), np.arange(n)):
            missing = np.setdiff1d(np.arange(n), indices)
            ctx.fail(f"the batches hold {indices.size} indices; every index of range({n}) must appear exactly "
                     f"once (missing: {missing.tolist()[:10]}, distinct: {np.unique(indices).size})", inputs=inputs)
        if lengths != expected:
            ctx.fail(f"batch sizes {lengths}; expected {expected}", inputs=inputs)
    ctx.falsify(partitions(), body, examples=[{"n": 10, "batch_size": 3, "seed": 0}])


@check("training.minibatches", "same_seed", title="the same rng seed gives the same batches", points=0.5, tol="exact",
       kind="edge", examples=0.25,
       doc="two calls with generators of the same seed return the same batches: randomness only "
                        "through rng")
def minibatches_deterministic(ctx):
    def body(case):
        first, inputs = _batches(ctx, case["n"], case["batch_size"], case["seed"])
        again, _ = _batches(ctx, case["n"], case["batch_size"], case["seed"])
        if len(first) != len(again) or not all(np.array_equal(a, b) for a, b in zip(first, again)):
            ctx.fail("two calls with numpy.random.default_rng of the same seed gave different batches: draw "
                     "the order from the rng argument, not from global state", inputs=inputs)
    ctx.falsify(partitions(), body)


def _not_shuffled(ctx, p, finding, inputs, mistake):
    if p < FALSE_ALARM_RATE:
        ctx.fail(f"over {SHUFFLE_SEEDS} seeds, {finding} (p = {p:.2g} < {FALSE_ALARM_RATE:g}): "
                 "the order must be a uniformly "
                 f"random permutation drawn from rng", inputs=inputs, mistake=mistake)


@check("training.minibatches", "shuffled", title="the order is uniformly random", points=1, tol="statistic",
       kind="statistical", examples=0,
       doc=f"over {SHUFFLE_SEEDS} seeds the first index is uniform (chi-square) and index 0 comes before index 1 "
           f"half of the time (binomial), alpha = {FALSE_ALARM_RATE:g} each")
def minibatches_shuffled(ctx):
    n = SHUFFLE_SAMPLES
    first = np.zeros(n, dtype=int)
    zero_first = both = in_index_order = 0
    base = ctx.seed * SHUFFLE_SEEDS
    for seed in range(base, base + SHUFFLE_SEEDS):
        batches, _ = _batches(ctx, n, SHUFFLE_BATCH, seed)
        order = list(np.concatenate(batches)) if batches else []
        in_index_order += order == list(range(n))
        if order and 0 <= order[0] < n:
            first[order[0]] += 1
        if 0 in order and 1 in order:
            both += 1
            zero_first += order.index(0) < order.index(1)
    inputs = {"n_samples": n, "batch_size": SHUFFLE_BATCH,
              "rng": f"numpy.random.default_rng(s), s = {base}…{base + SHUFFLE_SEEDS - 1}"}
    if min(first.sum(), both) < SHUFFLE_SEEDS // 2:
        ctx.fail(f"in most of {SHUFFLE_SEEDS} calls the batches did not start with an index of range({n}) or "
                 f"lacked index 0 or 1, so their order cannot be tested", inputs=inputs)
    mistake = "training.minibatches:not_shuffled" if in_index_order == SHUFFLE_SEEDS else None
    _not_shuffled(ctx, stats.chisquare(first).pvalue,
                  f"the first index of the first batch is not uniform over the {n} samples (counts {first.tolist()})",
                  inputs, mistake)
    _not_shuffled(ctx, stats.binomtest(zero_first, both).pvalue,
                  f"index 0 came before index 1 in {zero_first} of {both} orders, not about half", inputs, mistake)


# --- early_stopping ------------------------------------------------------------------------------

@st.composite
def curves(draw):
    """Validation losses from a few levels (many ties), and a patience."""
    levels = draw(st.lists(st.floats(0.1, 3.0, allow_nan=False, allow_subnormal=False), min_size=1, max_size=4))
    losses = draw(st.lists(st.sampled_from(levels), min_size=1, max_size=15))
    return {"val_losses": losses, "patience": draw(st.integers(1, 5))}


def _expect_stopping(ctx, case):
    got = ctx.call("training.early_stopping", case["val_losses"], case["patience"], returns=2)
    ctx.expect(got, lambda **m: oracle.early_stopping(case["val_losses"], case["patience"], **m),
               inputs=case, label="(stop, best)")


HAND_WORKED = [  # (val_losses, patience) → (stop, best)
    {"val_losses": [1.0, 0.8, 0.9, 0.8, 0.85, 0.7], "patience": 2},  # a tie is no new minimum: (3, 1)
    {"val_losses": [1.0, 1.0, 1.0, 1.0], "patience": 2},             # (2, 0)
    {"val_losses": [5.0, 4.0, 3.0, 2.0, 1.0], "patience": 1},        # never stops: (4, 4)
    {"val_losses": [1.0, 2.0, 3.0, 4.0, 5.0], "patience": 1},        # stops at once: (1, 0)
    {"val_losses": [3.0, 2.0, 2.5, 1.0, 1.5], "patience": 2},        # a new minimum resets the count: (4, 3)
    {"val_losses": [2.0, 1.0, 3.0, 1.0, 3.0], "patience": 3},        # best is the first minimum: (4, 1)
    {"val_losses": [0.5], "patience": 3},                            # one epoch: (0, 0)
]


@check("training.early_stopping", "hand_worked", title="hand-worked curves", points=1, tol="exact", kind="edge",
       examples=0, doc="ties are not new minima, a new minimum resets the count, best is the first minimum, a curve "
           "that keeps improving never stops")
def early_stopping_hand_worked(ctx):
    for case in HAND_WORKED:
        _expect_stopping(ctx, case)


@check("training.early_stopping", "oracle", title="agrees with the oracle on curves with ties", points=1, tol="exact",
       doc="(stop, best) on generated curves drawn from a few levels, patience 1 to 5")

def early_stopping_oracle(ctx):
    ctx.falsify(curves(), lambda case: _expect_stopping(ctx, case), examples=HAND_WORKED[:1])
