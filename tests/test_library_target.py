"""A library maintainer's --target: a library installed with `pip install -e .` (its source outside the
interpreter's folders, found through a .pth path entry or an import hook) is seen by its adapter in the
sandbox; --fail-under counts the functions the library provides; the matrix speaks of the library."""
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from dlgrade import cli
from dlgrade.adapters import resolve_target
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.status import Status
from dlgrade.grading import UsageError, add_library_sources, library_sources
from dlgrade.reporting import conformance
from dlgrade.sandbox import resolve


class EditableFinder:
    """What setuptools' editable wheel installs (its .pth runs such a finder; hatch's `editables` hook is alike):
    the package maps to its source folder, which is on no sys.path entry."""
    mapping = {}

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name in cls.mapping:
            return importlib.util.spec_from_file_location(name, cls.mapping[name] + "/__init__.py",
                                                          submodule_search_locations=[cls.mapping[name]])
        return None


def editable_project(tmp_path):
    """A library `edlib` (src layout) whose adapter edlib.dlgrade_adapter presents its step_decay."""
    package = tmp_path / "project" / "src" / "edlib"
    (package / "dlgrade_adapter").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent("""\
        import math


        def step_decay(lr0, drop_rate, epochs_drop, epoch):
            return lr0 * drop_rate ** math.floor(epoch / epochs_drop)
        """))
    (package / "dlgrade_adapter" / "schedules.py").write_text("from edlib import step_decay  # noqa: F401\n")
    return package


def test_an_editable_library_is_graded_in_the_sandbox_and_fail_under_counts_what_it_provides(tmp_path, monkeypatch,
                                                                                             capsys):
    """Before: every check failed with ModuleNotFoundError: No module named 'edlib', and --fail-under 100 failed
    for the function the library does not provide."""
    package = editable_project(tmp_path)
    monkeypatch.setattr(EditableFinder, "mapping", {"edlib": str(package)})
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, EditableFinder])
    monkeypatch.setattr(sys, "modules", dict(sys.modules))  # resolving the target imports edlib here: forgotten after
    code = cli.main(["--target", "edlib.dlgrade_adapter", "--only", "schedules.step_decay", "--only",
                     "schedules.time_based_decay", "--max-examples", "3", "--fail-under", "100",
                     "--matrix", str(tmp_path / "m")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "ModuleNotFoundError" not in out
    assert f"copied into the sandbox read-only: edlib ({package})" in out
    assert "1 functions the library provides (1 not provided, not counted)" in err


def test_a_path_entry_outside_the_interpreter_is_found_and_the_grader_never(tmp_path, monkeypatch):
    package = editable_project(tmp_path)
    monkeypatch.syspath_prepend(str(package.parent))  # a .pth path entry (setuptools' compat mode, hatch, flit)
    target = resolve_target("edlib.dlgrade_adapter")
    assert library_sources(target) == {"edlib": str(package)}
    (package / "dlgrade_adapter" / "optim.py").write_text("import dlgrade\nfrom tests import grading\nimport numpy\n")
    assert library_sources(target) == {"edlib": str(package)}  # the grader's tree and site-packages: never copied


def test_a_target_that_cannot_carry_its_library_says_what_to_do(tmp_path):
    module = tmp_path / "schedules.py"
    module.write_text("from edlib import step_decay\n")
    submission = resolve(module)
    try:
        with pytest.raises(UsageError, match=r"install the library without -e \(pip install \.\)"):
            add_library_sources(submission, {"edlib": str(tmp_path / "edlib")}, "edlib_schedules")
    finally:
        submission.cleanup()


# --- --fail-under and the matrix's words ------------------------------------------------------------------------

def result(check_id, status, score, summary="", title=""):
    return runner.CheckResult(id=check_id, function=check_id.partition("/")[0], kind="oracle", doc="", status=status,
                              score=score, max_score=1.0, summary=summary, details={}, title=title,
                              replay=f"python grader.py --target lib --only {check_id} --seed 0")


def library_report(*results):
    return runner.Report("lib", "default", 0, list(results), [], 1.0, 3, 0)


@pytest.mark.parametrize("results, below", [
    ([("optim.sgd/a", Status.PASSED, 1.0), ("optim.nadam/a", Status.MISSING, 0.0)], 0),
    ([("optim.sgd/a", Status.PASSED, 1.0), ("optim.adam/a", Status.FAILED, 0.0),
      ("optim.nadam/a", Status.NOT_IMPLEMENTED, 0.0)], 1),
    ([("optim.nadam/a", Status.MISSING, 0.0)], 1),  # provides none of what was asked
])
def test_fail_under_counts_the_functions_the_library_provides(results, below, capsys):
    report = library_report(*(result(*r) for r in results))
    assert cli._below(report, 100, target=True) == below
    assert cli._below(report, 100, target=False) == 1  # a student's missing function still costs its points


def test_the_matrix_speaks_of_the_library_and_shows_titles():
    report = library_report(result("layers.affine_forward/float64", Status.FAILED, 0.0,
                                   "out: your array is float32, compute in float64; the submission's process failed",
                                   title="float64 in, float64 out"))
    report.notes.append("optim.adam uses torch, which this course does not allow")
    data = conformance.matrix(report, target="lib", library="Lib")
    text = conformance.markdown(data)
    assert "the library's array is float32" in text and "the library's process failed" in text
    assert "### layers.affine_forward/float64 — float64 in, float64 out" in text
    assert "which the profile does not allow" in text
    assert "your" not in text.lower() and "submission" not in text and "course" not in text


def test_a_library_s_links_are_not_followed_into_the_sandbox(tmp_path):
    """The library's folder is copied as the grader (root) reads it: a link in it to a host file or folder (a key,
    /etc) must not put that file's content in the sandbox, as a submission's own links are left out."""
    package = editable_project(tmp_path)
    host = tmp_path / "host"
    host.mkdir()
    (host / "key.txt").write_text("the host's secret")
    (package / "key.txt").symlink_to(host / "key.txt")
    (package / "host").symlink_to(host)
    target = tmp_path / "target"
    target.mkdir()
    (target / "schedules.py").write_text("from edlib import step_decay  # noqa: F401\n")
    submission = resolve(target)
    try:
        add_library_sources(submission, {"edlib": str(package)}, "target")
        copied = Path(submission.root) / "edlib"
        assert (copied / "__init__.py").is_file() and (copied / "dlgrade_adapter" / "schedules.py").is_file()
        assert not any("secret" in p.read_text() for p in copied.rglob("*") if p.is_file())
    finally:
        submission.cleanup()


def test_a_folder_that_is_only_a_namespace_is_not_copied(tmp_path, monkeypatch):
    """A folder without __init__.py on the grader's path (the working folder, a home folder) imports as a namespace
    package under any name the target's code writes (`import credentials`): not a library, never copied."""
    package = editable_project(tmp_path)
    monkeypatch.syspath_prepend(str(package.parent))
    (package.parent / "credentials").mkdir()
    (package.parent / "credentials" / "token.txt").write_text("the host's secret")
    (package / "dlgrade_adapter" / "optim.py").write_text("import credentials  # noqa: F401\n")
    assert library_sources(resolve_target("edlib.dlgrade_adapter")) == {"edlib": str(package)}


def test_fail_under_fails_when_nothing_was_scored(capsys):
    """0 of 0 (every selected check left unscored: the grading environment lacked a declared package) is no pass:
    before, 0 < 0 was false and --fail-under 100 exited 0."""
    unscored = runner.CheckResult(id="optim.sgd/a", function="optim.sgd", kind="oracle", doc="",
                                  status=Status.ENVIRONMENT, score=0.0, max_score=0.0, summary="", details={})
    assert cli._below(library_report(unscored), 100, target=False) == 1
    assert "nothing was scored" in capsys.readouterr().err
