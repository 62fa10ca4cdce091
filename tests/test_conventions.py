"""Course conventions: a CS231n assignment-2 tree graded as handed in (--profile cs231n).

The profile's [layout] and [conventions] are translated where the grader calls the submission
(engine.conventions); a tree in the CS231n layout and conventions gets full marks, and a broken copy
gets the verdicts the same code gets in the spec's layout (translated by hand in spec_layout/).
"""
import dataclasses
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dlgrade.checks.engine import runner
from dlgrade.checks.engine.conventions import Conventions
from dlgrade.checks.policy import profile
from dlgrade.sandbox import Handle, SubmissionError, resolve
from tests.grading import ROOT, failing

CS231N = ROOT / "tests" / "submissions" / "cs231n"
TREE = CS231N / "assignment2"


def cs231n_conventions():
    return profile.load("cs231n").conventions.for_check()


def test_the_calls_are_translated_into_the_course_conventions():
    course = cs231n_conventions()
    assert course.locate("losses.softmax_loss") == ("layers", "softmax_loss")
    assert course.locate("layers.groupnorm_forward") == ("layers", "spatial_groupnorm_forward")
    assert course.locate("optim.adam") == ("optim", "adam")
    args, _ = course.arguments("layers.dropout_forward", (np.ones(3), {"p": 0.25, "seed": 1}), {})
    assert args[1] == {"p": 0.75, "seed": 1, "mode": "train"}
    args, _ = course.arguments("layers.batchnorm_forward", (1, 2, 3, {"mode": "test"}), {})
    assert args[3] == {"mode": "test"}
    _, kwargs = course.arguments("gradient_check.eval_numerical_gradient", (len, np.ones(2)), {"h": 1e-3})
    assert kwargs == {"verbose": False, "h": 1e-3}


def test_group_norm_gamma_goes_in_as_1c11_and_its_gradient_comes_back_as_given():
    course = cs231n_conventions()
    gamma = np.arange(3.0)
    args, _ = course.arguments("layers.groupnorm_forward", (np.ones((1, 3, 2, 2)), gamma, gamma, 3, {}), {})
    assert args[1].shape == args[2].shape == (1, 3, 1, 1)
    course.result("layers.groupnorm_forward", (None, gamma), (np.ones(1), Handle(7)))
    dx, dgamma, dbeta = course.result("layers.groupnorm_backward", (None, Handle(7)),
                                      (np.ones(1), np.ones((1, 3, 1, 1)), np.ones((1, 3, 1, 1))))
    assert dgamma.shape == dbeta.shape == (3,)


def test_without_a_convention_the_spec_holds():
    spec = Conventions()
    param = {"p": 0.25}
    args, kwargs = spec.arguments("layers.dropout_forward", (np.ones(2), param), {})
    assert args[1] is param and kwargs == {} and spec.locate("losses.softmax_loss") == ("losses", "softmax_loss")


def test_profiles_are_found_by_name_and_the_lecture_notes_accept_the_textbook_forms():
    assert profile.load("cs231n").source == "cs231n" and profile.load("cs231n").package == "cs231n"
    notes = profile.load("lecture-notes")
    assert notes.accepted("optim.adagrad") == {"eps_inside"} and notes.accepted("optim.sgd_momentum") == {
        "positive_velocity"}
    default = profile.load()
    assert default.accepted("optim.adagrad") == set() and default.accepted("optim.sgd_momentum") == set()
    assert default.accepted("optim.rmsprop") == default.accepted("optim.adam") == {"eps_inside"}
    with pytest.raises(profile.ProfileError, match="bundled profile"):
        profile.load("cs231")


@pytest.mark.parametrize("text, words", [
    ('[layout]\npackage = "a/b"\n', "folder name"),
    ('[layout]\ngraded = ["optim.adamm"]\n', "modules or functions"),
    ('[layout]\nfolder = "x"\n', "unknown .layout. key"),
    ('[layout.functions]\n"losses.softmax_loss" = "softmax_loss"\n', "module.function"),
    ('[conventions]\ndropout_p = "kept"\n', "dropout_p must be one of"),
    ('[conventions]\nverbose = true\n', "unknown convention"),
    ('[conventions.channel_shape]\n"layers.groupnorm_forward" = "(C, 1, 1)"\n', "channel_shape"),
])
def test_a_broken_layout_or_convention_is_refused(tmp_path, text, words):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(profile.ProfileError, match=words):
        profile.load(path)


def test_the_modules_are_found_in_the_package_folder_of_a_tree_or_a_zip(tmp_path):
    folder = resolve(TREE, package="cs231n")
    assert Path(folder.root).name == "cs231n" and (Path(folder.root) / "layers.py").is_file()
    folder.cleanup()
    archive = tmp_path / "a2.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in TREE.rglob("*"):
            zipped.write(path, "assignment2/" + str(path.relative_to(TREE)))
    submission = resolve(archive, package="cs231n")
    assert Path(submission.root).name == "cs231n" and (Path(submission.root) / "optim.py").is_file()
    submission.cleanup()
    with pytest.raises(SubmissionError, match="no cs231n/ folder"):
        resolve(CS231N / "spec_layout", package="cs231n")


def _grade(path, profile_name=None, **changes):
    chosen = profile.load(profile_name) if profile_name else profile.load()
    quick = dataclasses.replace(chosen, max_examples=6, examples={}, **changes)
    only = profile.load("cs231n").graded_functions()
    return runner.grade(resolve(path, package=quick.package), quick, only=only, jobs=2)


@pytest.mark.slow
def test_a_cs231n_tree_gets_full_marks_as_handed_in():
    report = _grade(TREE, "cs231n")
    assert [(r.id, r.summary) for r in failing(report)] == []
    graded = {r.function for r in report.results}  # the course's own sgd and gradient_check.py are not graded
    assert report.score == pytest.approx(report.max_score) and len(graded) == 25
    assert not graded & {"optim.sgd", "gradient_check.eval_numerical_gradient"}


BREAKAGES = {  # what real students write, in the assignment's own code
    "optim.py": [('    config["t"] += 1\n    t = config["t"]\n', '    t = config["t"] + 1\n'),
                 ('    mt = config["m"] / (1 - beta1 ** t)\n    vt = config["v"] / (1 - beta2 ** t)\n',
                  '    mt, vt = config["m"], config["v"]\n')],
    "layers.py": [('                    a, b = np.unravel_index(np.argmax(window), window.shape)  # the first maximum\n'
                   '                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]\n',
                   '                    mask = window == np.max(window)\n'
                   '                    dx[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw] += '
                   'mask * dout[n, c, i, j]\n'),
                  ("    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]\n", "    dx = dx_pad[:, :, pad:-pad, pad:-pad]\n"),
                  ("        mask = (np.random.rand(*x.shape) < p) / p\n",
                   "        mask = (np.random.rand(*x.shape[1:]) < p) / p\n")],
}


def _broken_copy(tmp_path):
    tree = tmp_path / "assignment2"
    shutil.copytree(TREE, tree, ignore=shutil.ignore_patterns("__pycache__"))
    for name, edits in BREAKAGES.items():
        source = (tree / "cs231n" / name).read_text()
        for old, new in edits:
            assert old in source, old
            source = source.replace(old, new)
        (tree / "cs231n" / name).write_text(source)
    spec = tmp_path / "spec_layout"
    shutil.copytree(CS231N / "spec_layout", spec, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(tree / "cs231n", spec / "cs231n")
    return tree, spec


def _verdicts(report):
    return [(r.id, r.status, r.details.get("diagnosis", "")) for r in report.results]


@pytest.mark.slow
def test_a_broken_cs231n_tree_gets_the_verdicts_of_the_same_code_in_the_spec_layout(tmp_path):
    tree, spec = _broken_copy(tmp_path)
    as_handed_in, in_spec_layout = _grade(tree, "cs231n"), _grade(spec)
    assert _verdicts(as_handed_in) == _verdicts(in_spec_layout)
    diagnoses = " ".join(d for _, _, d in _verdicts(as_handed_in))
    for name in ("no_bias_correction' and 't_never_updated", "ties_to_all", "negative_crop", "mask_per_column"):
        assert f"'{name}'" in diagnoses, name
    assert {r.function for r in failing(as_handed_in)} == {
        "optim.adam", "layers.max_pool_backward_naive", "layers.conv_backward_naive", "layers.dropout_forward"}
