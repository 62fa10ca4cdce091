"""Named mistakes and documented variants: wrong (or other) textbook forms of the formulas.

Each row is the oracle function called with keyword arguments that reproduce the form
(one source of truth: the formula lives in reference/, the row only names it). When a
submission disagrees with the oracle, the checks evaluate the rows of that function on
the same input; a row that agrees with the submission names the mistake in plain words.
Rows marked `documented` are variants the spec lists; a grading profile may accept them.
When no single row reproduces a submission, pairs of rows of the same function (their keywords
merged) are tried: one student's code often makes two mistakes at once. A row is named only when it
reproduces the submission on a second failing input as well (context.Mismatch.name_mistake): a minimal
input often makes several forms coincide; rows that still coincide on both are named together (ambiguous).
Right values in the wrong shape are named by shape_only, with the axes that differ.
Tests build a known-wrong submission from every row (functools.partial of the oracle).
"""
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np


@dataclass(frozen=True)
class Mistake:
    function: str
    name: str
    says: str
    kwargs: dict[str, object] = field(default_factory=dict)
    documented: bool = False
    parts: int = 1  # 2: a pair of rows found together (pairs())
    alternatives: int = 1  # 2 or more: rows that coincide on every input shown, named together (ambiguous())

    @property
    def id(self) -> str:
        return f"{self.function}:{self.name}"

    @property
    def kind(self) -> str:
        """How a report introduces it: "mistake", "documented variant", or their plurals for a pair."""
        word = "documented variant" if self.documented else "mistake"
        if self.alternatives > 1:
            return f"one of the {word}s"
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


def _extends(row: Mistake, other: Mistake) -> bool:
    """row sets every keyword other sets, to the same value, and more (d2l's ε pinned on top of eps_inside)."""
    return len(row.kwargs) > len(other.kwargs) and all(
        key in row.kwargs and row.kwargs[key] == value for key, value in other.kwargs.items())


def ambiguous(found: list[Mistake]) -> Mistake:
    """The one row found, or the rows that reproduce the submission on every input shown, as one row that
    names them all: the inputs cannot tell them apart, so none is said alone. A row that only adds keywords
    to another found row is left out: what it adds made no difference on those inputs."""
    found = [row for row in found if not any(_extends(row, other) for other in found)]
    if len(found) == 1:
        return found[0]
    first = found[0]
    return Mistake(first.function, "' or '".join(m.name for m in found),
                   "; or it ".join(m.says for m in found) + " (these forms agree on every input shown)",
                   first.kwargs, all(m.documented for m in found), alternatives=len(found))


SHAPE = "shape"


def shape_only(function: str, got: object, expected: object, tol: object, label: str | None) -> Mistake | None:
    """A row saying the values are right and only the shape is wrong (which output, which axes), when got,
    reshaped (or transposed) to the expected shapes, matches expected; else None."""
    from .compare import difference  # compare knows nothing of mistakes

    found: list[str] = []
    reshaped = _reshaped(got, expected, label or "the result", found)
    if not found or difference(reshaped, expected, tol, label) is not None:
        return None
    return Mistake(function, SHAPE, "returns the right values in the wrong shape: " + "; ".join(found))


def _reshaped(got: object, expected: object, where: str, found: list[str]) -> object:
    """got with every array whose shape differs from expected's (same size) brought to expected's shape; each
    one said in found."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return {k: _reshaped(got[k], e, k, found) if k in got else None for k, e in expected.items()}
    if isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list)) and len(got) == len(expected):
        return type(got)(_reshaped(g, e, f"{where}[{i}]", found) for i, (g, e) in enumerate(zip(got, expected)))
    if not isinstance(expected, np.ndarray) or not isinstance(got, (np.ndarray, np.generic, float, int)):
        return got
    have = np.asarray(got)
    if have.shape == expected.shape or have.size != expected.size:
        return got
    if have.ndim == 2 and have.T.shape == expected.shape and have.T.dtype.kind in "biuf" \
            and np.allclose(have.T, expected, equal_nan=True):
        found.append(f"{where} has shape {have.shape} where the spec's is {expected.shape} (transposed: the same "
                     f"matrix with its axes swapped)")
        return have.T
    found.append(f"{where} has shape {have.shape} where the spec's is {expected.shape} ({_axes(have, expected)})")
    return have.reshape(expected.shape)


def _axes(got: np.ndarray, expected: np.ndarray) -> str:
    """Which axes differ, in words."""
    if tuple(d for d in got.shape if d != 1) == tuple(d for d in expected.shape if d != 1):
        extra, missing = got.ndim - expected.ndim, expected.ndim - got.ndim
        if extra > 0:
            at = "in front" if got.shape[:extra] == (1,) * extra and got.shape[extra:] == expected.shape else \
                "at the end" if got.shape[-extra:] == (1,) * extra and got.shape[:-extra] == expected.shape else ""
            return f"{extra} extra ax{'i' if extra == 1 else 'e'}s of length 1{' ' + at if at else ''}: keep the " \
                   f"spec's axes (drop keepdims, or index with the spec's shape in mind)"
        if missing > 0:
            return f"{missing} ax{'i' if missing == 1 else 'e'}s of length 1 missing: keep the spec's axes " \
                   f"(keepdims=True, or reshape)"
        return "axes of length 1 in other places: keep the spec's layout"
    return "the same entries laid out in another shape"
