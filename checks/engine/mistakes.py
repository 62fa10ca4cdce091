"""Named mistakes and documented variants: wrong (or other) textbook forms of the formulas.

Each row is the oracle function called with keyword arguments that reproduce the form
(one source of truth: the formula lives in reference/, the row only names it). When a
submission disagrees with the oracle, the checks evaluate the rows of that function on
the same input; a row that agrees with the submission names the mistake in plain words.
Rows marked `documented` are variants the spec lists; a grading profile may accept them.
When no single row reproduces a submission, pairs of rows of the same function (their keywords
merged) are tried: one student's code often makes two mistakes at once.
Tests build a known-wrong submission from every row (functools.partial of the oracle).
"""
from dataclasses import dataclass, field
from itertools import combinations


@dataclass(frozen=True)
class Mistake:
    function: str
    name: str
    says: str
    kwargs: dict[str, object] = field(default_factory=dict)
    documented: bool = False
    parts: int = 1  # 2: a pair of rows found together (pairs())

    @property
    def id(self) -> str:
        return f"{self.function}:{self.name}"

    @property
    def kind(self) -> str:
        """How a report introduces it: "mistake", "documented variant", or their plurals for a pair."""
        word = "documented variant" if self.documented else "mistake"
        return word + "s" * (self.parts > 1)


MISTAKES: list[Mistake] = []  # every row, in the areas' order (checks/areas/*.py declare them beside their checks)
BY_ID: dict[str, Mistake] = {}


def rows(function: str, *rows: tuple) -> list[Mistake]:
    """Register the rows (name, says, kwargs[, documented]) of one spec function; returns them."""
    made = [Mistake(function, *row) for row in rows]
    for mistake in made:
        if mistake.id in BY_ID:
            raise ValueError(f"duplicate mistake row {mistake.id!r}")
        BY_ID[mistake.id] = mistake
    MISTAKES.extend(made)
    return made


def of(function: str) -> list[Mistake]:
    """The rows for one spec function, in table order."""
    return [m for m in MISTAKES if m.function == function]


def pairs(function: str) -> list[Mistake]:
    """Every two rows of `function` that set different keywords, as one row: both names, both sentences."""
    return [Mistake(function, f"{a.name}' and '{b.name}", f"{a.says}; and it {b.says}", {**a.kwargs, **b.kwargs},
                    a.documented and b.documented, parts=2)
            for a, b in combinations(of(function), 2) if not set(a.kwargs) & set(b.kwargs)]
