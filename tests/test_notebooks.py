"""A notebook is run cell by cell in the sandbox, each cell within the profile's import timeout: a demo cell that
hangs, raises or ends the worker is skipped and named in the report, and the functions defined before and after
it are graded. (Before: the notebook ran as one import, and one `while True:` cell gave every function 0.)"""
import ast

import nbformat

from dlgrade.checks.engine.status import Status
from dlgrade.reporting import render
from dlgrade.sandbox import ErrorKind, Sandbox, SandboxError, resolve
from dlgrade.sandbox.submission import Submission
from tests.grading import ALTERNATIVE, grade

SOURCE = (ALTERNATIVE / "optim.py").read_text()


def functions(*names):
    """The alternative submission's definitions of these functions, as one cell's source."""
    tree = ast.parse(SOURCE)
    return "\n\n".join(ast.get_source_segment(SOURCE, node) for node in tree.body
                       if isinstance(node, ast.FunctionDef) and node.name in names)


def test_a_hanging_a_failing_and_an_exiting_cell_are_skipped_and_the_rest_is_graded(tmp_path):
    cells = ["import numpy as np\n\n" + functions("_state", "sgd"),  # defined before the bad cells
             "while True:  # a demo that never ends\n    pass\n\n" + functions("rmsprop"),  # lost with its cell
             "raise ValueError('a demo cell that fails')",
             "import os\nos._exit(3)",
             functions("adagrad")]  # defined after them
    path = tmp_path / "hw.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), str(path))
    report = grade(resolve(path), only=["optim.sgd", "optim.adagrad", "optim.rmsprop"], import_timeout=1.0)
    assert {(r.function, r.status) for r in report.results} == {("optim.sgd", Status.PASSED),
                                                               ("optim.adagrad", Status.PASSED),
                                                               ("optim.rmsprop", Status.MISSING)}
    assert {r.summary for r in report.results if r.function == "optim.rmsprop"} == {
        "the submission has no function rmsprop in optim (hw.ipynb[cell 1], hw.ipynb[cell 3] did not run: see the "
        "notes)"}
    hung, raised, exited = (next(n for n in report.notes if f"hw.ipynb[cell {i}]" in n) for i in (1, 2, 3))
    assert "('while True:  # a demo that never ends') was skipped: did not finish within 1 s" in hung
    assert "the cells before and after it ran" in hung
    assert "raised ValueError: a demo cell that fails" in raised
    assert "was skipped: the submission's process failed" in exited
    assert report.restarts == 2  # one restart per skipped cell, not one per module or check
    assert "hw.ipynb[cell 1]" in render(report, "text")


def test_a_file_that_hangs_on_import_costs_one_timeout_not_one_per_module(tmp_path):
    path = tmp_path / "hw.py"  # one file is one cell: none ran through, so every module failed to import
    path.write_text(functions("_state", "sgd") + "\n\nwhile True:\n    pass\n")
    report = grade(resolve(path), only=["optim.sgd", "schedules.step_decay"], import_timeout=1.0)
    assert {r.summary.partition(" of its CPU")[0] for r in report.results} == {
        f"importing {module} failed: did not finish within 1 s" for module in ("optim", "schedules")}
    assert report.restarts == 1  # before: one timeout and restart per module


def test_after_three_cells_that_hang_the_rest_is_not_run(monkeypatch):
    cells = ["a = 1", "hang", "hang", "b = 2", "hang", "hang", "c = 3"]
    with Sandbox(Submission("hw.ipynb", "cells", cells=cells, filename="hw.ipynb"), call_timeout=1,
                 import_timeout=1, trusted=True) as box:
        def exchange(request, timeout, callbacks):  # each cell "hang" times out; no worker is started
            if cells[request["index"]] == "hang":
                raise SandboxError(ErrorKind.TIMEOUT, "did not finish within 1 s")
            return {"value": None}
        monkeypatch.setattr(box, "_exchange", exchange)
        monkeypatch.setattr(box, "_start", lambda: None)
        box._run_cells()
        assert box._cells_ran == [0, 3]  # the cells before the third hang still run, every time
        assert box.skipped_cells == [f"hw.ipynb[cell {i}]" for i in (1, 2, 4, 5, 6)]
        notes = box.warnings("optim")
    assert [n.partition(" was skipped: ")[2].partition(";")[0] for n in notes] == \
        ["did not finish within 1 s"] * 3 + ["not run: 3 cells before it hung or ended the worker"] * 2
