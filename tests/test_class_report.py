"""The batch's outputs from stored results, without grading: the gradebook (Excel's encoding, the note of a
submission that does not import), the class report (names, import failures apart from wrong answers, the
roster, identical submissions, checks grouped by function with the passing ones folded), a folder holding
only a zip, and a student's trajectory plot that shows the difference."""
import csv
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from dlgrade import batch
from dlgrade.sandbox import SubmissionError, resolve

SYNTAX = "importing optim failed: SyntaxError: expected ':' (optim.py, line 5) " \
         "(at <frozen importlib._bootstrap>:241 in _call_with_frames_removed: )"


def check(id, status="passed", summary="", title=""):
    function = id.partition("/")[0]
    return {"id": id, "title": title or f"title of {id}", "function": function, "status": status, "score": 0.0,
            "max_score": 1.0, "summary": summary, "details": {}}


def report(*checks):
    return {"score": sum(c["status"] == "passed" for c in checks), "max_score": len(checks), "checks": list(checks)}


CORRECT = report(check("optim.sgd/oracle"), check("optim.adam/oracle"), check("optim.adam/trajectory"))
WRONG_ADAM = report(check("optim.sgd/oracle"), check("optim.adam/oracle", "failed", "m: expected 1, got 2"),
                    check("optim.adam/trajectory"))
NO_IMPORT = report(*(check(i, "failed", SYNTAX) for i in ("optim.sgd/oracle", "optim.adam/oracle",
                                                           "optim.adam/trajectory")))


def stored(tmp_path, graded, ungradable=()):
    """A batch's --out folder holding these outcomes: graded {key: (students, report)}, ungradable {key: (students,
    message)}; (entries, store)."""
    store, entries = batch.Store(tmp_path / "out"), []
    for key, (students, data) in graded.items():
        entry = batch.Entry(key, str(tmp_path / key), students)
        store.save(entry, {"status": batch.GRADED, "message": "", "report": data, "gradescope": {}, "seconds": 1.0,
                           "page": "<html></html>"}, "sha", {})
        entries.append(entry)
    for key, (students, message) in dict(ungradable).items():
        entry = batch.Entry(key, str(tmp_path / key), students)
        store.save(entry, {"status": batch.UNGRADABLE, "message": message, "seconds": 0.0}, "sha", {})
        entries.append(entry)
    return entries, store


def student(id, name="", email=""):
    return {"id": id, "name": name, "email": email}


# --- the gradebook ---------------------------------------------------------------------------------------

def test_the_gradebook_opens_in_excel_with_accents_and_says_why_a_module_did_not_import(tmp_path):
    entries, store = stored(tmp_path, {"s1": ([student("1", "Zoë Ångström-Núñez")], NO_IMPORT),
                                       "s2": ([student("2", "=HYPERLINK(\"x\")")], CORRECT)})
    data = batch.gradebook(entries, store).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["name"] == "Zoë Ångström-Núñez" and rows[0]["status"] == batch.GRADED
    assert rows[0]["note"] == "importing optim failed: SyntaxError: expected ':' (optim.py, line 5)"
    assert rows[1]["name"].startswith("'=") and rows[1]["note"] == ""  # formulas still neutralised


# --- a folder holding only a zip ---------------------------------------------------------------------------

def test_a_folder_holding_only_a_zip_is_graded_as_that_zip(tmp_path):
    folder = tmp_path / "submission_123"
    folder.mkdir()
    with zipfile.ZipFile(folder / "hw.zip", "w") as archive:
        archive.writestr("hw/optim.py", "def sgd(w, dw, config=None):\n    return w, config\n")
        archive.writestr("hw/layers.py", "")
    submission = resolve(folder)
    try:
        assert submission.layout == "package"
        assert (Path(submission.root) / "optim.py").read_text().startswith("def sgd")
    finally:
        submission.cleanup()
    (folder / "notes.txt").write_text("a zip beside other files is no lone zip")
    with pytest.raises(SubmissionError, match="no .py modules"):
        resolve(folder)


# --- identical submissions -------------------------------------------------------------------------------------

def test_same_code_sees_through_line_endings_folders_zips_and_notebook_outputs(tmp_path):
    code = "def sgd(w, dw, config=None):\n    return w - dw, config  # mine\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "optim.py").write_text(code)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "optim.py").write_bytes(code.replace("\n", "  \r\n\r\n").encode())
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as archive:
        archive.writestr("submission/optim.py", code)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "optim.py").write_text(code.replace("w - dw", "w + dw"))
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "optim.py").write_text(code.replace("mine", "yours"))  # comments count
    cell = {"cell_type": "code", "source": code.splitlines(keepends=True), "metadata": {}, "outputs": []}
    for name, count in (("f.ipynb", 1), ("g.ipynb", 7)):
        ran = dict(cell, execution_count=count, outputs=[{"output_type": "stream", "text": str(count)}])
        (tmp_path / name).write_text(json.dumps({"cells": [ran], "metadata": {}, "nbformat": 4}))
    digests = {p: batch.same_code(tmp_path / p) for p in ("a", "b", "c.zip", "d", "e", "f.ipynb", "g.ipynb")}
    assert digests["a"] == digests["b"] == digests["c.zip"] is not None
    assert len({digests["a"], digests["d"], digests["e"]}) == 3
    assert digests["f.ipynb"] == digests["g.ipynb"] is not None
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.zip").write_text("no zip")
    assert batch.same_code(tmp_path / "empty") is None and batch.same_code(tmp_path / "bad.zip") is None


# --- the class report ------------------------------------------------------------------------------------------

@pytest.fixture
def summary_and_pages(tmp_path):
    pytest.importorskip("matplotlib")
    from dlgrade.reporting import classreport

    entries, store = stored(tmp_path, {
        "s1": ([student("1", "Ada")], CORRECT), "s2": ([student("2", "Bob")], WRONG_ADAM),
        "s3": ([student("3", "Cy"), student("4", "Dee")], NO_IMPORT), "s4": ([student("5", "Eve")], CORRECT)},
        ungradable={"s5": ([student("6", "Fay")], "s5: not a valid zip file")})
    summary = classreport.summarize(classreport.records_of(entries, store),
                                    same_code={"s1": "x", "s4": "x", "s2": "y", "s3": None})
    return classreport, summary, {"s1": "submissions/s1/report.html", "s2": "submissions/s2/report.html"}


def test_the_class_report_names_students_and_keeps_import_failures_apart(summary_and_pages):
    classreport, summary, _ = summary_and_pages
    assert [(g.students, g.key, g.status) for g in summary.not_graded] == [(["Fay"], "s5", batch.UNGRADABLE)]
    rates = {c.id: c for c in summary.checks}
    assert (rates["optim.adam/oracle"].failed, rates["optim.adam/oracle"].broken) == (1, 2)  # Bob; not Cy, Dee
    assert (rates["optim.sgd/oracle"].failed, rates["optim.sgd/oracle"].broken) == (0, 2)
    assert rates["optim.adam/oracle"].title == "title of optim.adam/oracle"
    [module] = summary.imports
    assert (module.module, module.students) == ("optim", ["Cy", "Dee"])
    assert module.reasons == ["SyntaxError: expected ':' (optim.py, line 5)"]
    assert [r.name for r in summary.roster] == ["Ada", "Bob", "Cy", "Dee", "Eve", "Fay"]
    assert summary.identical == [[(["Ada"], "s1"), (["Eve"], "s4")]]


def test_the_class_page_groups_checks_by_function_and_folds_what_no_one_failed(summary_and_pages):
    classreport, summary, pages = summary_and_pages
    grouped = classreport.by_function(summary.checks)
    assert [(f, [c.id for c in failing], [c.id for c in passing]) for f, failing, passing in grouped] == [
        ("optim.adam", ["optim.adam/oracle", "optim.adam/trajectory"], []),  # 1 wrong; trajectory: import only
        ("optim.sgd", ["optim.sgd/oracle"], [])]
    page = classreport.html_page(summary, {}, pages)
    assert '<a href="submissions/s1/report.html">page</a>' in page and page.count(">page</a>") == 2
    assert "<code>optim.adam/oracle</code> title of optim.adam/oracle" in page
    assert "Fay" in page.split('id="not-graded"')[1] and "Identical means the same code" in page
    text = classreport.markdown(summary, {}, pages)
    assert "| optim.adam/oracle — title of optim.adam/oracle | 1 of 5 (20 %) | 2 | 0 | 2 |" in text
    assert "[page](submissions/s2/report.html)" in text
    assert "- **2 submissions**: `Ada (s1)`, `Eve (s4)`" in text


def test_checks_no_one_failed_are_folded_in_details(summary_and_pages):
    classreport, summary, _ = summary_and_pages
    passing = classreport.CheckRate("layers.relu_forward/oracle", "layers.relu_forward", 0, 0, 5, "agrees")
    summary.checks.append(passing)
    page = classreport.html_page(summary, {}, {})
    folded = page.split("<details>")[1].split("</details>")[0]
    assert "1 functions no one failed a check of" in folded and "layers.relu_forward/oracle" in folded
    assert "layers.relu_forward/oracle" not in page.replace(folded, "")
    assert "No one failed any check of: layers.relu_forward." in classreport.markdown(summary, {}, {})


# --- a student's trajectory plot -----------------------------------------------------------------------------

def test_the_trajectory_plot_shows_the_error_on_a_log_scale():
    pytest.importorskip("matplotlib")
    import numpy as np

    from dlgrade.reporting.html import trajectory_figure

    oracle = [[3.0, -1.0], [2.0, -0.5], [1.0, 0.0]]
    student = [[3.0, -1.0], [2.0004, -0.5], [1.0004, 1e-6]]
    figure = trajectory_figure("optim.adam", {"oracle": oracle, "student": student})
    paths, errors = figure.axes
    assert errors.get_yscale() == "log" and paths.get_yscale() == "linear"
    shown = [line.get_ydata() for line in errors.get_lines()]
    np.testing.assert_allclose(shown[0], [np.nan, 4e-4, 4e-4], rtol=1e-6)  # 0 has no place on a log axis
    np.testing.assert_allclose(shown[1], [np.nan, np.nan, 1e-6], rtol=1e-6)
    assert "equal there" in errors.get_xlabel()


def test_a_submission_with_nothing_scored_is_not_full_marks(tmp_path):
    """0 of 0 (every check left unscored: the grading environment lacked a package) is not full marks."""
    pytest.importorskip("matplotlib")
    from dlgrade.reporting import classreport

    unscored = {"score": 0.0, "max_score": 0.0, "checks": [dict(check("optim.sgd/oracle", "environment"),
                                                                max_score=0.0)]}
    entries, store = stored(tmp_path, {"s1": ([student("1", "Ada")], CORRECT), "s2": ([student("2", "Bob")], unscored)})
    statistics = dict(classreport._statistics(classreport.summarize(classreport.records_of(entries, store))))
    assert statistics["full marks"] == "1 of 2"


def test_a_submission_whose_detected_year_differs_from_the_class_s_is_flagged(tmp_path):
    """The year is read from words a student can edit (2016–2017's dropout docstring leaves layer and group norm
    ungraded): the class report names the submissions whose year differs from the most common one, with why."""
    pytest.importorskip("matplotlib")
    from dlgrade.reporting import classreport

    def of_year(course):
        return dict(CORRECT, course=course)

    usual = "CS231n 2021–2024, detected: layers.py says \"keep each neuron output with probability p\""
    odd = "CS231n 2016–2017, detected: layers.py says \"drop each neuron output with probability p\""
    entries, store = stored(tmp_path, {"s1": ([student("1", "Ada")], of_year(usual)),
                                       "s2": ([student("2", "Bob")], of_year(odd)),
                                       "s3": ([student("3", "Cy")], of_year(usual)), "s4": ([], CORRECT)})
    summary = classreport.summarize(classreport.records_of(entries, store))
    assert [(y.students, y.key, y.year) for y in summary.other_years] == [(["Bob"], "s2", "CS231n 2016–2017")]
    text = classreport.markdown(summary, {})
    assert "## Course year" in text and "CS231n 2021–2024 for 2 of 3" in text and "drop each neuron" in text
    assert "drop each neuron" in classreport.html_page(summary, {})
    one_year = classreport.summarize(classreport.records_of(entries[:1] + entries[2:], store))
    assert one_year.other_years == [] and "## Course year" not in classreport.markdown(one_year, {})


def test_an_environment_check_that_kept_its_points_counts_as_failed(tmp_path):
    """A module the profile does not declare keeps its points in the maximum, not earned (runner._declared): the
    student lost them, so the class report counts that check as failed, not among the checks no one failed; an
    unscored one (0 of 0) is neither."""
    pytest.importorskip("matplotlib")
    from dlgrade.reporting import classreport

    made_up = "importing optim failed: the grading environment has no package 'made_up' (No module named 'made_up')"
    kept = report(check("optim.sgd/oracle"), check("optim.adam/oracle", "environment", made_up))
    unscored = report(check("optim.sgd/oracle"), dict(check("optim.adam/oracle", "environment", made_up),
                                                      max_score=0.0))
    entries, store = stored(tmp_path, {"s1": ([student("1", "Ada")], kept), "s2": ([student("2", "Bob")], unscored)})
    summary = classreport.summarize(classreport.records_of(entries, store))
    rates = {c.id: c for c in summary.checks}
    assert (rates["optim.adam/oracle"].failed, rates["optim.adam/oracle"].passed) == (1, 0)


def test_a_submission_named_in_bytes_that_are_not_utf_8_gets_its_gradebook_row_and_page_link(tmp_path):
    """A name that is not UTF-8 (a surrogate escape in Python) broke the gradebook's write and the roster's link
    (UnicodeEncodeError, no class report): it is written as \\udcff and linked to the folder on disk."""
    pytest.importorskip("matplotlib")
    key = os.fsdecode(b"bad\xff.py")
    entries, store = stored(tmp_path, {key: ([student("1", "Ada")], CORRECT)})
    batch.write_reports(entries, store)
    assert "bad\\udcff.py" in (store.out / "gradebook.csv").read_text(encoding="utf-8-sig")
    assert 'href="submissions/bad%FF.py/report.html"' in (store.out / "class.html").read_text(encoding="utf-8")


def test_checks_the_grading_environment_left_unscored_are_said_in_the_gradebook_and_the_class_report(tmp_path):
    """A batch graded where a declared package is missing leaves some students' checks 0 of 0: their maximum is
    smaller than the class's, which a percentage in the gradebook hides. The note and the summary say it."""
    pytest.importorskip("matplotlib")
    from dlgrade.reporting import classreport

    line = "the grading environment has no package 'past' (No module named 'past'): 3 checks (3 points) of " \
           "gradient_check.eval_numerical_gradient not scored, neither for nor against the student; install it"
    entries, store = stored(tmp_path, {"s1": ([student("1", "Ada")], dict(CORRECT, environment_problems=[line])),
                                       "s2": ([student("2", "Bob")], CORRECT)})
    rows = list(csv.DictReader(io.StringIO(batch.gradebook(entries, store).encode().decode("utf-8-sig"))))
    assert rows[0]["note"] == f"GRADING ENVIRONMENT: {line}" and rows[1]["note"] == ""
    summary = classreport.summarize(classreport.records_of(entries, store))
    assert dict(classreport._statistics(summary))["left unscored by the grading environment"] == "1 of 2"
    assert "GRADING ENVIRONMENT: " + line in classreport.markdown(summary, {})
    assert "<strong>GRADING ENVIRONMENT: the grading environment has no package &#x27;past&#x27;" in \
        classreport.html_page(summary, {})
