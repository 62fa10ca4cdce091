# Correct schedules next to a hanging optim.py: they must still be graded.
import math


def time_based_decay(lr0, decay_rate, epoch):
    return lr0 / (1 + decay_rate * epoch)


def step_decay(lr0, drop_rate, epochs_drop, epoch):
    return lr0 * drop_rate ** math.floor(epoch / epochs_drop)


def exponential_decay(lr0, k, t):
    return lr0 * math.exp(-k * t)


def power_decay(lr0, d, epoch):
    return lr0 * d ** epoch


def inverse_sqrt_decay(lr0, d, epoch):
    return lr0 * d / math.sqrt(epoch)
