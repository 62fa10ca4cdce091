"""Mini-batch mechanics (spec: training.py)."""
import numpy as np


def num_iterations(n_epochs, n_samples, batch_size, *, rounding="ceil"):
    """n_epochs · ⌈n_samples / batch_size⌉ parameter updates (the partial last batch counts).

    rounding="floor": n_epochs · ⌊n_samples / batch_size⌋ (the partial batch dropped).
    """
    batches = n_samples // batch_size if rounding == "floor" else -(-n_samples // batch_size)
    return n_epochs * batches


def minibatches(n_samples, batch_size, rng, *, shuffle=True, drop_last=False):
    """Index arrays (int64) partitioning range(n_samples) in the order rng.permutation(n_samples),
    cut into consecutive batches of batch_size; the last may be smaller.

    shuffle=False keeps the order 0, 1, …, n−1; drop_last=True discards a partial last batch.
    """
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    order = order.astype(np.int64, copy=False)
    batches = [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]
    if drop_last and n_samples % batch_size:
        batches.pop()
    return batches


def early_stopping(val_losses, patience, *, strict=True, best="first"):
    """Early stopping on a validation-loss curve → (stop, best), both epoch indices.

    Epoch t brings a new minimum when val_losses[t] < min(val_losses[:t]) (epoch 0 always does).
    stop is the first epoch t at which the `patience` epochs t−patience+1, …, t in a row brought no
    new minimum, i.e. t − (last new minimum up to t) = patience; len(val_losses) − 1 if that never
    happens. best is the first index of min(val_losses[0..stop]), the epoch whose weights are kept.

    Worked example, val_losses = [1.0, 0.8, 0.9, 0.8, 0.85, 0.7], patience = 2:
    epochs 0 and 1 are new minima; epoch 2 (0.9) is not; epoch 3 (0.8) only ties the best, so
    epochs 2 and 3 make 2 in a row without one → stop = 3, best = 1 (→ (3, 1)).
    The loss 0.7 at epoch 5 is never seen.

    Named mistakes: strict=False counts a loss equal to the best as a new minimum (the example
    then resets at epoch 3, makes a new minimum at 5 and never stops → (5, 5));
    best="last" keeps the last index of the minimum (the example gives (3, 3)).
    """
    best_loss = val_losses[0]
    last_new_minimum = 0
    stop = len(val_losses) - 1
    for t in range(1, len(val_losses)):
        loss = val_losses[t]
        if loss < best_loss or (not strict and loss == best_loss):
            best_loss, last_new_minimum = loss, t
        elif t - last_new_minimum >= patience:
            stop = t
            break
    window = np.asarray(val_losses[:stop + 1], dtype=float)
    if best == "last":
        return stop, int(window.size - 1 - np.argmin(window[::-1]))
    return stop, int(np.argmin(window))


def seeded_minibatches(n_samples, batch_size, seed, *, shuffle=True):
    """The indices of each mini-batch as the Deep Learning Specialization's random_mini_batches draws them (a course
    row): np.random.seed(seed), then permutation(n_samples), cut into ⌊n/batch_size⌋ full batches and the rest.
    Mistake shuffle=False: the batches in index order."""
    order = np.random.RandomState(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]
