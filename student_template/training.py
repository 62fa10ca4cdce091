"""Mini-batch mechanics."""


def num_iterations(n_epochs, n_samples, batch_size):
    """Number of parameter updates: n_epochs · ⌈n_samples / batch_size⌉."""
    raise NotImplementedError


def minibatches(n_samples, batch_size, rng):
    """A list of integer index arrays partitioning range(n_samples) in a random order drawn
    from rng (a numpy.random.Generator); every batch has batch_size entries except possibly
    the last.
    """
    raise NotImplementedError


def early_stopping(val_losses, patience):
    """Early stopping on a sequence of validation losses (patience ≥ 1).

    Returns (stop, best):
    stop — the first epoch index at which `patience` epochs in a row have passed without a
           new strict minimum of the validation loss (the last index if that never happens);
    best — the index of the first minimum among epochs 0..stop (the weights kept).
    """
    raise NotImplementedError
