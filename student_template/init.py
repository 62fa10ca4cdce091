"""Weight initialisation: ``f(fan_in, fan_out, rng) -> W`` of shape (fan_in, fan_out).

``rng`` is a numpy.random.Generator; draw every random number from it. All zero-mean.
"""


def xavier_normal(fan_in, fan_out, rng):
    """Normal with standard deviation √(2 / (fan_in + fan_out))."""
    raise NotImplementedError


def xavier_uniform(fan_in, fan_out, rng):
    """Uniform on (−a, a), a = √(6 / (fan_in + fan_out))."""
    raise NotImplementedError


def he_normal(fan_in, fan_out, rng):
    """Normal with standard deviation √(2 / fan_in)."""
    raise NotImplementedError


def lecun_normal(fan_in, fan_out, rng):
    """Normal with standard deviation √(1 / fan_in)."""
    raise NotImplementedError
