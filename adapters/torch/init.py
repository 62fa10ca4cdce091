"""torch.nn.init presented as the spec's initialisers `f(fan_in, fan_out, rng) -> W` (fan_in, fan_out).

    python grader.py --target torch --only init

Each draws from a torch.Generator seeded by one integer drawn from the spec's rng (the only
randomness). torch stores a weight as (fan_out, fan_in) and reads its fans from that layout, so W
is filled in torch's layout and returned transposed. LeCun normal is kaiming_normal_ with the
'linear' gain 1: std √(1/fan_in).
"""
import torch


def _weight(fan_in, fan_out, rng, fill):
    generator = torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))
    weight = torch.empty(fan_out, fan_in, dtype=torch.float64)
    fill(weight, generator)
    return weight.T.numpy().copy()


def xavier_normal(fan_in, fan_out, rng):
    return _weight(fan_in, fan_out, rng, lambda w, g: torch.nn.init.xavier_normal_(w, gain=1.0, generator=g))


def xavier_uniform(fan_in, fan_out, rng):
    return _weight(fan_in, fan_out, rng, lambda w, g: torch.nn.init.xavier_uniform_(w, gain=1.0, generator=g))


def he_normal(fan_in, fan_out, rng):
    return _weight(fan_in, fan_out, rng, lambda w, g: torch.nn.init.kaiming_normal_(
        w, a=0.0, mode="fan_in", nonlinearity="relu", generator=g))


def lecun_normal(fan_in, fan_out, rng):
    return _weight(fan_in, fan_out, rng, lambda w, g: torch.nn.init.kaiming_normal_(
        w, a=0.0, mode="fan_in", nonlinearity="linear", generator=g))
