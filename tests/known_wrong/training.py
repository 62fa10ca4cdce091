"""Plausible wrong implementations of training.py, one for each check (the check must fail)."""

KNOWN_WRONG = {
    "training.num_iterations/closed_form": '''
def num_iterations(n_epochs, n_samples, batch_size):
    # rounds the total, not the batches per epoch
    return -(-n_epochs * n_samples // batch_size)
''',
    "training.minibatches/partition": '''
def minibatches(n_samples, batch_size, rng):
    # the last, smaller batch is dropped
    order = rng.permutation(n_samples)
    return [order[s:s + batch_size] for s in range(0, n_samples - batch_size + 1, batch_size)]
''',
    "training.minibatches/same_seed": '''
import numpy as np

def minibatches(n_samples, batch_size, rng):
    # shuffles with numpy's global state instead of rng
    order = np.random.permutation(n_samples)
    return [order[s:s + batch_size] for s in range(0, n_samples, batch_size)]
''',
    "training.minibatches/shuffled": '''
import numpy as np

def minibatches(n_samples, batch_size, rng):
    # shuffles the order of the batches, not the samples: a batch always holds consecutive indices
    batches = [np.arange(s, min(s + batch_size, n_samples)) for s in range(0, n_samples, batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]
''',
    "training.early_stopping/hand_worked": '''
def early_stopping(val_losses, patience):
    # a loss equal to the best resets the count
    best, waited = 0, 0
    for t in range(1, len(val_losses)):
        if val_losses[t] <= val_losses[best]:
            best, waited = t, 0
        else:
            waited += 1
            if waited == patience:
                return t, best
    return len(val_losses) - 1, best
''',
    "training.early_stopping/oracle": '''
def early_stopping(val_losses, patience):
    # waits one epoch too long
    best, waited = 0, 0
    for t in range(1, len(val_losses)):
        if val_losses[t] < val_losses[best]:
            best, waited = t, 0
        else:
            waited += 1
            if waited > patience:
                return t, best
    return len(val_losses) - 1, best
''',
}
