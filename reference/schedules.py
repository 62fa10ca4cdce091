"""Learning-rate schedules (spec: schedules.py): scalars in, a Python float out."""
import math


def time_based_decay(lr0, decay_rate, epoch):
    """η = η₀ / (1 + k·epoch)."""
    return float(lr0 / (1 + decay_rate * epoch))


def step_decay(lr0, drop_rate, epochs_drop, epoch, *, floor=True):
    """η = η₀ · drop^⌊epoch/epochs_drop⌋;  floor=False: exponent epoch/epochs_drop (a smooth decay)."""
    exponent = epoch / epochs_drop
    return float(lr0 * drop_rate ** (math.floor(exponent) if floor else exponent))


def exponential_decay(lr0, k, t):
    """η = η₀ · e^(−k t)."""
    return float(lr0 * math.exp(-k * t))


def power_decay(lr0, d, epoch):
    """η = η₀ · d^epoch."""
    return float(lr0 * d**epoch)


def inverse_sqrt_decay(lr0, d, epoch, *, sqrt=True):
    """η = η₀ · d / √epoch (epoch ≥ 1);  sqrt=False: η₀ · d / epoch."""
    return float(lr0 * d / (math.sqrt(epoch) if sqrt else epoch))


def interval_time_decay(lr0, decay_rate, epoch, time_interval, *, floor=True):
    """η = η₀ / (1 + k·⌊epoch/interval⌋): time-based decay applied once per interval of epochs (the Deep Learning
    Specialization's schedule_lr_decay, a course row);  floor=False: epoch/interval unrounded (a smooth decay)."""
    steps = epoch / time_interval
    return float(lr0 / (1 + decay_rate * (math.floor(steps) if floor else steps)))
