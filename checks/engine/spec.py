"""What the areas declare of the spec, for the engine to read: the order of its modules and the call conventions of
its functions. The engine knows no name of the spec itself; each area states its own (checks/areas/__init__.py
the module order, areas/layers.py and areas/layers_norms.py their functions' param dicts and per-channel
parameters), when it is imported, as it registers its checks."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MODULES: list[str] = []  # the spec's modules, in the spec's order: the order of every report and listing


@dataclass(frozen=True)
class ModeParam:
    """A param dict (argument `position`) whose "mode" the spec lets a caller leave out, meaning `default`."""
    position: int
    default: str


MODE_PARAMS: dict[str, ModeParam] = {}             # spec function -> its param dict with a mode
DROP_PROBABILITY: dict[str, tuple[int | None, str]] = {}  # spec function -> (argument, key) of the probability of
                                                         # a drop: argument None, the keyword argument `key` itself
KEEP_WORDS: dict[str, str] = {}  # mistake id -> what it says where the course's p keeps a unit (p is 1 − the spec's)
PER_CHANNEL: list[str] = []  # spec forwards whose gamma (argument 1) and beta (argument 2) have one entry per channel
COURSE_ROWS: set[str] = set()  # functions only a course asks for (COURSES_DLS_D2L.md "none"), graded where named
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
                 drop_probability: tuple[int | None, str] | None = None, per_channel: bool = False,
                 keep_words: dict[str, str] | None = None) -> None:
    """How the spec's `function` takes what a course may convey differently (engine.conventions translates);
    keep_words: {mistake id: what it says in a course whose p is the probability of keeping a unit}."""
    KEEP_WORDS.update(keep_words or {})
    if mode_param is not None:
        MODE_PARAMS[function] = mode_param
    if drop_probability is not None:
        DROP_PROBABILITY[function] = drop_probability
    if per_channel and function not in PER_CHANNEL:
        PER_CHANNEL.append(function)


PROMISES: dict = {}  # promise name -> {spec function: case -> bool}: inputs an assignment promises its students


def declare_promise(name: str, function: str, holds: Callable[[Any], bool]) -> None:
    """An input promise an assignment may make of `function`'s inputs: holds(case) says whether a drawn (or
    textbook) case keeps it. A profile's [domain] promises names it; the checks then meet only such cases."""
    PROMISES.setdefault(name, {})[function] = holds


PARTNERS: dict = {}  # spec function -> partners(check id, failing input or None) -> the spec functions it relies on


def declare_partners(function: str, partners: Callable[[str, Any], Iterable[str]]) -> None:
    """`function` is built on the submission's own other functions (a network on its layers): partners(check id,
    the input a check failed on, or None) names those that call relies on. A failing check of `function` whose
    partner, reached by the submission's code, fails its own checks is not graded (runner.apply_partner_gates):
    one bug is charged once, where its own checks judge it."""
    PARTNERS[function] = partners


def declare_course_row(function: str) -> None:
    """`function` is a course's row, not the student API's: graded only by a profile that lists it ([layout] graded,
    a course's assignments), never by default."""
    COURSE_ROWS.add(function)


def declare_rounding(bounds: Callable[[Callable[[], Any], str], tuple[Any, Any]]) -> None:
    """The oracle's rounding mode, which engine.rounding.rounding_tolerance runs an oracle in."""
    ROUNDING[:] = [bounds]
