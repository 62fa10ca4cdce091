"""The table of checks: every check is a plain function registered here with its metadata.

    @check("optim.adam", "teacher-forced trajectory", points=3, tol="adaptive",
           doc="w and the state agree with the oracle at every step of 8, each from the oracle's state")
    def adam_trajectory(ctx): ...

Like scikit-learn's check_estimator, the table is the public list: `grader.py --list`
prints it, and a third-party library is run through the same rows by an adapter.
"""
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..policy.tolerances import TOLERANCES

if TYPE_CHECKING:
    from .context import Context

_ROOT = Path(__file__).resolve().parents[2]  # the folder holding checks/ (the repository, or the installed dlgrade)

KINDS = ("oracle", "metamorphic", "gradient", "statistical", "exercise", "edge")
# What a passing check shows, and so when it pays (README, "What earns a point"):
# values: the function's values agree with the oracle's on seed-dependent examples; pays on its own.
# textbook: fixed cases (the same for every seed); pays on its own, and only its own points.
# relation: a relation, invariance, dtype, structure or edge property that trivial code may also hold (zeros,
#   an input handed back); pays only when a values check of the same function passed, or failed on a named
#   mistake (a near-miss computes its values, with one known slip).
ROLES = ("values", "textbook", "relation")


@dataclass(frozen=True)
class Check:
    function: str          # "module.function" of the spec
    what: str              # a few words: what it checks
    run: "Callable[[Context], None]"  # run(ctx); raises CheckFailure
    points: float          # weight within the function (the profile scales functions)
    tol: str               # a row of checks.tolerances.TOLERANCES
    kind: str
    doc: str               # one line, shown to students
    uses: tuple = ()       # other spec functions the check calls (a forward, a related rule)
    examples: float = 1.0  # share of the profile's example count (costly ones run fewer; 0: fixed cases)
    optional: bool = False  # behaviour the spec allows but does not require: a note, never scored (max_score 0)
    role: str = ""         # one of ROLES; "" is the kind's: values (a searched oracle check), textbook (fixed
                           # cases, statistics excepted), relation (the rest)

    @property
    def id(self) -> str:
        return f"{self.function}: {self.what}"

    @property
    def module(self) -> str:
        return self.function.partition(".")[0]

    @property
    def pays(self) -> str:
        """The check's role (ROLES): set, or the default of its kind and cases."""
        if self.role:
            return self.role
        if not self.searches and self.kind != "statistical":
            return "textbook"
        return "values" if self.kind == "oracle" and self.searches else "relation"

    @property
    def gated(self) -> bool:
        """It pays only when its function computes its values right somewhere (runner.apply_gates)."""
        return self.pays == "relation" and not self.optional

    @property
    def searches(self) -> bool:
        """False for a check of fixed cases (textbook values, seeded statistics): examples=0, no search."""
        return self.examples > 0

    @property
    def location(self) -> str:
        """path:line of the check's registration (its @check line), for a reader looking for its definition."""
        code = inspect.unwrap(self.run).__code__
        path = Path(code.co_filename).resolve()
        return f"{path.relative_to(_ROOT) if path.is_relative_to(_ROOT) else path}:{code.co_firstlineno}"


REGISTRY: list[Check] = []


def check(function: str, what: str, *, points: float = 1.0, tol: str = "float64", kind: str = "oracle", doc: str,
          uses: tuple[str, ...] = (), examples: float = 1.0, optional: bool = False,
          role: str = "") -> "Callable[[Callable[[Context], None]], Callable[[Context], None]]":
    """Register the decorated function as a check of `function` (see the module docstring)."""
    if tol not in TOLERANCES:
        raise KeyError(f"unknown tolerance row {tol!r}")
    if kind not in KINDS:
        raise KeyError(f"unknown check kind {kind!r}")
    if role and role not in ROLES:
        raise KeyError(f"unknown check role {role!r}")

    def register(run: "Callable[[Context], None]") -> "Callable[[Context], None]":
        entry = Check(function, what, run, float(points), tol, kind, doc, tuple(uses), float(examples), optional,
                      role)
        if any(c.id == entry.id for c in REGISTRY):
            raise ValueError(f"duplicate check id {entry.id!r}")
        REGISTRY.append(entry)
        return run
    return register
