"""Which course, assignment and revision a hand-in is, from the names it defines and the modules it imports.

A course profile's [course] table lists each assignment's function names and each revision's markers (the
course's helper modules, whose names carry the revision). Under the default profile a file that defines a known
course's functions but none of the spec's is told which profile grades it (suggestion), instead of a report of
every spec function missing.
"""
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from . import handin

PROFILES = Path(__file__).resolve().parents[1] / "checks" / "policy" / "profiles"
LEAST_NAMES = 2  # course functions a file must define before the default profile suggests the course's


def assignment(course, defined):
    """The assignment whose functions the hand-in defines most of (the first on a tie or none)."""
    return max(course.assignments, key=lambda a: len(a.names() & defined))


def revision(course, imported):
    """The first revision (in the table's order) one of whose markers an imported module's name holds; else the
    revision without markers (the table's fallback), else "unknown"."""
    for name, markers in course.revisions.items():
        if markers and any(marker in module for module in imported for marker in markers):
            return name
    return next((name for name, markers in course.revisions.items() if not markers), "unknown")


def suggestion(submission, spec_functions):
    """The line that sends a hand-in of a bundled course to its profile, or "" (it defines a spec function, or
    too few of any course's). spec_functions: the names of the spec's functions ("sgd", "affine_forward", …)."""
    cells = handin.cells_of(submission)
    defined, imported = handin.names(cells)
    if not defined or defined & set(spec_functions):
        return ""
    best = (0, "", None, None)
    for path in sorted(PROFILES.glob("*.toml")):
        table = tomllib.loads(path.read_text()).get("course")
        if not table:
            continue
        for key, value in table.get("assignments", {}).items():
            course_names = {n for spec in value.get("functions", {}).values()
                            for n in ([spec] if isinstance(spec, str) else _names(spec))}
            found = len(course_names & defined)
            if found > best[0]:
                best = (found, path.stem, table, value.get("title", key))
    found, stem, table, title = best
    if found < LEAST_NAMES:
        return ""
    revisions = table.get("revisions", {})
    rev = next((name for name, markers in revisions.items()
                if markers and any(m in module for module in imported for m in markers)), None) \
        or next((name for name, markers in revisions.items() if not markers), "")
    return f"this looks like the {table['name']}, {title}" + (f" ({rev})" if rev else "") + \
        f": grade it with --profile {stem}"


def _names(spec):
    name = spec.get("name", [])
    return [name] if isinstance(name, str) else list(name)
