"""Mini-batch mechanics with integer arithmetic and a single pass for early stopping."""
import numpy as np


def num_iterations(n_epochs, n_samples, batch_size):
    return n_epochs * -(-n_samples // batch_size)


def minibatches(n_samples, batch_size, rng):
    order = rng.permutation(n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]


def early_stopping(val_losses, patience):
    best, waited = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                return epoch, best
    return len(val_losses) - 1, best
