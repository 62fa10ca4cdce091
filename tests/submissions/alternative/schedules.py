"""Learning-rate schedules through NumPy, so arrays of epochs work too."""
import numpy as np


def time_based_decay(lr0, decay_rate, epoch):
    return lr0 * np.reciprocal(1.0 + decay_rate * np.asarray(epoch, dtype=float))


def step_decay(lr0, drop_rate, epochs_drop, epoch):
    return lr0 * np.float_power(drop_rate, np.floor_divide(epoch, epochs_drop))


def exponential_decay(lr0, k, t):
    return lr0 * np.exp(-k * np.asarray(t, dtype=float))


def power_decay(lr0, d, epoch):
    return lr0 * np.float_power(d, epoch)


def inverse_sqrt_decay(lr0, d, epoch):
    return lr0 * d / np.sqrt(epoch)
