"""The bundled adapters graded on a few functions (an adapter whose library is absent skips), the conformance
matrix built from a fixture report, and grader.py --target."""
import dataclasses
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.adapters import BUNDLED, Target, TargetError, matrix, resolve_target
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.dtypes import COMPUTES_IN_FLOAT32
from dlgrade.checks.engine.status import Status
from dlgrade.checks.policy.libraries import LibraryPolicy
from dlgrade.reporting import conformance
from dlgrade.sandbox import resolve
from tests.grading import quick_profile

ROOT = Path(__file__).resolve().parents[1]
FAKE = Path(__file__).with_name("fake_library")


def grade_adapter(name, only):
    """The adapter's matrix on the selected functions (few examples: these are smoke tests of the adapter)."""
    adapter = BUNDLED[name]
    absent = [m for m in adapter.requires if importlib.util.find_spec(m) is None]  # found, not imported here
    if absent:
        pytest.skip(f"{name}: {', '.join(absent)} not installed (pip install \"dlgrade[{adapter.extra}]\")")
    target = resolve_target(name)
    profile = target.widen(quick_profile(max_examples=5))
    report = runner.grade(resolve(target.path), profile, only=only)
    data = conformance.matrix(report, target=name, library=target.library)
    return {row["function"]: row for row in data["functions"]}


def named(row):
    return {d["named"] for d in row["departures"]}


def test_torch():
    rows = grade_adapter("torch", ["optim.adam", "optim.nadam", "layers.layernorm_forward", "layers.batchnorm_forward",
                                   "losses.softmax_loss", "losses.l2_regularization", "init.he_normal"])
    for function in ("optim.adam", "optim.nadam", "layers.layernorm_forward", "losses.softmax_loss", "init.he_normal"):
        assert rows[function]["verdict"] == conformance.CONFORMS, rows[function]
    assert rows["layers.batchnorm_forward"]["verdict"] == conformance.DEPARTS
    assert "running_var_unbiased" in named(rows["layers.batchnorm_forward"])
    assert rows["losses.l2_regularization"]["verdict"] == conformance.NOT_PROVIDED


def test_optax():
    rows = grade_adapter("optax", ["optim.adam", "optim.adagrad", "losses.logistic_loss", "schedules.step_decay"])
    for function in ("optim.adam", "losses.logistic_loss", "schedules.step_decay"):
        assert rows[function]["verdict"] == conformance.CONFORMS, rows[function]
    assert "eps_inside" in named(rows["optim.adagrad"])  # optax divides by √(r + ε)


def test_numpy_ml():
    rows = grade_adapter("numpy_ml", ["optim.adam", "losses.softmax_loss", "layers.batchnorm_forward",
                                      "layers.dropout_backward"])
    assert rows["optim.adam"]["verdict"] == conformance.CONFORMS, rows["optim.adam"]
    assert rows["layers.batchnorm_forward"]["verdict"] == conformance.CONFORMS, rows["layers.batchnorm_forward"]
    assert "sum_not_mean" in named(rows["losses.softmax_loss"])  # CrossEntropy returns the sum
    assert "mask_not_applied" in named(rows["layers.dropout_backward"])  # Dropout.backward forgets the mask


def test_numpy_ml_dropout_through_its_global_generator(tmp_path):
    """numpy-ml's adapter presents its Dropout (mask from np.random, seeded by the adapter) even where numpy-ml is
    absent: a stand-in with numpy-ml's behaviour sits beside the adapter's modules. The forward conforms (the same
    seed gives the same mask); the backward's missing mask is caught and named."""
    folder = tmp_path / "numpy_ml_adapter"
    shutil.copytree(BUNDLED["numpy_ml"].path, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(FAKE / "numpy_ml_standin" / "numpy_ml", folder / "numpy_ml")
    profile = dataclasses.replace(quick_profile(max_examples=5), libraries=LibraryPolicy())
    report = runner.grade(resolve(folder), profile, only=["layers.dropout_forward", "layers.dropout_backward"])
    data = conformance.matrix(report, target="numpy_ml", library="numpy-ml")
    rows = {row["function"]: row for row in data["functions"]}
    assert rows["layers.dropout_forward"]["verdict"] == conformance.CONFORMS, rows["layers.dropout_forward"]
    assert rows["layers.dropout_backward"]["verdict"] == conformance.DEPARTS
    assert named(rows["layers.dropout_backward"]) >= {"mask_not_applied"}


@pytest.mark.slow
def test_keras():
    rows = grade_adapter("keras", ["optim.adam", "layers.affine_forward", "losses.l1_regularization"])
    assert "eps_hat" in named(rows["optim.adam"])  # Kingma & Ba's efficient form
    assert COMPUTES_IN_FLOAT32 in named(rows["layers.affine_forward"])  # keras.ops.matmul promotes to float32
    assert rows["losses.l1_regularization"]["verdict"] == conformance.CONFORMS


def test_defaults_column_names_each_departure_from_the_textbook():
    """Two answers per function: the formula's (the spec's values passed) conforms, and the defaults' (the fake
    library's own) departs, named by a mistake row (AdaGrad's accumulator from 0.1) or by the declared defaults
    (SGD's learning rate); nothing departs in the defaults where the library's defaults are the textbook's."""
    target = Target("defaultslib", "a fake library", FAKE / "defaults_adapter")
    data = matrix.grade_target(target, 1, only=["optim.sgd", "optim.adagrad"], profile=quick_profile(max_examples=5))
    rows = {row["function"]: row for row in data["functions"]}
    assert {f: rows[f]["verdict"] for f in rows} == {"optim.sgd": "conforms", "optim.adagrad": "conforms"}
    adagrad, sgd = rows["optim.adagrad"]["defaults"], rows["optim.sgd"]["defaults"]
    assert adagrad["verdict"] == sgd["verdict"] == conformance.DEPARTS
    assert {d["named"] for d in adagrad["departures"]} - {None} == {"accumulator_starts_at_0.1"}  # None: a relation
    assert "learning rate defaults to 1e-3" in sgd["declared"]
    text = conformance.markdown(data)
    assert "| function | verdict | checks passed | named | defaults |" in text
    assert "| `optim.adagrad` | ✓ conforms | 5 / 5 |  | ✗ mistake 'accumulator_starts_at_0.1' |" in text
    assert "(defaults ✗)" in conformance.index([data])


def test_torch_defaults_mode_keeps_torchs_running_var(monkeypatch):
    """In the defaults column torch's batch norm starts from nn.BatchNorm1d's running_var of ones (the matrix grades
    that column whole: docs/conformance/torch.md); the formula's answer starts from the spec's zeros."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch not installed (pip install \"dlgrade[torch]\")")
    from dlgrade.adapters.torch import layers
    x, gamma, beta = np.array([[1.0, 2.0], [3.0, 6.0]]), np.ones(2), np.zeros(2)
    unbiased = x.var(axis=0, ddof=1)  # torch's running update
    for own, start in ((False, 0.0), (True, 1.0)):
        monkeypatch.setattr(layers, "LIBRARY_DEFAULTS", own)
        bn_param = {"mode": "train"}
        layers.batchnorm_forward(x, gamma, beta, bn_param)
        assert np.allclose(bn_param["running_var"], 0.9 * start + 0.1 * unbiased)


def test_torch_declared_defaults_are_its_signatures():
    """adapters/torch/defaults.json names exactly the update rules whose torch defaults differ from the spec's."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch not installed")
    import torch

    from dlgrade.adapters.torch import optim
    from dlgrade.reference.optim import RULES
    sgd_hyper = {"learning_rate": "lr", "momentum": "momentum"}
    classes = {"sgd": (torch.optim.SGD, sgd_hyper), "sgd_momentum": (torch.optim.SGD, sgd_hyper),
               "sgd_nesterov": (torch.optim.SGD, sgd_hyper), "adagrad": (torch.optim.Adagrad, optim._ADAM_HYPER),
               "rmsprop": (torch.optim.RMSprop, {**optim._ADAM_HYPER, "decay_rate": "alpha"}),
               "adam": (torch.optim.Adam, optim._ADAM_HYPER), "adamw": (torch.optim.AdamW, optim._ADAM_HYPER),
               "adamax": (torch.optim.Adamax, optim._ADAM_HYPER),
               "adadelta": (torch.optim.Adadelta, {**optim._ADAM_HYPER, "rho": "rho"})}
    differ = {f"optim.{name}" for name, (cls, hyper) in classes.items()
              if optim._own_defaults(cls, hyper, RULES[name].defaults) != RULES[name].defaults}
    declared = json.loads((BUNDLED["torch"].path / "defaults.json").read_text())
    assert {f for f in declared if f.startswith("optim.")} == differ


def test_an_absent_library_is_a_clear_target_error(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "optax" else real(name, *a))
    with pytest.raises(TargetError, match=r'pip install "dlgrade\[optax\]"'):
        resolve_target("optax")


# --- the matrix, from a fixture report -------------------------------------------------------------------


def result(check_id, status, summary="", **details):
    function = check_id.partition("/")[0]
    return runner.CheckResult(id=check_id, function=function, kind="oracle", doc="", status=status, score=0.0,
                              max_score=1.0, summary=summary, details=details,
                              replay=f"python grader.py --target lib --only {check_id} --seed 0")


FIXTURE = runner.Report("lib", "default", 0, [
    result("optim.sgd/a", Status.PASSED), result("optim.sgd/b", Status.PASSED),
    result("optim.rmsprop/a", Status.PASSED, "matches the documented variant eps_inside, which this profile accepts"),
    result("optim.adam/a", Status.FAILED, "next_w[0]: expected 1, got 2", input={"w": "[1.]"},
           diagnosis="mistake 'eps_hat': this implementation moves ε"),
    result("optim.adam/b", Status.PASSED),
    result("layers.affine_forward/float64", Status.FAILED,
           f"{COMPUTES_IN_FLOAT32}: given float64 inputs, out is float32", input={"x": "[1.]"}),
    result("losses.mse_loss/a", Status.FAILED, "loss: expected 1, got 2", input={"pred": "[1.]"}),
    result("losses.l1_regularization/a", Status.MISSING, "the submission has no function l1_regularization"),
], [], 1.5, 10, 0)


def test_matrix_from_a_fixture():
    data = conformance.matrix(FIXTURE, target="lib", library="Lib 1.0",
                              declared={"losses.mse_loss/a": "sums over the batch, documented"})
    verdicts = {row["function"]: row["verdict"] for row in data["functions"]}
    assert verdicts == {"optim.sgd": "conforms", "optim.rmsprop": "variant", "optim.adam": "departs",
                        "layers.affine_forward": "departs", "losses.mse_loss": "departs",
                        "losses.l1_regularization": "not provided"}
    rows = {row["function"]: row for row in data["functions"]}
    assert rows["optim.rmsprop"]["variants"] == ["eps_inside"]
    [adam] = rows["optim.adam"]["departures"]
    assert (adam["named"], adam["kind"], adam["input"]) == ("eps_hat", "mistake", {"w": "[1.]"})
    assert rows["layers.affine_forward"]["departures"][0]["named"] == COMPUTES_IN_FLOAT32
    assert rows["losses.mse_loss"]["departures"][0]["declared"] == "sums over the batch, documented"
    assert (data["checks_graded"], data["checks_passed"]) == (7, 4)
    text = conformance.markdown(data)
    assert "| `optim.adam` | ✗ departs | 1 / 2 | mistake 'eps_hat' |" in text
    assert "input: w = [1.]" in text and "replay: python grader.py --target lib --only optim.adam/a --seed 0" in text
    assert "declared: sums over the batch, documented" in text
    assert "Not provided (1): `losses.l1_regularization`." in text
    assert json.loads(json.dumps(data)) == data
    assert "| `optim.adam` | ✗ departs |" in conformance.index([data])


# --- grader.py --target ----------------------------------------------------------------------------------


def grader(*args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "grader.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(FAKE)})


def test_target_writes_the_matrix(tmp_path):
    done = grader("--target", "fakelib_adapter", "--only", "schedules", "--matrix", str(tmp_path / "m"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "m.json").read_text())
    verdicts = {row["function"]: row["verdict"] for row in data["functions"]}
    assert verdicts["schedules.step_decay"] == "conforms"
    assert verdicts["schedules.power_decay"] == "departs"
    assert verdicts["schedules.time_based_decay"] == "not provided"
    assert "replay: python grader.py --target fakelib_adapter --only" in (tmp_path / "m.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--target", "no_such_library_x"], "neither a bundled adapter"),
    (["--target", "torch", "examples/submission"], "or --target NAME"),
])
def test_target_usage_errors(args, message, tmp_path):
    done = grader(*args, cwd=ROOT)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_computes_in_float32_is_reported_under_any_profile(tmp_path):
    """Under the float64 column the finding fails the check; under the float32 one (a float32 library's
    profile) the check passes and the finding is still said."""
    from tests.grading import grade, reference_with
    from tests.known_wrong.losses import KNOWN_WRONG
    check_id = "losses.softmax_loss/float64"
    submission = reference_with(tmp_path, "losses.softmax_loss", KNOWN_WRONG[check_id])
    [strict] = grade(submission, only=[check_id]).results
    [loose] = grade(submission, only=[check_id], dtype="float32").results
    assert strict.status == "failed" and strict.summary.startswith(COMPUTES_IN_FLOAT32)
    assert loose.status == "passed" and COMPUTES_IN_FLOAT32 in loose.summary
