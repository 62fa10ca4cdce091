"""The library policy: a forbidden package is absent from the sandbox's view, its stand-in makes an unused
import free and a use cost the function that used it; single functions are found in the source.

Every submission here is a copy of the reference whose optim.adam is replaced by one of
tests/submissions/policy/ (see its README). The grading tests need the OS sandbox and skip, saying why,
where the kernel refuses it; the one that allows torch needs torch installed.
"""
import dataclasses
import shutil
import types
from pathlib import Path

import nbformat
import pytest

from dlgrade import catalog
from dlgrade.adapters import resolve_target
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.status import Status
from dlgrade.checks.policy import profile
from dlgrade.checks.policy.libraries import LibraryPolicy
from dlgrade.reporting import classreport, gradescope, render
from dlgrade.sandbox import isolation, resolve
from tests.grading import ALTERNATIVE, REFERENCE, ROOT, quick_profile
from tests.test_security import needs_sandbox

POLICY = ROOT / "tests" / "submissions" / "policy"
ATTACKS = ("torch_import.py", "torch_dunder_import.py", "torch_importlib.py", "torch_exec.py", "torch_unhooked.py",
           "torch_ctypes.py")
ONLY = ("optim.adam", "optim.sgd")




def _with_adam(tmp_path, attack):
    """The reference, its optim.adam replaced by the attack (the torch_adam.py helpers before it)."""
    target = tmp_path / "submission"
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    optim = target / "optim.py"
    if attack == "unused_import.py":  # at the top, where stray imports are
        optim.write_text((POLICY / attack).read_text() + optim.read_text())
    else:
        optim.write_text(optim.read_text() + (POLICY / "torch_adam.py").read_text() + "\n"
                         + (POLICY / attack).read_text())
    return resolve(target)


def _profile_file(tmp_path, text):
    path = tmp_path / "course.toml"
    path.write_text(text)
    return dataclasses.replace(profile.load(path), max_examples=6, examples={})


def _by_function(report):
    scores = {}
    for r in report.results:
        score, top = scores.get(r.function, (0.0, 0.0))
        scores[r.function] = (score + r.score, top + r.max_score)
    return scores


# --- the profile ---------------------------------------------------------------------------------

def test_the_default_forbids_the_frameworks_and_cs231n_allows_only_its_files_imports():
    default = profile.load().libraries
    assert {"torch", "tensorflow", "keras", "jax", "autograd", "optax", "numpy_ml", "sklearn"} <= set(default.forbidden)
    assert "scipy" not in default.forbidden and "torch" in default.hidden_packages()
    course = profile.load("cs231n").libraries
    assert course.allowed == ("future", "imageio", "matplotlib")
    hidden = course.hidden_packages()
    assert "torch" in hidden and "numpy" not in hidden and "matplotlib" not in hidden


@pytest.mark.parametrize("table, says", [
    ('forbidden = ["os"]', "standard library"),
    ('forbidden = ["numpy"]', "the worker itself imports"),
    ('forbidden = ["torch.optim"]', "without dots"),
    ('forbidden = "torch"', "must be a list"),
    ('allowed = ["torch"]\nforbidden = ["torch"]', "both forbids and allows"),
    ('permitted = ["torch"]', "unknown [libraries] key"),
    ('[libraries.functions]\n"numpy.convolve" = "zero"', "must be one of"),
    ('[libraries.functions]\n"convolve" = "refuse"', "dotted name"),
])
def test_a_bad_libraries_section_is_refused_with_the_key(tmp_path, table, says):
    path = tmp_path / "bad.toml"
    path.write_text(f"[libraries]\n{table}\n")
    with pytest.raises(profile.ProfileError, match=says.replace("[", r"\[")):
        profile.load(path)


def test_an_adapter_is_not_held_to_the_policy():
    widened = resolve_target("torch").widen(profile.load())
    assert widened.libraries == LibraryPolicy() and not widened.libraries.hidden_packages()


def test_list_and_explain_show_the_policy(capsys):
    lines = catalog.list_checks(profile.load(), ["optim.sgd"])
    assert lines[-1].startswith("library policy (profile default): not torch,")
    assert catalog.explain(profile.load("cs231n"), ["optim.sgd"])[-1].startswith(
        "library policy (profile cs231n): only numpy, future, imageio, matplotlib")


# --- the view --------------------------------------------------------------------------------------

def test_the_view_hides_a_forbidden_packages_files_and_binds_stand_ins():
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")
    view = isolation.package_view(("torch",))
    site = Path(importlib.util.find_spec("torch").origin).parents[1]
    assert {str(site / "torch"), str(site / "torchgen"), str(site / "functorch")} <= set(view.hide)
    assert any(Path(p).name.startswith("torch-") and p.endswith(".dist-info") for p in view.hide)
    assert not any(Path(p).name.startswith("numpy") for p in view.hide)
    assert dict(view.standins).keys() == {f"{isolation.INSIDE_STANDINS}/torch/__init__.py",
                                          str(site / "torch" / "__init__.py")}
    argv = isolation._masks(isolation.worker_view((), ("torch",)), ("torch",), str(isolation.STANDIN))
    at = argv.index(str(site / "torch"))
    assert argv[at - 1:at + 5] == ["--tmpfs", str(site / "torch"), "--ro-bind", str(isolation.STANDIN),
                                   str(site / "torch" / "__init__.py"), "--remount-ro"]


# --- grading -----------------------------------------------------------------------------------------

@needs_sandbox
@pytest.mark.parametrize("attack", ATTACKS)
def test_an_adam_that_reaches_torch_earns_nothing_however_it_gets_there(tmp_path, attack):
    report = runner.grade(_with_adam(tmp_path, attack), quick_profile(max_examples=6), only=ONLY)
    adam = [r for r in report.results if r.function == "optim.adam"]
    assert adam and all(r.score == 0 for r in adam)
    if attack != "torch_ctypes.py":  # it finds no file of torch's to load, and says so itself
        assert {r.status for r in adam} == {Status.POLICY}, [r.summary for r in adam]
        assert all(r.summary.startswith("optim.adam used torch (torch.") and r.summary.endswith(
            ", which this course does not allow (profile: default)") for r in adam)
    assert _by_function(report)["optim.sgd"][0] == _by_function(report)["optim.sgd"][1] > 0


@needs_sandbox
def test_an_unused_import_of_torch_costs_nothing(tmp_path):
    report = runner.grade(_with_adam(tmp_path, "unused_import.py"), quick_profile(max_examples=6), only=("optim",))
    assert [r.id for r in report.results if r.status is not Status.PASSED] == []
    assert report.score == pytest.approx(report.max_score)


@needs_sandbox
def test_the_reference_and_the_correct_variants_keep_full_marks_under_the_policy():
    for folder in (REFERENCE, ALTERNATIVE):
        report = runner.grade(resolve(folder), quick_profile(max_examples=4), only=("optim", "layers"), jobs=2)
        assert [(r.id, r.summary) for r in report.results if r.status is not Status.PASSED] == []


@needs_sandbox
def test_a_notebook_cell_that_uses_torch_costs_only_its_function(tmp_path):
    sgd = "def sgd(w, dw, config=None):\n    config = config or {}\n    config.setdefault('learning_rate', 1e-2)\n" \
          "    return w - config['learning_rate'] * dw, config\n"
    cells = ["import numpy as np\nimport torch", sgd, (POLICY / "torch_adam.py").read_text(),
             (POLICY / "torch_import.py").read_text()]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / "homework.ipynb"
    path.write_text(nbformat.writes(notebook))
    report = runner.grade(resolve(path), quick_profile(max_examples=6), only=ONLY)
    scores = _by_function(report)
    assert scores["optim.adam"][0] == 0 and scores["optim.sgd"][0] == scores["optim.sgd"][1]
    assert all("used torch (torch." in r.summary for r in report.results if r.function == "optim.adam")


@needs_sandbox
def test_a_profile_that_allows_torch_gives_the_points_back(tmp_path):
    pytest.importorskip("torch")
    allowing = _profile_file(tmp_path, "[settings]\nimport_timeout = 120.0\ncall_timeout = 60.0\n"
                                       "[libraries]\nforbidden = []\n")
    report = runner.grade(_with_adam(tmp_path, "torch_import.py"), allowing, only=("optim.adam",))
    assert [(r.id, r.summary) for r in report.results if r.status is not Status.PASSED] == []


@needs_sandbox
def test_a_forged_policy_error_gains_nothing(tmp_path):
    forged = ("\n\ndef adam(w, dw, config=None):\n    raise ImportError('no', name='torch.optim.Adam')\n"
              "\n\ndef sgd(w, dw, config=None):\n    raise ImportError('no', name='numpy.linalg')\n")
    target = tmp_path / "submission"
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "optim.py").write_text((target / "optim.py").read_text() + forged)
    report = runner.grade(resolve(target), quick_profile(max_examples=4), only=ONLY)
    assert all(r.score == 0 for r in report.results)
    assert {r.status for r in report.results if r.function == "optim.adam"} == {Status.POLICY}
    assert {r.status for r in report.results if r.function == "optim.sgd"} == {Status.FAILED}  # numpy: not forbidden


def test_without_the_sandbox_an_import_hook_serves_the_stand_ins_and_the_report_says_so(tmp_path):
    report = runner.grade(_with_adam(tmp_path, "torch_import.py"), quick_profile(max_examples=4), only=ONLY,
                          trusted=True)
    assert {r.status for r in report.results if r.function == "optim.adam"} == {Status.POLICY}
    assert "--trust-submission" in report.policy and "could undo" in report.policy


# --- single functions, found in the source ---------------------------------------------------------

CONVOLVE = '''
import numpy as _numpy
_full = _numpy.convolve


def _helper(x, w):
    return _full(x, w)


def conv1d_full(x, w):
    return _helper(x, w)
'''


@needs_sandbox
@pytest.mark.parametrize("cost", ["refuse", "report"])
def test_a_forbidden_function_in_the_source_costs_what_the_profile_says(tmp_path, cost):
    course = _profile_file(tmp_path, f'[libraries.functions]\n"numpy.convolve" = "{cost}"\n')
    target = tmp_path / "submission"
    shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "layers.py").write_text((target / "layers.py").read_text() + CONVOLVE)
    report = runner.grade(resolve(target), course, only=("layers.conv1d_full", "layers.relu_forward"))
    conv = [r for r in report.results if r.function == "layers.conv1d_full"]
    line = (target / "layers.py").read_text().splitlines().index("    return _full(x, w)") + 1
    if cost == "refuse":
        assert {r.status for r in conv} == {Status.POLICY} and all(r.score == 0 for r in conv)
        assert conv[0].summary == (f"layers.conv1d_full uses numpy.convolve at layers.py:{line}, which this course "
                                   f"does not allow (profile: {tmp_path / 'course.toml'})")
    else:
        assert {r.status for r in conv} == {Status.PASSED}
        assert f"layers.conv1d_full uses numpy.convolve at layers.py:{line} (the course's policy reports it; " \
               f"scored as usual)" in report.notes
    assert all(r.status is Status.PASSED for r in report.results if r.function == "layers.relu_forward")


@needs_sandbox
def test_the_reference_uses_no_forbidden_function_of_a_strict_course(tmp_path):
    course = _profile_file(tmp_path, '[libraries.functions]\n"numpy.convolve" = "refuse"\n"numpy.linalg.pinv" = '
                                     '"refuse"\n')
    report = runner.grade(resolve(REFERENCE), course, only=("layers.conv1d_full",))
    assert {r.status for r in report.results} == {Status.PASSED}


# --- shown where people look -------------------------------------------------------------------------

def _refused_report():
    result = runner.CheckResult("optim.adam/first_step", "optim.adam", "value", "doc", Status.POLICY, 0.0, 1.0,
                                summary="optim.adam used torch (torch.tensor at optim.py:3), which this course "
                                        "does not allow (profile: default)", title="first step from an empty config")
    return runner.Report("hw", "default", 0, [result], [], 1.0, 1, 0, policy=profile.load().libraries.describe())


def test_the_students_report_and_gradescope_carry_the_policy_and_the_refusal():
    report = _refused_report()
    text = render(report, "text")
    assert "library policy: not torch," in text and "⊘ optim.adam/first_step — first step from an empty config" in text
    assert "used torch (torch.tensor at optim.py:3)" in render(report, "md")
    assert "library policy: not torch," in render(report, "html")
    results = gradescope(report)
    assert "library policy: not torch," in results["output"]
    assert results["tests"][0]["name"] == "optim.adam/first_step — first step from an empty config"
    assert results["tests"][0]["output"].startswith("refused by the library policy: optim.adam used torch")
    assert "<failure" in render(report, "junit")


def test_the_class_report_counts_refusals_per_function():
    check = {"id": "optim.adam/first_step", "function": "optim.adam", "status": "policy", "details": {},
             "summary": "optim.adam used torch (torch.tensor at optim.py:3), which this course does not allow"}
    records = [(types.SimpleNamespace(key=k, students=[]), {"status": "graded"},
                {"score": 0, "max_score": 1, "checks": [check]}) for k in ("ann", "bob")]
    summary = classreport.summarize(records)
    assert [(r.function, r.students, r.used) for r in summary.refusals] == [("optim.adam", ["ann", "bob"], ["torch"])]
    assert "| optim.adam | 2 of 2 | torch |" in classreport.markdown(summary, {})
