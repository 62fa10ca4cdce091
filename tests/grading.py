"""Helpers for the tests that grade whole submissions: build them, grade them quickly."""
import dataclasses
import shutil
from pathlib import Path

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.mistakes import Mistake
from dlgrade.checks.policy import profile
from dlgrade.sandbox import resolve

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"
ALTERNATIVE = ROOT / "tests" / "submissions" / "alternative"
BROKEN = ROOT / "tests" / "submissions" / "broken"
DLS = ROOT / "tests" / "courses" / "dls"


def quick_profile(max_examples=8, seed=0, **changes):
    """The default profile with fewer examples: a wrong implementation shows on the first few."""
    return dataclasses.replace(profile.load(), max_examples=max_examples, seed=seed,
                               examples={}, **changes)


def reference_with(tmp_path, function, source):
    """A copy of the reference in which `source` (appended to the module) replaces `function`."""
    module = function.partition(".")[0]
    target = tmp_path / "submission"
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    with open(target / f"{module}.py", "a") as file:
        file.write("\n\n" + source)
    return resolve(target)


def mistake_source(mistake: Mistake):
    """The mistake's form as a submission would have it: the oracle with the mistake's keywords."""
    name = mistake.function.partition(".")[2]
    return f"import functools as _functools\n{name} = _functools.partial({name}, **{mistake.kwargs!r})\n"


def grade(submission, only=(), jobs=1, **profile_changes):
    return runner.grade(submission, quick_profile(**profile_changes), only=only, jobs=jobs)


def failing(report):
    return [r for r in report.results if r.status != "passed"]


def course_profile(name="dls", **changes):
    """A course profile searching 3 examples (each wrong hand-in of the course tests shows on its first)."""
    return dataclasses.replace(profile.load(name), max_examples=3, min_examples=3, examples={}, **changes)


def grade_course_source(tmp_path, source, only=(), name="dls", filename="handin.py"):
    """A hand-in of one file, graded in-process under a course profile."""
    path = tmp_path / filename
    path.write_text(source)
    return runner.grade(resolve(path), course_profile(name), only=only, trusted=True)
