"""Whole submissions graded end to end: correct ones get full marks, broken ones a full report."""
import ast
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from dlgrade.checks.policy.libraries import LibraryPolicy
from dlgrade.reference.optim import RULES
from dlgrade.sandbox import resolve
from tests.grading import ALTERNATIVE, BROKEN, REFERENCE, ROOT, failing, grade, quick_profile

pytestmark = pytest.mark.slow


def by_function(report):
    table = {}
    for r in report.results:
        table.setdefault(r.function, set()).add(r.status)
    return table


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_gets_full_marks_for_any_seed(seed):
    report = grade(resolve(REFERENCE), seed=seed, max_examples=20)
    assert [(r.id, r.summary) for r in failing(report)] == []
    assert report.score == pytest.approx(report.max_score) and report.max_score > 0


def test_a_correct_but_different_submission_gets_full_marks():
    report = grade(resolve(ALTERNATIVE), max_examples=20)
    assert [(r.id, r.summary) for r in failing(report)] == []


def test_a_single_file_submission_is_graded(tmp_path):
    single = tmp_path / "homework.py"
    single.write_text("\n\n".join(p.read_text() for p in sorted(ALTERNATIVE.glob("*.py"))))
    report = grade(resolve(single))
    assert [(r.id, r.summary) for r in failing(report)] == []


def test_a_notebook_submission_is_graded():
    report = grade(resolve(BROKEN / "notebook.ipynb"), only=["optim", "schedules", "layers"])
    statuses = by_function(report)
    assert statuses["optim.sgd"] == {"passed"} and statuses["schedules.step_decay"] == {"passed"}
    assert statuses["layers.relu_forward"] == {"missing"}


def test_the_torch_adapter_passes_every_rule_torch_has():
    pytest.importorskip("torch")
    report = grade(resolve(ROOT / "adapters" / "torch"), only=["optim"], libraries=LibraryPolicy())  # as --target
    assert [(r.id, r.summary) for r in report.results if r.status not in ("passed", "missing")] == []
    # missing: exactly the rules the adapter leaves out (read from its source, so a new rule needs no edit here)
    written = {node.name for node in ast.parse((ROOT / "adapters" / "torch" / "optim.py").read_text()).body
               if isinstance(node, ast.FunctionDef)}
    assert {r.function for r in report.results if r.status == "missing"} == \
        {f"optim.{name}" for name in RULES if name not in written}


def test_a_syntax_error_fails_its_module_only():
    report = grade(resolve(BROKEN / "syntax_error"), only=["optim", "layers"])
    sgd = [r for r in report.results if r.function == "optim.sgd"]
    assert all(r.status == "failed" and "SyntaxError" in r.summary for r in sgd)
    statuses = by_function(report)
    assert statuses["layers.relu_forward"] == {"passed"} and statuses["layers.relu_backward"] == {"passed"}
    assert statuses["layers.batchnorm_forward"] == {"missing"}


def test_exceptions_are_reported_with_the_line_that_raised():
    report = grade(resolve(BROKEN / "raises"), only=["optim.sgd", "optim.adam", "optim.rmsprop"])
    sgd = [r for r in report.results if r.function == "optim.sgd" and r.status == "failed"]
    assert sgd and any("ValueError" in r.summary and "optim.py:" in r.summary for r in sgd)
    assert by_function(report)["optim.rmsprop"] <= {"passed", "missing"}


def test_wrong_return_types_fail_with_a_clear_message():
    report = grade(resolve(BROKEN / "wrong_types"), only=["optim.sgd", "optim.sgd_momentum", "optim.adam",
                                                          "losses.softmax_loss", "layers.relu_forward"])
    for function, words in (("optim.sgd_momentum", "subclass of numpy.ndarray"), ("optim.adam", "tuple of 2"),
                            ("layers.relu_forward", "subclass of numpy.ndarray")):
        results = [r for r in report.results if r.function == function]
        assert all(r.status == "failed" for r in results), function
        assert any(words in r.summary for r in results), (function, [r.summary for r in results])
    assert all(r.status == "failed" for r in report.results if r.function in ("optim.sgd", "losses.softmax_loss"))


def test_non_finite_results_fail():
    report = grade(resolve(BROKEN / "nan"), only=["losses", "layers.sigmoid_forward"])
    # "float64 in, float64 out" checks the dtype alone (a check of A fails only for A): a float64 NaN holds it.
    values = [r for r in report.results if not r.id.endswith("/float64")]
    assert all(r.status in ("failed", "missing") for r in values)
    assert any(r.id.endswith("/float64") and r.status == "passed" for r in report.results)
    assert any(r.status == "failed" for r in report.results if r.function == "layers.sigmoid_forward")


def test_a_hang_fails_its_function_and_the_rest_is_graded():
    report = grade(resolve(BROKEN / "hang"), only=["optim.sgd", "optim.sgd_momentum", "schedules"],
                   call_timeout=1.0)
    statuses = by_function(report)
    assert statuses["optim.sgd"] == {"failed"} and statuses["optim.sgd_momentum"] <= {"passed", "failed"}
    assert all(s == {"passed"} for f, s in statuses.items() if f.startswith("schedules."))
    assert any("within 1 s" in r.summary for r in report.results if r.function == "optim.sgd")


def test_a_slow_submission_is_graded_within_the_check_budget(tmp_path):
    slow = "import time\n\ndef power_decay(lr0, d, epoch):\n    time.sleep(0.2)\n    return lr0 * d**epoch\n"
    (tmp_path / "schedules.py").write_text(slow)
    report = grade(resolve(tmp_path), only=["schedules.power_decay"], check_budget=0.5)
    assert {r.status for r in report.results} == {"passed"}
    # The budget cuts the examples beyond the minimum of seed-dependent ones (after the simplest), never those.
    minimum = quick_profile().min_examples
    longer = [r for r in report.results if r.max_examples > minimum]
    assert longer and all("budget ran out" in r.summary and minimum < r.examples_run <= r.max_examples for r in longer)
    assert all(r.examples_run > min(minimum, r.max_examples) for r in report.results)


def test_a_module_that_hangs_on_import_fails_only_itself():
    report = grade(resolve(BROKEN / "import_hang"), only=["net", "training.num_iterations"], import_timeout=1.0)
    assert {r.status for r in report.results if r.function == "net.mlp_loss"} == {"failed"}
    assert {r.status for r in report.results if r.function == "training.num_iterations"} == {"missing"}


def test_hostile_code_cannot_fake_a_pass():
    report = grade(resolve(BROKEN / "hostile"), only=["optim"], call_timeout=2.0)
    assert report.results and report.score < report.max_score / 2
    assert not [r for r in report.results if r.status == "error"]


def test_verdicts_do_not_depend_on_the_number_of_jobs():
    submission = resolve(ROOT / "examples" / "submission")
    one, two = grade(submission, only=["optim", "layers"]), grade(submission, only=["optim", "layers"], jobs=2)
    assert [(r.id, r.status, r.summary, r.details) for r in one.results] == \
        [(r.id, r.status, r.summary, r.details) for r in two.results]
    assert any(r.status == "failed" for r in one.results)


def run_grader(*args):
    return subprocess.run([sys.executable, "grader.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_the_template_scores_zero_with_a_clear_not_implemented():
    done = run_grader("student_template/", "--only", "optim", "--only", "layers.relu_forward")
    assert done.returncode == 0, done.stderr
    assert "not implemented" in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert "total 0 /" in done.stdout


def test_gradescope_results_and_other_formats(tmp_path):
    results = tmp_path / "results.json"
    done = run_grader("examples/submission", "--only", "optim.adam", "--only", "optim.sgd",
                      "--results", str(results), "--format", "json")
    assert done.returncode == 0, done.stderr
    ours, theirs = json.loads(done.stdout), json.loads(results.read_text())
    assert theirs["score"] == pytest.approx(ours["score"]) and theirs["max_score"] > theirs["score"]
    assert {"score", "max_score", "execution_time", "tests"} <= set(theirs)
    for test in theirs["tests"]:
        assert test["name"].startswith(("optim.adam", "optim.sgd")) and test["status"] in ("passed", "failed")
        assert {"score", "max_score", "output", "extra_data"} <= set(test) and test["extra_data"]["seed"] == 0
    adam = [t for t in theirs["tests"] if t["name"].startswith("optim.adam") and t["status"] == "failed"]
    assert adam and "no_bias_correction" in adam[0]["output"] and "replay:" in adam[0]["output"]
    junit = run_grader("examples/submission", "--only", "optim.sgd", "--format", "junit")
    assert ET.fromstring(junit.stdout.split("?>", 1)[1]).tag == "testsuites"
    markdown = run_grader("examples/submission", "--only", "optim.sgd", "--format", "md")
    assert markdown.stdout.startswith("# dlgrade")


def test_fail_under_turns_a_low_score_into_exit_1():
    assert run_grader("examples/submission", "--only", "optim.adam", "--fail-under", "90").returncode == 1
    assert run_grader("reference", "--only", "optim.sgd", "--fail-under", "100").returncode == 0


def test_a_replay_command_reproduces_the_verdict():
    first = json.loads(run_grader("examples/submission", "--only", "optim.adam", "--format", "json").stdout)
    failed = [c for c in first["checks"] if c["status"] == "failed"][0]
    command = failed["replay"].split()
    assert command[:2] == ["python", "grader.py"]
    again = run_grader(*_unquote(failed["replay"])[2:], "--format", "json")
    [check] = json.loads(again.stdout)["checks"]
    assert check["id"] == failed["id"] and check["details"] == failed["details"]


def _unquote(command):
    import shlex
    return shlex.split(command)


@pytest.mark.parametrize("args, words", [
    (["no/such/folder"], "no such file"),
    (["examples/submission", "--only", "optim.nonsense"], "names no module"),
    (["examples/submission", "--max-examples", "0"], "at least 1"),
    (["examples/submission", "--profile", "no_such.toml"], "no such file"),
    (["examples/submission", "--format", "pdf"], "invalid choice"),
])
def test_usage_errors_exit_2_without_a_traceback(args, words):
    done = run_grader(*args)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_a_course_profile_changes_points_and_variants(tmp_path):
    profile = tmp_path / "course.toml"
    profile.write_text('[points]\n"optim.rmsprop" = 10\n[accept]\n"optim.rmsprop" = []\n')
    report = json.loads(run_grader("examples/submission", "--only", "optim.rmsprop", "--profile", str(profile),
                                   "--format", "json").stdout)
    assert report["max_score"] == pytest.approx(10)
    diagnoses = [c["details"].get("diagnosis", "") for c in report["checks"] if c["status"] == "failed"]
    # d2l's form (eps_inside with ε pinned to 1e-6) only adds a keyword to eps_inside: named alone (mistakes.ambiguous)
    assert diagnoses and all("documented variant 'eps_inside'" in d and "d2l" not in d for d in diagnoses)
    bad = tmp_path / "bad.toml"
    bad.write_text('[accept]\n"optim.rmsprop" = ["eps_everywhere"]\n')
    done = run_grader("examples/submission", "--profile", str(bad))
    assert done.returncode == 2 and "no documented variant" in done.stderr


@pytest.mark.parametrize("relative, float32", [("2e-7", "passed"), ("1e-6", "failed")])
def test_the_profiles_dtype_picks_the_tolerance_column(tmp_path, relative, float32):
    # Off by 2e-7 relative: too much for float64's rtol of 1e-7, within float32's rounding of w − η·dw (two
    # roundings of u = 6e-8, twice, plus float64's tolerance). 1e-6 is no float32 rounding of this formula: the
    # float32 column is the formula's rounding bound (f19f32), no longer a flat 1.3e-6.
    (tmp_path / "optim.py").write_text(
        "def sgd(w, dw, config=None):\n    config = {} if config is None else config\n"
        "    config.setdefault('learning_rate', 1e-2)\n"
        f"    return (w - config['learning_rate'] * dw) * (1 + {relative}), config\n")
    only = ["optim.sgd/trajectory"]
    assert grade(resolve(tmp_path), only=only).results[0].status == "failed"
    assert grade(resolve(tmp_path), only=only, dtype="float32").results[0].status == float32


def test_hidden_expected_values_stay_hidden(tmp_path):
    only = ["optim.adam/trajectory"]
    shown = grade(resolve(ROOT / "examples" / "submission"), only=only).results[0]
    hidden = grade(resolve(ROOT / "examples" / "submission"), only=only, show_expected=False).results[0]
    assert hidden.status == shown.status == "failed" and "expected" in shown.summary
    assert "expected" not in hidden.summary and "expected" not in hidden.details
    assert hidden.details["input"] == shown.details["input"] and "no_bias_correction" in hidden.details["diagnosis"]
