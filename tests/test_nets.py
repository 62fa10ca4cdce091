"""The course's networks graded as students write them: the constructor's arguments in the course's names and
conventions, a CS231n-style net with its own np.random dropout masks named for the bug it has, and a loss that is
right with gradients that are wrong told apart by finite differences of its own loss."""
import shutil

import pytest

from dlgrade.checks.engine.conventions import Conventions
from dlgrade.checks.policy import profile
from dlgrade.sandbox import resolve
from tests.grading import ROOT, grade

CS231N = ROOT / "tests" / "submissions" / "cs231n"
FC = "net.FullyConnectedNet"


@pytest.mark.parametrize("conventions, sent", [
    (Conventions(), {"dropout": 0.25, "normalization": "batchnorm"}),
    (Conventions(dropout_p="keep"), {"dropout": 0.75, "normalization": "batchnorm"}),
    (Conventions(dropout_p="keep", renamed={FC: {"dropout": "dropout_keep_ratio"}}),
     {"dropout_keep_ratio": 0.75, "normalization": "batchnorm"}),
    (Conventions(renamed={FC: {"normalization": {"name": "use_batchnorm", "values": {"None": False,
                                                                                      "batchnorm": True}}}}),
     {"dropout": 0.25, "use_batchnorm": True}),
], ids=["spec", "2018", "2021", "2016"])
def test_the_constructor_is_called_in_the_course_names_and_conventions(conventions, sent):
    args, kwargs = conventions.arguments(FC, (), {"dropout": 0.25, "normalization": "batchnorm"})
    assert args == [] and kwargs == sent


def test_a_normalization_the_course_lacks_is_not_drawn():
    year_2016 = Conventions(renamed={FC: {"normalization": {"name": "use_batchnorm",
                                                            "values": {"None": False, "batchnorm": True}}}})
    assert [year_2016.accepts(FC, "normalization", n) for n in (None, "batchnorm", "layernorm")] == [True, True, False]
    assert Conventions().accepts(FC, "normalization", "layernorm")


def test_the_cs231n_profile_builds_the_2021_net_and_refuses_a_broken_renaming(tmp_path):
    course = profile.load("cs231n").conventions
    assert course.locate(FC) == ("classifiers.fc_net", "FullyConnectedNet")
    assert course.arguments(FC, (), {"dropout": 0.0})[1] == {"dropout_keep_ratio": 1.0}
    path = tmp_path / "course.toml"
    path.write_text('[conventions.renamed]\n"net.FullyConnectedNet" = {dropout = 1}\n')
    with pytest.raises(profile.ProfileError, match="renamed"):
        profile.load(path)


# The CS231n tree's net, in the spec's layout, with two bugs students make: dropout's mode is never switched to
# test (its np.random mask, which no oracle can replay, in test mode too), and the penalty's gradient doubled.
BUGS = [('            self.dropout_param["mode"] = mode\n', '            pass\n'),
        ('            grads["W%d" % i] += self.reg * W\n', '            grads["W%d" % i] += 2 * self.reg * W\n')]


def test_a_cs231n_net_is_named_for_its_bugs(tmp_path):
    spec = tmp_path / "spec_layout"
    shutil.copytree(CS231N / "spec_layout", spec, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(CS231N / "assignment2" / "cs231n", spec / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
    fc_net = spec / "cs231n" / "classifiers" / "fc_net.py"
    source = fc_net.read_text()
    for old, new in BUGS:
        assert old in source
        source = source.replace(old, new)
    fc_net.write_text(source)
    results = {r.id.partition("/")[2]: r for r in grade(resolve(spec), only=[FC], max_examples=4).results}
    assert {slug: r.status for slug, r in results.items()} == {
        "scores": "failed", "loss_grads": "failed", "finite_differences": "failed", "dropout_train": "passed"}
    assert "'dropout_in_test'" in results["scores"].details["diagnosis"]
    assert "without dropout agree" in results["scores"].summary
    # the loss is right, the gradients are not: both gradient checks say which key, against which reference
    assert results["loss_grads"].summary.startswith("grads['W")
    assert "central differences of your loss" in results["finite_differences"].summary

