"""A notebook is run cell by cell in the sandbox, each cell within the profile's import timeout: a demo cell that
hangs, raises or ends the worker is skipped and named in the report, and the functions defined before and after
it are graded. (Before: the notebook ran as one import, and one `while True:` cell gave every function 0.)"""
import ast

import nbformat

from dlgrade.checks.engine.status import Status
from dlgrade.reporting import render
from dlgrade.sandbox import resolve
from tests.grading import ALTERNATIVE, grade

SOURCE = (ALTERNATIVE / "optim.py").read_text()


def functions(*names):
    """The alternative submission's definitions of these functions, as one cell's source."""
    tree = ast.parse(SOURCE)
    return "\n\n".join(ast.get_source_segment(SOURCE, node) for node in tree.body
                       if isinstance(node, ast.FunctionDef) and node.name in names)


def test_a_hanging_a_failing_and_an_exiting_cell_are_skipped_and_the_rest_is_graded(tmp_path):
    cells = ["import numpy as np\n\n" + functions("_state", "sgd"),  # defined before the bad cells
             "while True:  # a demo that never ends\n    pass",
             "raise ValueError('a demo cell that fails')",
             "import os\nos._exit(3)",
             functions("adagrad")]  # defined after them
    path = tmp_path / "hw.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), str(path))
    report = grade(resolve(path), only=["optim.sgd", "optim.adagrad"], import_timeout=1.5)
    assert {(r.function, r.status) for r in report.results} == {("optim.sgd", Status.PASSED),
                                                               ("optim.adagrad", Status.PASSED)}
    hung, raised, exited = (next(n for n in report.notes if f"hw.ipynb[cell {i}]" in n) for i in (1, 2, 3))
    assert "('while True:  # a demo that never ends') was skipped: did not finish within 1.5 s" in hung
    assert "the cells before and after it ran" in hung
    assert "raised ValueError: a demo cell that fails" in raised
    assert "was skipped: the submission's process failed" in exited
    assert report.restarts == 2  # one restart per skipped cell, not one per module or check
    assert "hw.ipynb[cell 1]" in render(report, "text")


def test_a_file_that_hangs_on_import_costs_one_timeout_not_one_per_module(tmp_path):
    path = tmp_path / "hw.py"  # one file is one cell: none ran through, so every module failed to import
    path.write_text(functions("_state", "sgd") + "\n\nwhile True:\n    pass\n")
    report = grade(resolve(path), only=["optim.sgd", "schedules.step_decay"], import_timeout=1.5)
    assert {r.summary.partition(" of its CPU")[0] for r in report.results} == {
        f"importing {module} failed: did not finish within 1.5 s" for module in ("optim", "schedules")}
    assert report.restarts == 1  # before: one timeout and restart per module
