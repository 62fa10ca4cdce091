"""What the areas declare of the spec, for the engine to read: the order of its modules and the call conventions of
its functions. The engine knows no name of the spec itself; each area states its own (checks/areas/__init__.py
the module order, areas/layers.py and areas/layers_norms.py their functions' param dicts and per-channel
parameters), when it is imported, as it registers its checks."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MODULES: list[str] = []  # the spec's modules, in the spec's order: the order of every report and listing


@dataclass(frozen=True)
class ModeParam:
    """A param dict (argument `position`) whose "mode" the spec lets a caller leave out, meaning `default`."""
    position: int
    default: str


MODE_PARAMS: dict[str, ModeParam] = {}             # spec function -> its param dict with a mode
DROP_PROBABILITY: dict[str, tuple[int, str]] = {}  # spec function -> (argument, key) of the probability of a drop
PER_CHANNEL: list[str] = []  # spec forwards whose gamma (argument 1) and beta (argument 2) have one entry per channel
# The oracle's rounding mode, as the areas declare it: bounds(compute, dtype) -> (values, bounds), compute() run with
# a first-order bound of `dtype` rounding per output entry (reference.error_bounds); a bound None where not followed.
ROUNDING: list[Callable[[Callable[[], Any], str], tuple[Any, Any]]] = []


def declare_modules(names: list[str] | tuple[str, ...]) -> None:
    """The spec's modules, in its order (a module not named sorts last)."""
    MODULES[:] = names


def module_rank(module: str) -> int:
    """A module's place in the spec's order (len(MODULES) for one it does not name)."""
    return MODULES.index(module) if module in MODULES else len(MODULES)


def declare_call(function: str, *, mode_param: ModeParam | None = None,
                 drop_probability: tuple[int, str] | None = None, per_channel: bool = False) -> None:
    """How the spec's `function` takes what a course may convey differently (engine.conventions translates)."""
    if mode_param is not None:
        MODE_PARAMS[function] = mode_param
    if drop_probability is not None:
        DROP_PROBABILITY[function] = drop_probability
    if per_channel and function not in PER_CHANNEL:
        PER_CHANNEL.append(function)


def declare_rounding(bounds: Callable[[Callable[[], Any], str], tuple[Any, Any]]) -> None:
    """The oracle's rounding mode, which engine.compare.rounding_tolerance runs an oracle in."""
    ROUNDING[:] = [bounds]
