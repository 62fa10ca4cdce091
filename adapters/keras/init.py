"""Keras 3 initializers as the spec's `f(fan_in, fan_out, rng) -> W` of shape (fan_in, fan_out).

    python grader.py --target keras --only init

Each is the keras initializer seeded by one integer drawn from the spec's rng (the only
randomness), called for a (fan_in, fan_out) kernel, keras's own layout, in float64. Keras's
GlorotNormal, HeNormal and LecunNormal draw from a truncated normal whose std is scaled so the
variance is the stated one.
"""
from ._keras import keras, to_numpy


def _draw(initializer, fan_in, fan_out, rng):
    return to_numpy(initializer(seed=int(rng.integers(2**31 - 1)))((fan_in, fan_out), dtype="float64"))


def xavier_normal(fan_in, fan_out, rng):
    return _draw(keras.initializers.GlorotNormal, fan_in, fan_out, rng)


def xavier_uniform(fan_in, fan_out, rng):
    return _draw(keras.initializers.GlorotUniform, fan_in, fan_out, rng)


def he_normal(fan_in, fan_out, rng):
    return _draw(keras.initializers.HeNormal, fan_in, fan_out, rng)


def lecun_normal(fan_in, fan_out, rng):
    return _draw(keras.initializers.LecunNormal, fan_in, fan_out, rng)
