"""Optax's schedules presented as the spec's `f(lr0, …, epoch) -> lr`.

    python grader.py --target optax --only schedules

Every spec schedule that optax's exponential_decay expresses, called with explicit arguments:
step_decay is staircase decay by drop_rate every epochs_drop steps, power_decay is decay by d
every step, exponential_decay is decay by e^(−k) every step (lr0·(e^(−k))^t). time-based and
inverse-square-root decay have no optax counterpart and are not provided.
"""
import math  # noqa: E402

import optax  # noqa: E402

from . import _jax  # noqa: F401  (float64 before jax.numpy)


def step_decay(lr0, drop_rate, epochs_drop, epoch):
    return float(optax.exponential_decay(lr0, transition_steps=epochs_drop, decay_rate=drop_rate,
                                         staircase=True)(epoch))


def exponential_decay(lr0, k, t):
    return float(optax.exponential_decay(lr0, transition_steps=1, decay_rate=math.exp(-k))(t))


def power_decay(lr0, d, epoch):
    return float(optax.exponential_decay(lr0, transition_steps=1, decay_rate=d)(epoch))
