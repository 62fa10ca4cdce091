"""The table of checks: every check is a plain function registered here with its metadata.

    @check("optim.adam", "trajectory", title="teacher-forced trajectory", points=3, tol="adaptive",
           doc="w and the state agree with the oracle at every step of 8, each from the oracle's state")
    def adam_trajectory(ctx): ...

A check's id, `optim.adam/trajectory`, is its function and a short ASCII slug: stable, typed on a command line
(`--only`), keyed on by departures files and the known-wrong tests. Its title is the prose a report shows beside it.
Before ids were short, a check's id was `function: title`; those still select it (`prose_ids`).

Like scikit-learn's check_estimator, the table is the public list: `grader.py --list`
prints it, and a third-party library is run through the same rows by an adapter.
"""
import inspect
import re
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
SLUG = re.compile(r"[a-z0-9_]+")  # a check's slug: one per kind of check, the same for every function that has it
ID_LENGTH = 64                    # the longest check id (module.function/slug)


@dataclass(frozen=True)
class Check:
    function: str          # "module.function" of the spec
    slug: str              # the check's short name within its function (SLUG): the id is function/slug
    title: str             # a few words: what it checks (shown beside the id)
    run: "Callable[[Context], None]"  # run(ctx); raises CheckFailure
    points: float          # weight within the function (the profile scales functions)
    tol: str               # a row of checks.policy.tolerances.TOLERANCES
    kind: str
    doc: str               # one line, shown to students
    uses: tuple = ()       # other spec functions the check calls (a forward, a related rule)
    examples: float = 1.0  # share of the profile's example count (costly ones run fewer; 0: fixed cases)
    optional: bool = False  # behaviour the spec allows but does not require: a note, never scored (max_score 0)
    role: str = ""         # one of ROLES; "" is the kind's: values (a searched oracle check), textbook (fixed
                           # cases, statistics excepted), relation (the rest)

    @property
    def id(self) -> str:
        return f"{self.function}/{self.slug}"

    @property
    def prose_id(self) -> str:
        """The id the check had before ids were short ("function: title"): still accepted as a selector."""
        return f"{self.function}: {self.title}"

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


def check(function: str, slug: str, *, title: str, points: float = 1.0, tol: str = "float64", kind: str = "oracle",
          doc: str, uses: tuple[str, ...] = (), examples: float = 1.0, optional: bool = False,
          role: str = "") -> "Callable[[Callable[[Context], None]], Callable[[Context], None]]":
    """Register the decorated function as a check of `function` (see the module docstring)."""
    if tol not in TOLERANCES:
        raise KeyError(f"unknown tolerance row {tol!r}")
    if kind not in KINDS:
        raise KeyError(f"unknown check kind {kind!r}")
    if role and role not in ROLES:
        raise KeyError(f"unknown check role {role!r}")
    if not SLUG.fullmatch(slug) or len(f"{function}/{slug}") > ID_LENGTH:
        raise ValueError(f"check slug {slug!r} of {function}: lower-case ASCII letters, digits and _, an id of at "
                         f"most {ID_LENGTH} characters")

    def register(run: "Callable[[Context], None]") -> "Callable[[Context], None]":
        entry = Check(function, slug, title, run, float(points), tol, kind, doc, tuple(uses), float(examples), optional,
                      role)
        if any(c.id == entry.id for c in REGISTRY):
            raise ValueError(f"duplicate check id {entry.id!r}")
        REGISTRY.append(entry)
        return run
    return register


def prose_ids() -> dict[str, str]:
    """{the id a check had before ids were short: its id now}, from the registry (for selectors and notes)."""
    return {c.prose_id: c.id for c in REGISTRY}


def current_id(name: str) -> str:
    """The check id a selector or key means: an old prose id becomes the check's id now; anything else is kept."""
    return prose_ids().get(name, name)
