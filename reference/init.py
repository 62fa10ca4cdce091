"""Weight initialisation (spec: init.py): `f(fan_in, fan_out, rng) -> W` of shape (fan_in, fan_out).

`rng` is a `numpy.random.Generator`; every W is zero-mean.
"""
import math

import numpy as np


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


# --- course rows: the Deep Learning Specialization's initializers (NumPy's legacy RNG, column-major) ----------


def seeded_layers(layer_dims, *, seed=3, scale=0.01):
    """{"W1": (n1, n0), "b1": (n1, 1), …}: one randn(n_l, n_{l−1}) per layer, in order, from NumPy's legacy RNG
    seeded with `seed` (what np.random.seed(seed) then np.random.randn draws), times scale_l; b_l zeros. scale: a
    number, "zeros", "he" √(2/n_{l−1}), or the mistakes "he_fan_out" √(2/n_l) and "lecun" √(1/n_{l−1})."""
    rng, params = np.random.RandomState(seed), {}
    for layer in range(1, len(layer_dims)):
        rows, columns = layer_dims[layer], layer_dims[layer - 1]
        factor = {"he": np.sqrt(2 / columns), "he_fan_out": np.sqrt(2 / rows), "lecun": np.sqrt(1 / columns),
                  "zeros": 0.0}.get(scale, scale)
        draws = np.zeros((rows, columns)) if scale == "zeros" else rng.randn(rows, columns)
        params[f"W{layer}"] = draws * factor
        params[f"b{layer}"] = np.zeros((rows, 1))
    return params


def layers_zeros(layer_dims, *, scale="zeros"):
    """initialize_parameters_zeros (Course 2 week 1): every W and b zeros."""
    return seeded_layers(layer_dims, scale=scale)


def layers_random(layer_dims, *, scale=10.0):
    """initialize_parameters_random (Course 2 week 1): seed 3, randn·10."""
    return seeded_layers(layer_dims, seed=3, scale=scale)


def layers_he(layer_dims, *, scale="he"):
    """initialize_parameters_he (Course 2 week 1): seed 3, randn·√(2/n_{l−1})."""
    return seeded_layers(layer_dims, seed=3, scale=scale)


def layers_small(layer_dims, *, scale=0.01):
    """initialize_parameters_deep (Course 1 week 4): seed 3, randn·0.01."""
    return seeded_layers(layer_dims, seed=3, scale=scale)


def two_layers_small(n_x, n_h, n_y, *, scale=0.01):
    """initialize_parameters (Course 1 week 4): seed 1, W1 = randn(n_h, n_x)·0.01, W2 = randn(n_y, n_h)·0.01."""
    return seeded_layers([n_x, n_h, n_y], seed=1, scale=scale)
