"""The course's networks where the years meet the nets: each year's constructor end to end, and the partner rule.

A student's FullyConnectedNet is built on the student's own layers. One bug is charged once, where its own checks
judge it: a net check that failed relying on a layer function that fails its own checks is not graded (status
depends, 0 of 0, the layer named); a net with right layers and a bug of its own fails and is named for it
(tests/test_years.py's broken 2025 net). Grades here are trusted, with 2 examples and only the net's checks.
"""
import dataclasses
import shutil

import numpy as np
import pytest

from dlgrade.checks.engine import runner
from dlgrade.checks.engine.status import Status
from dlgrade.checks.policy import profile, source_scan
from dlgrade.sandbox import resolve
from tests.grading import ROOT

TREES = {year: ROOT / "tests" / "submissions" / f"cs231n-{year}" / "assignment2" for year in ("2017", "2021")}
FC = "net.FullyConnectedNet"


def _tree(tmp_path, year, edits):
    """A copy of the year's tree with edits {file: [(old, new)]}, each old present."""
    tree = tmp_path / "a2"
    shutil.copytree(TREES[year], tree)
    for name, pairs in edits.items():
        path = tree / "cs231n" / name
        source = path.read_text()
        for old, new in pairs:
            assert old in source, old
            source = source.replace(old, new)
        path.write_text(source)
    return tree


def _grade(tree, only=(FC,)):
    chosen = dataclasses.replace(profile.load("cs231n"), max_examples=2, examples={})
    return runner.grade(resolve(tree, package="cs231n"), chosen, only=list(only), trusted=True)


def _by_slug(report, function=FC):
    return {r.id.partition("/")[2]: r for r in report.results if r.function == function}


# --- the constructor in each year's names and meaning ------------------------------------------------------


@pytest.mark.parametrize("name, shown, meaning", [
    ("cs231n-2017", {"use_batchnorm": True, "dropout": 0.25}, ""),
    ("cs231n-2019", {"normalization": "batchnorm", "dropout": 0.75}, "in this course dropout is the probability of "
                                                                      "KEEPING a unit"),
    ("cs231n-2021", {"normalization": "batchnorm", "dropout_keep_ratio": 0.75},
     "in this course dropout_keep_ratio is the probability of KEEPING a unit (the spec's dropout is the probability "
     "of dropping one, 1 − this dropout_keep_ratio)"),
    (None, {"normalization": "batchnorm", "dropout": 0.25}, ""),
])
def test_a_net_s_input_is_shown_as_its_constructor_received_it(name, shown, meaning):
    conventions = profile.load(name).conventions
    case = {"hidden_dims": [3], "normalization": "batchnorm", "dropout": 0.25, "reg": 0.3}
    assert conventions.shown(FC, case) == {"hidden_dims": [3], **shown, "reg": 0.3}
    assert conventions.meaning(FC).startswith(meaning) and bool(conventions.meaning(FC)) == bool(meaning)


def test_a_2017_net_that_reads_dropout_as_keep_fails_in_2017_s_terms(tmp_path):
    """2017's FullyConnectedNet(dropout=0, use_batchnorm=False): dropout is the drop probability, 0 none. A net that
    reads it as a keep probability drops every unit when asked for none (the right one: full marks, test_years)."""
    tree = _tree(tmp_path, "2017", {"classifiers/fc_net.py": [
        ("self.use_dropout = dropout > 0", "self.use_dropout = dropout < 1"),
        ("'p': dropout}", "'p': 1 - dropout}")]})
    report = _grade(tree)
    assert report.course.startswith("CS231n 2016–2017, detected")
    loss_grads = _by_slug(report)["loss_grads"]
    assert loss_grads.status == "failed" and float(loss_grads.details["input"]["dropout"]) == 0
    assert "use_batchnorm" in loss_grads.details["input"] and "normalization" not in loss_grads.details["input"]
    assert "KEEPING" not in loss_grads.summary  # 2017's dropout means what the spec's does: nothing to translate


def test_a_2021_net_s_failure_shows_dropout_keep_ratio(tmp_path):
    tree = _tree(tmp_path, "2021", {"classifiers/fc_net.py": [
        ("            loss += 0.5 * self.reg * np.sum(W * W)\n", "            loss += self.reg * np.sum(W * W)\n")]})
    loss_grads = _by_slug(_grade(tree))["loss_grads"]
    assert loss_grads.status == "failed" and float(loss_grads.details["input"]["dropout_keep_ratio"]) == 1
    assert "dropout" not in loss_grads.details["input"]
    assert "in this course dropout_keep_ratio is the probability of KEEPING a unit" in loss_grads.summary


# --- the partner rule: a wrong layer is charged once, by its own checks ------------------------------------------


def test_a_net_whose_only_fault_is_a_wrong_layer_is_not_graded_and_names_the_layer(tmp_path):
    tree = _tree(tmp_path, "2021", {"layers.py": [("    out = x.reshape(x.shape[0], -1).dot(w) + b\n",
                                                   "    out = x.reshape(x.shape[0], -1).dot(w)\n")]})
    report = _grade(tree)  # affine_forward not selected: probed, unreported, because the net relied on it
    nets = _by_slug(report)
    assert {r.status for r in nets.values()} == {Status.DEPENDS} and {r.function for r in report.results} == {FC}
    assert report.score == report.max_score == 0  # neither paid nor counted against the student
    assert nets["loss_grads"].summary.startswith("not graded: depends on layers.affine_forward, which fails its own "
                                                 "checks")
    assert nets["loss_grads"].details["depends_on"] == ["layers.affine_forward"]
    assert sum(r.details["unscored_points"] for r in nets.values()) == pytest.approx(6.0)
    assert any(n.startswith(f"{FC}: 4 checks (6 points) not graded") for n in report.notes)


def test_a_batchnorm_whose_running_statistics_start_at_one_is_judged_by_its_own_checks(tmp_path):
    """Test mode on a fresh net reads the running statistics batchnorm_forward creates (zeros, in the course's own
    lines): a batchnorm that creates running_var as ones fails its own checks, and the net's scores are not graded
    for it; train mode does not read them and is paid."""
    tree = _tree(tmp_path, "2021", {"layers.py": [
        ('running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))',
         'running_var = bn_param.get("running_var", np.ones(D, dtype=x.dtype))')]})
    report = _grade(tree, only=(FC, "layers.batchnorm_forward"))
    nets = _by_slug(report)
    assert nets["scores"].status == "depends" and nets["scores"].details["depends_on"] == ["layers.batchnorm_forward"]
    assert {nets[slug].status for slug in ("loss_grads", "finite_differences", "dropout_train")} == {"passed"}
    assert any(r.status == "failed" for r in report.results if r.function == "layers.batchnorm_forward")


def _result(check_id, status, max_score=1.0, score=None, counterexample=None):
    return runner.CheckResult(check_id, check_id.partition("/")[0], "oracle", "", status,
                              max_score if score is None else score, max_score, "found", counterexample=counterexample)


def test_only_a_failed_check_whose_partner_fails_is_gated():
    relies = {f"{FC}/scores": ["layers.affine_forward"], f"{FC}/loss_grads": ["layers.relu_backward"],
              f"{FC}/dropout_train": []}
    results = [_result(f"{FC}/scores", Status.FAILED), _result(f"{FC}/loss_grads", Status.FAILED),
               _result(f"{FC}/dropout_train", Status.PASSED, score=0.0),
               _result("layers.affine_forward/oracle", Status.FAILED), _result("layers.relu_backward/oracle",
                                                                               Status.PASSED)]
    notes = runner.apply_partner_gates(results, relies)
    scores, loss_grads, dropout_train = results[:3]
    assert scores.status is Status.DEPENDS and scores.max_score == scores.score == 0
    assert loss_grads.status is Status.FAILED and loss_grads.max_score == 1  # its partner is right: its own bug
    assert dropout_train.status is Status.PASSED and dropout_train.max_score == 1  # the net failed alone too
    assert notes == [f"{FC}: 1 checks (1 points) not graded, neither for nor against the student: they failed "
                     f"relying on layers.affine_forward, which fails its own checks"]
    passed = [_result(f"{FC}/scores", Status.PASSED), _result("layers.affine_forward/oracle", Status.FAILED)]
    assert runner.apply_partner_gates(passed, relies) == [] and passed[0].score == 1  # right values are paid


def test_a_net_relies_only_on_the_layers_its_code_reaches():
    """The course's conv net goes through layer_utils to fast_layers: a wrong conv_forward_naive is not its
    partner. Which layers a failed check relied on also depends on its input (a norm, dropout, test mode)."""
    tree = resolve(TREES["2021"], package="cs231n")
    conv, fc = source_scan.reached(tree, "ThreeLayerConvNet"), source_scan.reached(tree, "FullyConnectedNet")
    assert {"conv_forward_fast", "max_pool_forward_fast", "softmax_loss"} <= conv and "conv_forward_naive" not in conv
    assert {"batchnorm_forward", "batchnorm_backward_alt", "layernorm_backward", "dropout_forward"} <= fc
    course = profile.load("cs231n-2021")
    scores = _result(f"{FC}/scores", Status.FAILED, counterexample={"normalization": None, "dropout": 0.5})
    assert runner.relied_on(scores, course, fc) == ["layers.affine_forward", "layers.relu_forward",
                                                    "layers.dropout_forward"]
    train = _result(f"{FC}/loss_grads", Status.FAILED, counterexample={"normalization": "batchnorm", "dropout": 0})
    assert runner.relied_on(train, course, fc) == [
        "layers.affine_forward", "layers.relu_forward", "layers.affine_backward", "layers.relu_backward",
        "losses.softmax_loss", "layers.batchnorm_forward", "layers.batchnorm_backward_alt"]  # its backward: alt
    convnet = _result("net.ThreeLayerConvNet/loss_grads", Status.FAILED, counterexample={"X": np.ones(1)})
    assert runner.relied_on(convnet, course, conv) == ["layers.relu_forward", "layers.affine_forward",
                                                       "layers.relu_backward", "layers.affine_backward",
                                                       "losses.softmax_loss"]
    tree.cleanup()


def test_a_gated_check_says_so_in_every_format():
    from dlgrade.reporting import formats, render
    gated = _result(f"{FC}/scores", Status.FAILED, counterexample={"normalization": None})
    gated.details = {"input": {"dropout_keep_ratio": "0.5"}}
    runner.apply_partner_gates([gated, _result("layers.affine_forward/oracle", Status.FAILED)],
                               {gated.id: ["layers.affine_forward"]})
    report = runner.Report("a2", "cs231n", 0, [gated], [], 1.0, 1, 0)
    [test] = formats.gradescope(report)["tests"]
    assert test["max_score"] == 0 and test["output"].startswith("not graded: depends on layers.affine_forward")
    assert "input: dropout_keep_ratio = 0.5" in test["output"]
    assert "◌ net.FullyConnectedNet/scores" in render(report, "text")
    assert '<skipped message="not counted: not graded: depends on layers.affine_forward' in render(report, "junit")
