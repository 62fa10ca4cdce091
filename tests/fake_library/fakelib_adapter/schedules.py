"""The fake library's schedules: one right, two wrong (see ../README.md)."""
import math


def step_decay(lr0, drop_rate, epochs_drop, epoch):
    return lr0 * drop_rate ** math.floor(epoch / epochs_drop)


def exponential_decay(lr0, k, t):
    """Departs, declared: decays by 2^(−k t) instead of e^(−k t)."""
    return lr0 * 2.0 ** (-k * t)


def power_decay(lr0, d, epoch):
    """Departs, undeclared: one epoch late, lr0 · d^(epoch − 1)."""
    return lr0 * d ** (epoch - 1)
