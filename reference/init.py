"""Weight initialisation (spec: init.py): `f(fan_in, fan_out, rng) -> W` of shape (fan_in, fan_out).

`rng` is a `numpy.random.Generator`; every W is zero-mean.
"""
import math


def xavier_normal(fan_in, fan_out, rng, *, no_sqrt=False):
    """W ~ N(0, σ²) with σ = √(2/(fan_in + fan_out)) (Glorot & Bengio 2010).

    no_sqrt=True: the variance 2/(fan_in + fan_out) used as σ.
    """
    variance = 2.0 / (fan_in + fan_out)
    std = variance if no_sqrt else math.sqrt(variance)
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def xavier_uniform(fan_in, fan_out, rng, *, bound_as_std=False):
    """W ~ U(−a, a) with a = √(6/(fan_in + fan_out)), whose std is √(2/(fan_in + fan_out)).

    bound_as_std=True: a = √(2/(fan_in + fan_out)), the normal form's std used as the bound.
    """
    bound = math.sqrt((2.0 if bound_as_std else 6.0) / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def he_normal(fan_in, fan_out, rng, *, fan="in"):
    """W ~ N(0, σ²) with σ = √(2/fan_in) (He et al. 2015).

    fan="out": σ = √(2/fan_out); fan="avg": σ = √(2/((fan_in + fan_out)/2)) = √(4/(fan_in + fan_out)).
    """
    fans = {"in": fan_in, "out": fan_out, "avg": (fan_in + fan_out) / 2}
    return rng.normal(0.0, math.sqrt(2.0 / fans[fan]), size=(fan_in, fan_out))


def lecun_normal(fan_in, fan_out, rng, *, no_sqrt=False):
    """W ~ N(0, σ²) with σ = √(1/fan_in).

    no_sqrt=True: the variance 1/fan_in used as σ.
    """
    variance = 1.0 / fan_in
    std = variance if no_sqrt else math.sqrt(variance)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
