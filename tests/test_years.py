"""A course's years (checks/policy/years.py): CS231n assignment-2 trees of 2017, 2021 and 2025, graded as handed in.

tests/submissions/cs231n-YEAR/ are trees written as students of that year write them: 2017's dropout drops with
probability p and has no layer or group norm, 2021's layers.py imports the course's fast_layers absolutely (whose
compiled extension is not built), 2025's optim.py is the course's own solution, and every year's conv and pool
assert the sizes the assignment promises. Grades here run without the OS sandbox (trusted) and with few examples:
what is tested is the profile, and one sandboxed grade shows the package import under the sandbox too.
"""
import ast
import dataclasses
import re
import shutil

import numpy as np
import pytest

from dlgrade.checks.engine import runner
from dlgrade.checks.engine.mistakes import BY_ID
from dlgrade.checks.policy import profile, years
from dlgrade.checks.policy.profile import tomllib
from dlgrade.sandbox import client, resolve
from dlgrade.sandbox.submission import Submission
from tests.grading import ROOT, failing

SUBMISSIONS = ROOT / "tests" / "submissions"
TREES = {year: SUBMISSIONS / f"cs231n-{year}" / "assignment2" for year in ("2017", "2021", "2025")}
DETECTED = {"2017": "2016-2017", "2021": "2021-2024", "2025": "2025"}
# The functions a year changes: its conventions (dropout), what it asks (layer norm), what it provides (adam),
# what it promises (conv and pool sizes), and a file importing its own package absolutely (affine, 2021).
YEAR_SENSITIVE = ["layers.dropout_forward", "layers.dropout_backward", "layers.conv_forward_naive",
                  "layers.max_pool_forward_naive", "layers.affine_forward", "layers.layernorm_forward",
                  "optim.adam", "optim.sgd"]
PROVIDED_FILES = {"gradient_check.py", "fast_layers.py", "layer_utils.py"}
# The rest of assignment 2, asked every year: the nets in each year's constructor, through the course's
# layer_utils and fast_layers (whose conv backward needs the compiled im2col_cython, not built here).
NETS = ["layers.batchnorm_backward_alt", "net.FullyConnectedNet", "net.ThreeLayerConvNet"]
UNBUILT = {"net.ThreeLayerConvNet/loss_grads", "net.ThreeLayerConvNet/finite_differences"}


def _grade(path, name="cs231n", only=YEAR_SENSITIVE, trusted=True, **changes):
    chosen = dataclasses.replace(profile.load(name), max_examples=2, examples={}, **changes)
    return runner.grade(resolve(path, package=chosen.package), chosen, only=only, trusted=trusted)


def _package(path):
    return Submission(str(path), "package", root=str(path / "cs231n"), package="cs231n")


# --- the profile: years as data --------------------------------------------------------------------------


def test_a_year_is_named_by_the_profile_and_changes_only_what_that_year_did():
    base, old, new = profile.load("cs231n"), profile.load("cs231n-2017"), profile.load("cs231n-2025")
    assert base.year == "" and old.year == "2016-2017" and new.year == "2025"
    assert old.conventions.dropout_p == "drop" and base.conventions.dropout_p == new.conventions.dropout_p == "keep"
    assert "layers.layernorm_forward" not in old.graded_functions() and "layers.layernorm_forward" in \
        new.graded_functions()
    assert not {f for f in new.graded_functions() if f.startswith("optim.")}
    assert "optim.adam" in old.graded_functions() and "optim.sgd" not in old.graded_functions()
    assert old.year_reason.startswith("CS231n 2017, the conventions of 2016–2017: named by the profile")
    assert old.package == "cs231n" and old.promises == ("sizes_divide_evenly",)  # the base's tables kept
    with pytest.raises(profile.ProfileError, match="2016–2017, 2018–2020, 2021–2024, 2025 known, not 2015"):
        profile.load("cs231n-2015")


@pytest.mark.parametrize("text, words", [
    ('[years]\ndefault = "2020"\n[years."2019"]\n', "default must name one of its entries"),
    ('[years]\ndefault = "2019"\n[years.later]\n', "entries named by years"),
    ('[years]\ndefault = "2019"\n[years."2019".detect]\n"layers.py" = "drop"\n', "must list strings"),
    ('[domain]\npromises = ["sizes_divide"]\n', "promises = a list of"),
    ('[dependencies]\npast = 3\n', "pip package"),
    ('[layout]\nprovided = ["optim.adamm"]\n', "provided must list"),
])
def test_a_broken_years_domain_or_dependencies_table_is_refused(tmp_path, text, words):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(profile.ProfileError, match=words):
        profile.load(path)


def test_a_fingerprint_ignores_docstrings_comments_and_layout_and_changes_with_the_code():
    def print_of(source):
        return years.fingerprint(ast.parse(source).body[0])
    plain = print_of("def adam(w, dw):\n    return w - dw\n")
    assert print_of('def adam(w, dw):\n    """Adam."""\n    # the step\n    return (w -\n        dw)\n') == plain
    assert print_of("def adam(w, dw):\n    return w + dw\n") != plain


# --- detection from the tree ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", TREES)
def test_each_tree_says_its_year_and_why(year):
    key, why = years.detect(profile.load("cs231n"), str(TREES[year] / "cs231n"))
    assert key == DETECTED[year], why
    assert "detected" in why and "not applied" not in why


def test_2025_needs_the_course_s_own_optim_not_only_its_words(tmp_path):
    """A 2021 tree whose docstrings read like 2025 is not 2025: that year takes optim.py out of the grading, and
    only the course's own code (its fingerprint) may do that."""
    tree = tmp_path / "a2"
    shutil.copytree(TREES["2025"], tree)
    shutil.copy(TREES["2021"] / "cs231n" / "optim.py", tree / "cs231n" / "optim.py")
    key, why = years.detect(profile.load("cs231n"), str(tree / "cs231n"))
    assert key == "2021-2024"
    assert "read like 2025, but optim.py's adam is not the course's 2025 code" in why and "cs231n-2025" in why
    (tree / "cs231n" / "layers.py").write_text("import numpy as np\n")
    (tree / "cs231n" / "classifiers" / "fc_net.py").unlink()
    assert years.detect(profile.load("cs231n"), str(tree / "cs231n"))[1].startswith(
        "CS231n 2021–2024: nothing in the tree says the year")


# --- grading: full marks as handed in, 0 for stubs, the same verdicts as the spec's layout -------------------


@pytest.mark.parametrize("year", TREES)
def test_each_year_s_tree_gets_full_marks_with_its_year_detected(year):
    report = _grade(TREES[year], only=YEAR_SENSITIVE + NETS, trusted=year != "2021")  # absolute imports, sandboxed
    assert [(r.id, r.summary) for r in failing(report) if r.id not in UNBUILT] == []
    assert report.max_score > 0 and report.score == pytest.approx(report.max_score)
    # the conv net's backward goes through the course's unbuilt extension: the environment's, never the student's
    unbuilt = [r for r in report.results if r.id in UNBUILT]
    assert len(unbuilt) == 2 and {(r.status, r.max_score) for r in unbuilt} == {("environment", 0.0)}
    assert "im2col_cython is a compiled extension (im2col_cython.pyx) that is not built" in unbuilt[0].summary
    [line] = report.environment_problems
    assert "2 checks (3 points) of net.ThreeLayerConvNet not scored, neither for nor against the student" in line
    assert {r.function for r in report.results if r.status == "passed"} >= set(NETS)  # the rest of the nets, paid
    assert report.course.startswith(f"CS231n {DETECTED[year].replace('-', '–')}, detected")
    graded = {r.function for r in report.results}
    assert "optim.sgd" not in graded and ("optim.adam" in graded) == (year != "2025")
    assert ("layers.layernorm_forward" in graded) == (year != "2017")


def _stub(source, provided=()):
    """The tree's module with every function of the student's a CS231n stub: its docstring, then `pass` (a class's
    methods too: the nets' __init__ and loss are the student's to write)."""
    tree = ast.parse(source)
    for node in [*tree.body, *(n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body)]:
        if isinstance(node, ast.FunctionDef) and node.name not in provided:
            doc = node.body[:1] if ast.get_docstring(node) else []
            node.body = [*doc, ast.Pass()]
    return ast.unparse(tree)


@pytest.mark.parametrize("year", TREES)
def test_a_stub_only_tree_of_each_year_scores_0(tmp_path, year):
    tree = tmp_path / "a2"
    shutil.copytree(TREES[year], tree)
    course = tree / "cs231n"
    for module in ("layers.py", "optim.py", "classifiers/fc_net.py", "classifiers/cnn.py"):
        if module == "optim.py" and year == "2025":
            continue  # the course's own solution, as handed out
        (course / module).write_text(_stub((course / module).read_text(), provided={"sgd"}))
    report = _grade(tree, only=YEAR_SENSITIVE + NETS)  # every function's stub: tests/test_points.py
    assert report.max_score > 0 and report.score == 0 and not any(r.function.startswith("optim.") and r.max_score
                                                                  for r in report.results if year == "2025")
    nets = [r for r in report.results if r.function.startswith("net.")]
    assert nets and not any(r.score for r in nets) and "layers.batchnorm_backward_alt" in {
        r.function for r in failing(report)}
    assert report.course.startswith(f"CS231n {DETECTED[year].replace('-', '–')}")


SPEC_WRAPPERS = {  # the course's code presented in the spec's layout by hand, per convention of dropout's p
    "layers.py": '''from .cs231n import layers as _course
from .cs231n.layers import *  # noqa: F401,F403  (the net's partners too: one bug, one verdict, in both layouts)


def dropout_forward(x, dropout_param):
    p = dropout_param["p"] if {drops} else 1 - dropout_param["p"]
    return _course.dropout_forward(x, dict(dropout_param, p=p, mode=dropout_param.get("mode", "train")))
''',
    "optim.py": "from .cs231n.optim import adam  # noqa: F401\n",
    "losses.py": "from .cs231n.layers import softmax_loss  # noqa: F401\n",
    "net.py": '''from .cs231n.classifiers import fc_net as _course


def FullyConnectedNet(hidden_dims, input_dim, num_classes, dropout=0.0, normalization=None, **kwargs):
    return _course.FullyConnectedNet(hidden_dims, input_dim, num_classes, dropout_keep_ratio=1 - dropout,
                                     normalization=normalization, **kwargs)
'''}
BREAKAGES = {  # what real students write, in each year's own code
    "optim.py": [('    config["t"] += 1\n    t = config["t"]\n', '    t = config["t"] + 1\n')],
    "layers.py": [("        mask = (np.random.rand(*x.shape) < p) / p\n",
                   "        mask = (np.random.rand(*x.shape[1:]) < p) / p\n"),
                  ("        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n",
                   "        mask = (np.random.rand(*x.shape[1:]) >= p) / (1 - p)\n")],
    "classifiers/fc_net.py": [("            loss += 0.5 * self.reg * np.sum(W * W)\n            grads[\"W%d\" % i] += "
                               "self.reg * W\n", "            loss += self.reg * np.sum(W * W)\n            "
                               "grads[\"W%d\" % i] += 2 * self.reg * W\n")],   # 2021–2025's net, reg doubled
}


@pytest.mark.parametrize("year", ["2017", "2025"])
def test_a_broken_tree_gets_the_verdicts_of_the_same_code_in_the_spec_layout(tmp_path, year):
    tree, spec = tmp_path / "a2", tmp_path / "spec"
    shutil.copytree(TREES[year], tree)
    for name, edits in BREAKAGES.items():
        path = tree / "cs231n" / name
        source = path.read_text()
        for old, new in edits:
            source = source.replace(old, new)
        path.write_text(source)
    spec.mkdir()
    shutil.copytree(tree / "cs231n", spec / "cs231n")
    for name, text in SPEC_WRAPPERS.items():
        if name != "net.py" or year != "2017":  # 2017's net has no layer norm: the spec's layout would draw it
            (spec / name).write_text(text.replace("{drops}", str(year == "2017")))
    only = ["layers.dropout_forward", "optim.adam"] + (["net.FullyConnectedNet"] if year != "2017" else [])
    as_handed_in, in_spec_layout = _grade(tree, only=only), _grade(spec, "default", only=only, promises=())
    assert [(r.id, r.status) for r in failing(as_handed_in)] == \
        [(r.id, r.status) for r in failing(in_spec_layout) if r.function in {x.function for x in as_handed_in.results}]
    # 2025's adam is the course's, not graded; 2017's is the student's, and broken
    assert {r.function for r in failing(as_handed_in)} == {"layers.dropout_forward", "optim.adam"} - \
        ({"optim.adam"} if year == "2025" else set()) | ({"net.FullyConnectedNet"} if year == "2025" else set())
    diagnoses = " ".join(r.details.get("diagnosis", "") for r in failing(as_handed_in))
    assert "'mask_per_column'" in diagnoses and ("'t_never_updated'" in diagnoses) == (year == "2017")
    assert ("'reg_doubled'" in diagnoses) == (year == "2025")  # the net's own bug, named (its layers are right)


# --- what the assignment promises: sizes that divide evenly -----------------------------------------------


def test_the_promise_keeps_conv_and_pool_inputs_to_sizes_that_divide_evenly():
    course, spec = profile.load("cs231n"), profile.load()
    uneven = {"x": np.ones((1, 1, 6, 7)), "w": np.ones((2, 1, 3, 2)), "conv_param": {"stride": 2, "pad": 1}}
    even = dict(uneven, x=np.ones((1, 1, 5, 7)), w=np.ones((2, 1, 3, 3)))
    holds = runner.promise_of(course, "layers.conv_forward_naive")
    assert not holds(uneven) and holds(even) and runner.promise_of(spec, "layers.conv_forward_naive") is None
    pool = runner.promise_of(course, "layers.max_pool_backward_naive")
    assert pool({"x": np.ones((1, 1, 4, 4)), "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2}})
    assert not pool({"x": np.ones((1, 1, 5, 4)), "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2}})
    assert runner.promise_of(course, "layers.relu_forward") is None


def test_without_the_promise_the_course_s_asserts_fail_the_uneven_sizes():
    """The same tree fails conv's output-shape check when the profile makes no promise: the search draws
    sizes that do not divide (this is what 2 real submissions lost 8 checks each to)."""
    report = _grade(TREES["2017"], "cs231n-2017", only=["layers.conv_forward_naive"], promises=())
    assert "layers.conv_forward_naive/output_shape" in {r.id for r in failing(report)}


# --- the course's dependencies and the grading environment ------------------------------------------------


def test_a_module_not_found_is_the_environment_s_only_when_it_is_not_installed_or_an_unbuilt_extension(tmp_path):
    tree = tmp_path / "a2"
    shutil.copytree(TREES["2021"], tree)
    (tree / "cs231n" / "helpers.py").write_text("")
    package = _package(tree)
    absent = "dlgrade_test_absent_package"
    assert client.missing_from_environment(absent, package).startswith(
        f"the grading environment has no package '{absent}'")
    assert client.missing_from_environment("cs231n.im2col_cython", package).startswith(
        "cs231n.im2col_cython is a compiled extension (im2col_cython.pyx) that is not built")
    for the_submissions in ("numpy", "numpy.linalg", "helpers", "cs231n.helpers2", "", "os.path"):
        assert client.missing_from_environment(the_submissions, package) == "", the_submissions


def test_a_missing_package_costs_no_points_and_is_one_line_for_the_instructor(tmp_path):
    tree = tmp_path / "a2"
    shutil.copytree(TREES["2021"], tree)
    optim = tree / "cs231n" / "optim.py"
    optim.write_text("import past_course_helper_absent\n" + optim.read_text())
    chosen = dataclasses.replace(profile.load("cs231n-2021"), dependencies={"past_course_helper_absent": "future"})
    report = runner.grade(resolve(tree, package="cs231n"), dataclasses.replace(chosen, max_examples=2, examples={}),
                          only=["optim.adam", "layers.relu_forward"], trusted=True)
    adam = [r for r in report.results if r.function == "optim.adam"]
    assert adam and {r.status for r in adam} == {"environment"} and sum(r.max_score for r in adam) == 0
    assert report.score == report.max_score > 0  # relu_forward, scored as usual
    [line] = report.environment_problems
    assert line.startswith("the grading environment has no package 'past_course_helper_absent'")
    assert "not scored, neither for nor against the student" in line and 'pip install "dlgrade[cs231n]"' in line


def test_a_stub_that_calls_the_course_s_unbuilt_extension_keeps_its_points_in_the_total(tmp_path):
    """Only the functions whose course code needs the extension ([layout.extensions]: the conv net) are unscored
    while it is unbuilt; a relu_forward that calls it fails alone, says why, and its points stay in the maximum
    (before: a stub calling im2col_cython left the total)."""
    tree = tmp_path / "a2"
    shutil.copytree(TREES["2021"], tree)
    layers = tree / "cs231n" / "layers.py"
    layers.write_text("from cs231n.im2col_cython import im2col_cython\n" + layers.read_text().replace(
        "def relu_forward(x):\n", "def relu_forward(x):\n    im2col_cython(x, 1, 1, 0, 1)\n"))
    report = _grade(tree, only=["layers.relu_forward", "layers.affine_forward"])
    relu = [r for r in report.results if r.function == "layers.relu_forward"]
    assert {r.status for r in relu} == {"environment"}
    assert "cs231n.im2col_cython is a compiled extension (im2col_cython.pyx) that is not built" in relu[0].summary
    assert sum(r.max_score for r in relu) > 0 and all(r.score == 0 for r in relu)
    affine = [r for r in report.results if r.function == "layers.affine_forward"]
    assert affine and all(r.status == "passed" for r in affine)
    [line] = report.environment_problems
    assert "not earned" in line and "layers.relu_forward" in line and "[layout.extensions]" in line



def test_a_student_s_own_pyx_leaves_no_check_unscored(tmp_path):
    """Only an extension the profile declares ([layout] extensions: the course's own .pyx) is the environment's to
    build: a student could add any foo.pyx and have a wrong function raise ModuleNotFoundError(name=its module) to
    take that function's points out of the total, under any profile (before: adam unscored, 100 %)."""
    tree = tmp_path / "sub"
    shutil.copytree(ROOT / "reference", tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "fake.pyx").write_text("")
    with open(tree / "optim.py", "a") as file:
        file.write("\n\ndef adam(w, dw, config=None):\n    raise ModuleNotFoundError('no', name='submission.fake')\n")
    chosen = dataclasses.replace(profile.load(), max_examples=2, examples={})
    report = runner.grade(resolve(tree), chosen, only=["optim.adam", "optim.sgd"], trusted=True)
    adam = [r for r in report.results if r.function == "optim.adam"]
    assert {r.status for r in adam} == {"environment"} and sum(r.max_score for r in adam) > 0
    assert report.score < report.max_score
    [line] = report.environment_problems
    assert "fake.pyx" in line and "not earned" in line and "[layout.extensions]" in line
    course = profile.load("cs231n")
    assert course.extensions == {"im2col_cython": ("net.ThreeLayerConvNet",)}  # the course's own, for the conv net

    def unbuilt(module):
        return f"{module} is a compiled extension (im2col_cython.pyx) that is not built in the grading environment"
    assert runner._declared(unbuilt("cs231n.im2col_cython"), course, "net.ThreeLayerConvNet")
    assert not runner._declared(unbuilt("cs231n.im2col_cython"), course, "layers.relu_forward")
    assert not runner._declared(unbuilt("cs231n.mine.im2col_cython"), course, "net.ThreeLayerConvNet")

# --- messages in the course's convention ---------------------------------------------------------------------


def test_a_failing_input_is_shown_as_the_student_s_function_received_it():
    keep, drop = profile.load("cs231n-2021").conventions, profile.load("cs231n-2017").conventions
    spec = {"x": np.ones(2), "dropout_param": {"p": 0.0, "seed": 7}}
    assert keep.shown("layers.dropout_forward", spec)["dropout_param"] == {"p": 1.0, "seed": 7, "mode": "train"}
    assert drop.shown("layers.dropout_backward", spec)["dropout_param"] == {"p": 0.0, "seed": 7, "mode": "train"}
    gamma = {"x": np.ones((1, 3, 2, 2)), "gamma": np.ones(3), "beta": np.zeros(3), "gn_param": {}}
    assert keep.shown("layers.groupnorm_backward", gamma)["gamma"].shape == (1, 3, 1, 1)
    assert profile.load().conventions.shown("layers.groupnorm_forward", gamma)["gamma"].shape == (3,)
    assert "probability of KEEPING a unit" in keep.meaning("layers.dropout_forward") and not drop.meaning(
        "layers.dropout_forward")
    mistake = BY_ID["layers.dropout_forward:p_is_keep"]
    assert keep.mistake_says(mistake).startswith("drops units with probability p; in this course p is the "
                                                 "probability of keeping")
    assert drop.mistake_says(mistake) == mistake.says


def test_a_2017_dropout_in_the_2021_convention_is_told_in_the_2021_convention(tmp_path):
    tree = tmp_path / "a2"
    shutil.copytree(TREES["2021"], tree)
    layers = tree / "cs231n" / "layers.py"
    layers.write_text(layers.read_text().replace("        mask = (np.random.rand(*x.shape) < p) / p\n",
                                                 "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n"))
    report = _grade(tree, only=["layers.dropout_forward"])
    kept = next(r for r in report.results if r.id == "layers.dropout_forward/kept_fraction")
    assert kept.status == "failed" and "with p = 0.9 your dropout kept" in kept.summary
    assert "each unit must be kept with probability p = 0.9" in kept.summary
    assert kept.summary.count("probability of KEEPING a unit") == 1
    assert "drops units with probability p; in this course p is the probability of keeping" in \
        kept.details["diagnosis"]
    assert "'p': 0.9" in kept.details["input"]["dropout_param"]


def test_the_report_header_says_the_year_and_what_the_environment_lacks():
    from dlgrade.reporting import render
    report = runner.Report("a2", "cs231n", 0, [], [], 1.0, 1, 0, course="CS231n 2025, detected: …",
                           environment_problems=["the grading environment has no package 'past': …"])
    text = render(report, "text")
    assert "course conventions: CS231n 2025, detected" in text
    assert "GRADING ENVIRONMENT: the grading environment has no package 'past'" in text


def test_the_environment_line_names_the_pip_package_and_flags_a_package_the_profile_does_not_declare():
    course = profile.load("cs231n-2021")

    def lacking(package):
        return runner.CheckResult(
            "gradient_check.eval_numerical_gradient/oracle", "gradient_check.eval_numerical_gradient", "oracle", "",
            runner.Status.ENVIRONMENT, 0.0, 0.0, f"importing gradient_check failed: the grading environment has no "
            f"package '{package}' (No module named '{package}.builtins') (at gradient_check.py:1 in <module>)",
            details={"unscored_points": 2.0})
    [declared] = runner.environment_problems([lacking("past"), lacking("past")], course)
    assert declared == ("the grading environment has no package 'past' (No module named 'past.builtins'): 2 checks "
                        "(4 points) of gradient_check.eval_numerical_gradient not scored, neither for nor against "
                        "the student; install it (pip install future or pip install \"dlgrade[cs231n]\") and grade "
                        "again")
    [undeclared] = runner.environment_problems([lacking("nosuchpkg")], course)
    assert undeclared.endswith("not earned; the profile does not declare it ([dependencies]): if the course uses "
                               "it, declare it, install it (pip install nosuchpkg) and grade again")


def test_a_check_whose_points_were_kept_is_not_called_unscored_to_the_student():
    """A module the profile does not declare keeps the check's points, not earned: Gradescope's text must not tell
    the student "not scored", and JUnit (a student's CI) must show a failure, not a skipped test."""
    from dlgrade.reporting import formats, render
    summary = "importing optim failed: the grading environment has no package 'made_up' (No module named 'made_up')"
    kept, unscored = (runner.CheckResult(f"optim.{name}/oracle", f"optim.{name}", "oracle", "",
                                         runner.Status.ENVIRONMENT, 0.0, points, summary)
                      for name, points in (("adam", 1.0), ("sgd", 0.0)))  # two functions: not one grouped test
    outputs = [test["output"] for test in formats.gradescope(runner.Report("s", "default", 0, [kept, unscored], [],
                                                                          1.0, 1, 0))["tests"]]
    assert outputs[0].startswith("not earned") and "not scored" not in outputs[0]
    assert outputs[1].startswith("not scored: the grading environment lacks what it needs")
    junit = render(runner.Report("s", "default", 0, [kept], [], 1.0, 1, 0), "junit")
    assert "<failure" in junit and "<skipped" not in junit and 'failures="1"' in junit
    markdown = render(runner.Report("s", "default", 0, [kept], [], 1.0, 1, 0), "md")
    assert "| ✗ | optim.adam/oracle | 0 / 1 |" in markdown and "**optim.adam/oracle** — not earned" in markdown

def test_a_wrong_function_that_raises_module_not_found_keeps_its_points_in_the_total(tmp_path):
    """Only a package the profile declares leaves checks unscored: the name comes from the student's code, so a
    wrong function raising ModuleNotFoundError(name=...) would otherwise leave the total and raise the percentage."""
    tree = tmp_path / "a2"
    shutil.copytree(TREES["2021"], tree)
    optim = tree / "cs231n" / "optim.py"
    optim.write_text(optim.read_text() + "\n\ndef adam(w, dw, config=None):\n"
                     "    raise ModuleNotFoundError('no', name='made_up_package_name')\n")
    chosen = profile.load("cs231n-2021")
    report = runner.grade(resolve(tree, package="cs231n"), dataclasses.replace(chosen, max_examples=2, examples={}),
                          only=["optim.adam"], trusted=True)
    assert {r.status for r in report.results} == {"environment"} and report.score == 0 < report.max_score
    [line] = report.environment_problems
    assert "not earned" in line and "made_up_package_name" in line


def test_a_module_of_a_subpackage_is_found_where_a_profile_maps_it(tmp_path):
    """classifiers/fc_net.py (the nets' module) loads, its relative and absolute imports of the package with it."""
    path = tmp_path / "course.toml"
    path.write_text('[layout]\npackage = "cs231n"\n[layout.functions]\n"optim" = "classifiers.fc_net"\n')
    assert profile.load(path).conventions.locate("optim.adam") == ("classifiers.fc_net", "adam")
    submission = resolve(TREES["2021"], package="cs231n")
    with client.Sandbox(submission, call_timeout=5.0, import_timeout=20.0, trusted=True) as box:
        assert {"FullyConnectedNet", "affine_relu_forward", "conv_forward_fast"} <= set(box.functions(
            "classifiers.fc_net"))
        assert "ThreeLayerConvNet" in box.functions("classifiers.cnn")
        with pytest.raises(client.SandboxError, match="no classifiers/rnn.py"):
            box.functions("classifiers.rnn")
    submission.cleanup()


def test_pip_install_dlgrade_cs231n_brings_every_package_the_profile_declares():
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["cs231n"]
    named = {re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower() for requirement in extra}
    declared = profile.load("cs231n").dependencies
    assert declared["past"] == "future" and set(declared.values()) <= named
