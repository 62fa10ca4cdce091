"""The course layer against hand-ins that try it (redteam2): odd code, steering, and what a careful instructor
expects of definitions graded without the notebook's other cells. Grades run in-process with few examples."""
import dataclasses

import pytest

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.checks.engine import runner
from dlgrade.checks.policy import profile
from dlgrade.courses import handin
from dlgrade.sandbox import resolve
from tests.grading import DLS
from tests.grading import course_profile as quick
from tests.grading import grade_course_source as grade_source

C2W2_2021 = (DLS / "c2w2_2021.py").read_text()


def test_a_cell_too_deep_for_the_parser_is_kept_whole_not_a_grader_error():
    """ast.parse raises RecursionError (not SyntaxError) on a long chain; the grader reads every hand-in's cells
    under the default profile too (the course suggestion), so that was an internal error for any such file."""
    deep = "x = 1" + "+1" * 30000
    assert handin.names([deep, "def f(a):\n    return a\n"]) == ({"f"}, set())
    assert handin.definitions([deep]) == [deep]


def test_module_level_constants_are_defined_for_the_functions_that_use_them(tmp_path):
    """A correct Adam whose ε is the hand-in's own top-level constant: a careful course's style, not a bug."""
    source = C2W2_2021.replace("np.sqrt(s_corrected[key]) + epsilon)",
                               "np.sqrt(s_corrected[key]) + EPS_FLOOR * epsilon)")
    source = source.replace("def update_parameters_with_adam(",
                            "EPS_FLOOR: float = 1.0\nSHAPE = (1, -1)\n\n\ndef update_parameters_with_adam(")
    report = grade_source(tmp_path, source, only=("optim.adam",))
    assert report.results and report.score == report.max_score, [(r.id, r.summary) for r in report.results]
    kept = handin.definitions(["import numpy as np\nEPS = 1e-8\nX, Y = load_dataset()\nm = X.shape[1]\n"
                               "relu = lambda z: z * (z > 0)\nparameters['W1'] = 0\nLR: float = -EPS * 2\n"
                               "train_x = X / 255.\nPI = np.pi; train(X)\nN = len(X)\n"])
    assert [k.strip() for k in kept] == ["import numpy as np", "EPS = 1e-8", "relu = lambda z: z * (z > 0)",
                                         "LR: float = -EPS * 2", "PI = np.pi"]


def test_a_function_that_reads_a_constant_instead_of_its_argument_still_fails(tmp_path):
    source = C2W2_2021.replace('] - learning_rate * grads["dW" + str(l)]', '] - lr * grads["dW" + str(l)]')
    source += "\nlr = 0.01\n"
    report = grade_source(tmp_path, source, only=("optim.sgd",))
    assert report.results and report.score < report.max_score


C4W1_2021 = (DLS / "c4w1_2021.py").read_text()
BIAS_EVERY_ENTRY = C4W1_2021.replace("    s = np.multiply(a_slice_prev, W)\n    Z = np.sum(s)\n    Z = Z + float(b)",
                                     "    s = np.multiply(a_slice_prev, W) + b\n    Z = np.sum(s)")


def test_a_revision_only_variant_needs_evidence_of_the_revision_not_the_absence_of_a_later_one(tmp_path):
    """2017 is the revision of a hand-in with no marker: a 2021 student who deletes `from public_tests import *`
    (and every 2018-2020 C4W1 notebook, which imports no marker) would have 2017's b-on-every-entry accepted.
    Accepted only where the profile sets the revision."""
    unmarked = BIAS_EVERY_ENTRY.replace("from public_tests import *\n", "")
    steered = grade_source(tmp_path, unmarked, only=("layers.conv_single_step",))
    assert steered.results and steered.score == 0
    assert any("--profile dls-2017" in n for n in steered.notes), steered.notes
    named = dataclasses.replace(profile.load("dls-C4W1-2017"), max_examples=3, min_examples=3, examples={})
    report = runner.grade(resolve(tmp_path / "handin.py"), named, only=("layers.conv_single_step",), trusted=True)
    assert report.results and report.score == report.max_score
    assert (profile.load("dls-2017").course.revision, profile.load("dls-2018-2020").course.revision) == \
        ("2017", "2018-2020")


COURSE = '[course]\nname = "X"\ntranslation = "dls"\n'
ASSIGNMENT = '[course.assignments.A.functions]\n"optim.sgd" = {name = "update_parameters_with_gd", %s}\n'


@pytest.mark.parametrize("text, says", [
    (COURSE + "assignments = 3\n", "[course] assignments must be a table, not 3"),
    (COURSE + "[course.assignments.A]\nfunctions = 'x'\n", "[course.assignments.A] functions must be a table"),
    (COURSE + "requires = 'torch'\n" + ASSIGNMENT % 'adapter = "update_parameters"', "requires must be a list of"),
    (COURSE + "[course.revisions]\nr = 'public_tests'\n" + ASSIGNMENT % 'adapter = "update_parameters"',
     "[course.revisions] r must be a list of strings"),
    (COURSE + ASSIGNMENT % 'arguments = [1]', "arguments must be a list of strings, not [1]"),
    (COURSE + ASSIGNMENT % 'skip = "first_step"', "skip must be a list of strings"),
    (COURSE + ASSIGNMENT % 'adapter = "update_parameter"', "adapter 'update_parameter' is not a function of the "
                                                           "translation module"),
    ('[course]\nname = "X"\ntranslation = "../reference/optim"\n' + ASSIGNMENT % 'arguments = ["w"]',
     "translation '../reference/optim' is not a module of courses/"),
    ("course = 3\n", "course must be a table ([course]), not a value"),
    (COURSE + "[course.assignments.A]\ntitel = 'x'\n", "[course.assignments.A] takes title and functions, not "
                                                       "['titel']"),
])
def test_a_malformed_course_table_is_a_profile_error_not_a_traceback(tmp_path, text, says):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(profile.ProfileError) as error:
        profile.load(str(path))
    assert says in str(error.value)


def test_a_course_row_named_by_only_is_graded_under_the_default_profile_and_not_by_its_module():
    """`--only layers.zero_pad` grades the course row (its known-wrong and mistake tests do so); `--only layers`
    does not (course rows are graded where named). The merge's graded_functions had dropped the first."""
    from tests.grading import REFERENCE, quick_profile
    named = runner.grade(resolve(REFERENCE), quick_profile(max_examples=2), only=["layers.zero_pad/oracle"],
                         trusted=True)
    assert [r.id for r in named.results] == ["layers.zero_pad/oracle"] and named.score == named.max_score
    assert not any(c.function == "layers.zero_pad" for c in runner.select(["layers"]))


def test_the_assignment_can_be_named_so_another_assignment_s_functions_cannot_steer_it(tmp_path):
    """Detection takes the assignment whose functions the hand-in defines most of: a Course 2 week 2 hand-in
    that keeps two of its functions and adds three Course 2 week 1 initializers is graded as week 1 (3 trivial
    functions scored instead of eight). dls-C2W2 names the assignment."""
    inits = "".join(f"\n\ndef initialize_parameters_{kind}(layer_dims):\n    return {{}}\n" for kind in
                    ("zeros", "random", "he"))
    steered = C2W2_2021  # keeps two of its eight functions: its other six would earn nothing
    for name in ("update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
                 "update_parameters_with_momentum", "update_lr", "schedule_lr_decay"):
        steered = steered.replace(f"def {name}(", f"def _{name}(")
    steered += inits
    (tmp_path / "handin.py").write_text(steered)
    detected = runner.grade(resolve(tmp_path / "handin.py"), quick(), only=("optim.adam",), trusted=True)
    assert "Initialization" in detected.notes[0] and not detected.results
    named = dataclasses.replace(profile.load("dls-C2W2"), max_examples=3, min_examples=3, examples={})
    report = runner.grade(resolve(tmp_path / "handin.py"), named, only=("optim.sgd", "optim.adam"), trusted=True)
    assert "Optimization Methods (the assignment set by the profile" in report.notes[0]
    sgd = [r for r in report.results if r.function == "optim.sgd"]
    assert sgd and sum(r.score for r in sgd) == 0 and report.score > 0  # adam earns, the deleted gd does not


def test_a_folder_whose_files_import_each_other_grades_the_students_functions(tmp_path):
    """Every student file's cells run in one namespace; `from aa import update_parameters_with_gd` in a later
    file bound the empty stand-in module's stub over the real function (CourseHelperMissing: correct code failed)."""
    (tmp_path / "aa.py").write_text(C2W2_2021)
    (tmp_path / "zz.py").write_text("from aa import update_parameters_with_gd\nimport aa\n")
    report = runner.grade(resolve(tmp_path), quick(), only=("optim.sgd",), trusted=True)
    assert report.results and report.score == report.max_score, [r.summary for r in report.results]
