"""The course layer against hand-ins that try it (redteam2): odd code, steering, and what a careful instructor
expects of definitions graded without the notebook's other cells. Grades run in-process with few examples."""
import dataclasses

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.checks.engine import runner
from dlgrade.checks.policy import profile
from dlgrade.courses import handin
from dlgrade.sandbox import resolve
from tests.grading import ROOT

DLS = ROOT / "tests" / "courses" / "dls"
C2W2_2021 = (DLS / "c2w2_2021.py").read_text()


def quick(name="dls", **changes):
    return dataclasses.replace(profile.load(name), max_examples=3, min_examples=3, examples={}, **changes)


def grade_source(tmp_path, source, only=(), name="dls", filename="handin.py"):
    path = tmp_path / filename
    path.write_text(source)
    return runner.grade(resolve(path), quick(name), only=only, trusted=True)


def test_a_cell_too_deep_for_the_parser_is_kept_whole_not_a_grader_error():
    """ast.parse raises RecursionError (not SyntaxError) on a long chain; the grader reads every hand-in's cells
    under the default profile too (the course suggestion), so that was an internal error for any such file."""
    deep = "x = 1" + "+1" * 300000
    assert handin.names([deep, "def f(a):\n    return a\n"]) == ({"f"}, set())
    assert handin.definitions([deep]) == [deep]
