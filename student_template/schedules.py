"""Learning-rate schedules: scalars in, a scalar learning rate out."""


def time_based_decay(lr0, decay_rate, epoch):
    """lr = lr0 / (1 + decay_rate · epoch)"""
    raise NotImplementedError


def step_decay(lr0, drop_rate, epochs_drop, epoch):
    """lr = lr0 · drop_rate ^ ⌊epoch / epochs_drop⌋"""
    raise NotImplementedError


def exponential_decay(lr0, k, t):
    """lr = lr0 · e^(−k t)"""
    raise NotImplementedError


def power_decay(lr0, d, epoch):
    """lr = lr0 · d ^ epoch"""
    raise NotImplementedError


def inverse_sqrt_decay(lr0, d, epoch):
    """lr = lr0 · d / √epoch   (epoch ≥ 1)"""
    raise NotImplementedError
