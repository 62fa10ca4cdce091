"""Under the Gradescope recipe (`--results FILE`) every submission gets a results.json, whatever happens:
score 0 and the reason when it cannot be read or the grader fails on it (exit 0: a result was written), and
the reason too when the grader's own command line is wrong (still exit 2). Gradescope shows "autograder
failed" for a run that leaves no results.json, which tells the student nothing."""
import json
import subprocess
import sys
import zipfile

import pytest

from dlgrade import cli
from dlgrade.sandbox.submission import MAX_BYTES
from tests.grading import REFERENCE, ROOT


def accepted_by_gradescope(results):
    """The results.json fields Gradescope reads, with the types it requires; the file's content."""
    content = json.loads(results.read_text())
    assert isinstance(content["score"], float) and isinstance(content["output"], str)
    for test in content["tests"]:
        assert isinstance(test["name"], str) and test["status"] in ("passed", "failed")
        assert isinstance(test.get("score", 0.0), float) and isinstance(test.get("output", ""), str)
    return content


def not_graded_because(results, words):
    content = accepted_by_gradescope(results)
    assert content["score"] == 0.0 and words in content["output"]
    [test] = content["tests"]
    assert test["status"] == "failed" and words in test["output"]
    return content


def _invalid_notebook(folder):
    (folder / "assignment.ipynb").write_text('{"cells": [ not json')
    return folder


def _empty_notebook(folder):
    (folder / "assignment.ipynb").write_bytes(b"")
    return folder / "assignment.ipynb"


def _empty_folder(folder):
    return folder


def _empty_zip_file(folder):
    (folder / "submission.zip").write_bytes(b"")
    return folder / "submission.zip"


def _zip_over_the_limit(folder):
    with open(folder / "submission.zip", "wb") as big:  # sparse: no 50 MiB written
        big.truncate(MAX_BYTES + 1)
    return folder / "submission.zip"


def _zip_unpacking_over_the_limit(folder):
    with zipfile.ZipFile(folder / "submission.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("optim.py", b"#" * (MAX_BYTES + 1))  # a few kB compressed
    return folder / "submission.zip"


@pytest.mark.parametrize("make, words", [
    (_invalid_notebook, "not a readable notebook"),
    (_empty_notebook, "not a readable notebook"),
    (_empty_folder, "no .py modules or notebook found"),
    (_empty_zip_file, "not a valid zip file"),
    (_zip_over_the_limit, f"larger than {MAX_BYTES >> 20} MiB"),
    (_zip_unpacking_over_the_limit, f"unpacks to more than {MAX_BYTES >> 20} MiB"),
])
def test_an_unreadable_submission_gets_score_0_and_the_reason(tmp_path, capsys, make, words):
    submission = tmp_path / "submission"
    submission.mkdir()
    results = tmp_path / "results.json"
    assert cli.main([str(make(submission)), "--results", str(results)]) == 0
    not_graded_because(results, words)
    assert words in capsys.readouterr().err


def test_a_grader_failure_gets_score_0_and_says_it_is_no_verdict(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of the grader's")

    monkeypatch.setattr(cli, "grade_submission", broken)
    results = tmp_path / "results.json"
    assert cli.main([str(REFERENCE), "--results", str(results), "--trust-submission", "--only", "optim.sgd"]) == 0
    content = not_graded_because(results, "a bug of the grader's")
    assert "no verdict on your code" in content["output"]
    assert "internal error" in capsys.readouterr().err
    assert cli.main([str(REFERENCE), "--trust-submission", "--only", "optim.sgd"]) == 3  # no --results: as before


@pytest.mark.parametrize("args, words", [
    (["--format", "pdf"], "invalid choice"),
    (["--only", "optim.nonsense"], "names no module"),
    (["--max-examples", "0"], "at least 1"),
])
def test_a_usage_error_still_exits_2_and_writes_the_reason(tmp_path, capsys, args, words):
    results = tmp_path / "results.json"
    assert cli.main([str(REFERENCE), "--results", str(results), *args]) == 2
    content = not_graded_because(results, words)
    assert "set up wrong, not your submission" in content["output"]
    assert words in capsys.readouterr().err


def test_a_result_that_cannot_be_written_is_exit_2(tmp_path, capsys):
    assert cli.main([str(tmp_path), "--results", str(tmp_path / "no" / "such" / "results.json")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_the_gradescope_recipe_on_an_unreadable_notebook_exits_0_with_its_result(tmp_path):
    """The README's run_autograder command, as a process: no traceback, a results.json Gradescope reads."""
    (tmp_path / "submission").mkdir()
    submission = _invalid_notebook(tmp_path / "submission")
    results = tmp_path / "results" / "results.json"
    results.parent.mkdir()
    done = subprocess.run([sys.executable, "grader.py", str(submission), "--results", str(results)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    not_graded_because(results, "not a readable notebook")


def test_a_batch_writes_the_same_result_for_an_unreadable_submission(tmp_path):
    from dlgrade import batch
    store = batch.Store(tmp_path / "out")
    entry = batch.Entry("student", str(tmp_path / "student.zip"), [])
    store.save(entry, {"status": batch.UNGRADABLE, "message": "student.zip: not a valid zip file", "seconds": 0.0},
               "sha", {})
    not_graded_because(store.folder / "student" / "results.json", "not a valid zip file")
