"""A point is earned only by computing the right values (README, "What earns a point").

Every trivial implementation of every function scores 0 in every bundled profile; the budget never passes a
check; fixed inputs (textbook cases, the search's simplest case) earn only the textbook checks; optional checks
carry no points; a relation check pays only beside right values, and near-misses keep what they get right.
"""
import dataclasses
import pickle

import numpy as np
import pytest

from dlgrade.checks.engine import mistakes, runner
from dlgrade.checks.engine.compare import informative
from dlgrade.checks.engine.registry import REGISTRY
from dlgrade.checks.policy import profile
from dlgrade.checks.policy.tolerances import tolerance
from dlgrade.reference import optim as oracle_optim
from dlgrade.reference import sgd_exercise as oracle_exercise
from dlgrade.reporting import formats
from dlgrade.sandbox import Sandbox, resolve
from tests import trivial
from tests.grading import ALTERNATIVE, REFERENCE, ROOT, grade, mistake_source, quick_profile, reference_with
from tests.known_wrong.optim import KNOWN_WRONG as KNOWN_WRONG_OPTIM
from tests.test_false_positives import float32_submission

pytestmark = pytest.mark.slow

CHECKS = {c.id: c for c in REGISTRY}
# A trivial implementation fails a values check on its first examples, and a relation check pays nothing
# without one: fewer examples only make a pass easier, so the reduced search is the stricter test.
TRIVIAL_EXAMPLES = 5


def _profile(name, **changes):
    loaded = profile.load(None if name == "default" else name)
    return dataclasses.replace(loaded, max_examples=TRIVIAL_EXAMPLES, examples={}, **changes)


@pytest.mark.parametrize("kind", trivial.KINDS)
@pytest.mark.parametrize("profile_name", ["default", "cs231n", "lecture-notes"])
def test_a_trivial_implementation_scores_nothing(tmp_path, profile_name, kind):
    # Before: zeros scored 21.5 / 165.5 and inputs handed back 19.4 (lr 0 leaves w unchanged, float64 out,
    # invariances, finite differences of a zero forward, dropout's identities), None 3.35, raising 1.35.
    # A sleeping function fails on its first call; its timeout is short here only to keep the test short.
    changes = {"call_timeout": 0.25} if kind == "sleeps" else {}
    chosen = _profile(profile_name, **changes)
    report = runner.grade(trivial.write(tmp_path, chosen, kind, sleep=1.0), chosen)
    assert {r.function for r in report.results} == set(trivial.functions(chosen))
    assert not [r.id for r in report.results if r.status.absent], "the trivial submission was not found"
    assert [(r.id, r.score) for r in report.results if r.score] == []


@pytest.mark.parametrize("submission", ["reference", "alternative", "float32", "cs231n"])
def test_correct_submissions_keep_full_marks(tmp_path, submission):
    chosen = quick_profile()
    if submission == "float32":  # a careful float32 implementation under the float32 column
        path, chosen = float32_submission(tmp_path), quick_profile(dtype="float32")
    elif submission == "cs231n":
        chosen = dataclasses.replace(profile.load("cs231n"), max_examples=8, examples={})
        path = resolve(ROOT / "tests" / "submissions" / "cs231n" / "assignment2", package=chosen.package)
    else:
        path = resolve({"reference": REFERENCE, "alternative": ALTERNATIVE}[submission])
    report = runner.grade(path, chosen)
    assert [(r.id, r.summary) for r in report.results if r.score != r.max_score] == []


# --- 1. the budget never passes a check ---------------------------------------------------------

SLOW_RELU = ("import time\n_fast_relu = relu_forward\n"
             "def relu_forward(x):\n    time.sleep({})\n    return _fast_relu(x)\n")
SLOW_SGD = ("import time\n_fast_sgd = sgd\n"
            "def sgd(w, dw, config=None):\n    time.sleep(0.5)\n    return _fast_sgd(w, dw, config)\n")


def test_a_slow_correct_submission_keeps_full_marks_at_the_default_settings(tmp_path):
    # 0.5 s per call: a 6-step trajectory takes 3 s an example, 20 examples 60 s, twice the default 30 s budget.
    # The budget cuts the examples beyond the minimum, so the check passes on the ones it ran.
    report = runner.grade(reference_with(tmp_path, "optim.sgd", SLOW_SGD), profile.load(),
                          only=["optim.sgd/trajectory"])
    [result] = report.results
    assert result.status == "passed" and result.score == result.max_score > 0
    assert "budget ran out" in result.summary and result.examples_run < result.max_examples


def test_the_minimum_runs_on_past_the_budget_while_the_calls_are_not_too_slow(tmp_path):
    report = grade(reference_with(tmp_path, "layers.relu_forward", SLOW_RELU.format(0.5)),
                   only=["layers.relu_forward"], check_budget=0.5)
    [result] = report.results
    assert result.status == "passed" and result.score == result.max_score
    assert result.examples_run >= 1 + quick_profile().min_examples  # the simplest case, then the minimum


def test_a_check_that_runs_out_of_time_before_its_minimum_is_incomplete(tmp_path):
    # Before: "searched 1 examples: the check's budget ran out" and full points.
    report = grade(reference_with(tmp_path, "layers.relu_forward", SLOW_RELU.format(1.5)),
                   only=["layers.relu_forward"], check_budget=1.0)
    [result] = report.results
    assert result.status == "incomplete" and result.score == 0
    assert result.summary.startswith("incomplete: ran 0 of the 5 examples needed within 1 s; your function took")
    assert "incomplete" in formats.gradescope(report)["tests"][0]["output"]


# --- 2. fixed inputs earn only their own check --------------------------------------------------

KEY = '''
import hashlib
import numpy as np


def key(value):
    """A digest of the values of the arguments, the same in the grader and in the worker."""
    def canonical(v):
        if isinstance(v, np.ndarray):
            return ("array", v.dtype.str, v.shape, v.tobytes().hex())
        if isinstance(v, dict):
            return ("dict", tuple((k, canonical(v[k])) for k in sorted(v)))
        if isinstance(v, (tuple, list)):
            return ("seq", tuple(canonical(x) for x in v))
        return (type(v).__name__, repr(v))
    return hashlib.sha256(repr(canonical(value)).encode()).hexdigest()
'''

TABLE = KEY + '''
import pickle
import time
from pathlib import Path

_TABLE = pickle.loads((Path(__file__).parent / "table.pkl").read_bytes())
_real_{name} = {name}


def {name}(*args):
    answer = _TABLE.get(key(list(args)))
    if answer is not None:
        return answer
    time.sleep(0.3)  # slow where it is wrong (past the profile's slow_call): the budget must not pass it
    return {wrong}
'''


def _shared_inputs(function, seeds=(0, 1)):
    """The arguments the grader sends to `function` under every one of `seeds`: what a forger can tabulate."""
    module, name = function.split(".")
    namespace = {}
    exec(KEY, namespace)
    seen = []
    call, call_batch = Sandbox.call, Sandbox.call_batch

    def record(self, mod, fn, args, kwargs=None, **rest):
        if (mod, fn) == (module, name):
            seen[-1][namespace["key"](list(args))] = list(args)
        return call(self, mod, fn, args, kwargs or {}, **rest)

    def record_batch(self, mod, fn, calls, **rest):
        if (mod, fn) == (module, name):
            for args, _ in calls:
                seen[-1][namespace["key"](list(args))] = list(args)
        return call_batch(self, mod, fn, calls, **rest)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sandbox, "call", record)
        patch.setattr(Sandbox, "call_batch", record_batch)
        for seed in seeds:
            seen.append({})
            grade(resolve(REFERENCE), only=[function], seed=seed)
    shared = set.intersection(*(set(s) for s in seen))
    return {k: seen[0][k] for k in shared}


@pytest.mark.parametrize("function, oracle, wrong", [
    ("optim.adam", oracle_optim.adam, "args[0] - 1e-3 * np.sign(args[1]), dict(args[2] or {})"),
    ("sgd_exercise.batch_gd_step", oracle_exercise.batch_gd_step, "args[0] + 1.0"),
])
def test_a_table_of_answers_to_fixed_inputs_earns_only_the_textbook_checks(tmp_path, function, oracle, wrong):
    # Before: a slow sign-SGD Adam answering the inputs every seed meets from a table got 2.18 / 4 under a secret.
    shared = _shared_inputs(function)
    assert shared, "no input is shared between seeds"
    table = {k: oracle(*pickle.loads(pickle.dumps(args))) for k, args in shared.items()}
    name = function.partition(".")[2]
    reference_with(tmp_path, function, TABLE.format(name=name, wrong=wrong))
    (tmp_path / "submission" / "table.pkl").write_bytes(pickle.dumps(table))  # beside the module that reads it
    chosen = dataclasses.replace(quick_profile(), check_budget=0.6, slow_call=0.2)  # the default's 30 s and 1 s, /5
    report = runner.grade(resolve(tmp_path / "submission"), chosen, only=[function], secret="course secret")
    textbook = sum(r.max_score for r in report.results if CHECKS[r.id].pays == "textbook")
    assert report.score == pytest.approx(textbook)
    assert all(r.status != "passed" for r in report.results if CHECKS[r.id].pays != "textbook")


# --- 3. optional checks carry no points ---------------------------------------------------------

RAISES = "def {name}(*args, **kwargs):\n    raise ValueError('not this one')\n"


def test_optional_checks_carry_no_points_and_say_so_in_every_format(tmp_path):
    # Before: group norm raising ValueError got the full points of its "optional, not held" checks.
    submission = reference_with(tmp_path, "layers.groupnorm_forward", RAISES.format(name="groupnorm_forward"))
    report = grade(submission, only=["layers.groupnorm_forward"])
    optional = [r for r in report.results if CHECKS[r.id].optional]
    assert optional and all(r.max_score == 0 == r.score for r in optional)
    assert all(r.summary.startswith("optional, not scored") for r in optional)
    assert report.score == 0 and report.max_score == pytest.approx(profile.load().points["layers.groupnorm_forward"])
    rendered = {fmt: formats.render(report, fmt) for fmt in formats.FORMATS}
    rendered["gradescope"] = str(formats.gradescope(report))
    assert [fmt for fmt, text in rendered.items() if "optional, not scored" not in text] == []
    tests = {t["name"]: t for t in formats.gradescope(report)["tests"]}
    assert all(tests[formats.label(r)]["max_score"] == 0 for r in optional)


# --- 4. a relation pays only beside right values; near-misses keep what they get right -----------

def test_a_relation_that_trivial_code_holds_pays_nothing_on_its_own(tmp_path):
    submission = reference_with(tmp_path, "optim.sgd", "def sgd(w, dw, config=None):\n    return w, config or {}\n")
    report = grade(submission, only=["optim.sgd/zero_learning_rate"])
    [result] = report.results  # its gate, the values checks of optim.sgd, ran unreported
    assert result.status == "passed" and result.score == 0 < result.max_score
    assert result.summary.startswith("not scored: it holds, but it pays only when")


WRONG_DEFAULT = "optim.adam/first_step"  # a learning rate 10 times the spec's by default


@pytest.mark.parametrize("near_miss", ["optim.adam:no_bias_correction", "optim.sgd_momentum:positive_velocity",
                                       "optim.sgd_momentum:ascent", WRONG_DEFAULT])
def test_a_near_miss_keeps_partial_credit(tmp_path, near_miss):
    # A named mistake opens its function's gate; so do right values on an input of the search that no
    # trivial answer matches (the wrong default is right wherever the config sets the learning rate).
    if near_miss == WRONG_DEFAULT:
        function, source = "optim.adam", KNOWN_WRONG_OPTIM[WRONG_DEFAULT]
    else:
        mistake = mistakes.BY_ID[near_miss]
        function, source = mistake.function, mistake_source(mistake)
    report = grade(reference_with(tmp_path, function, source), only=[function], accept={})
    paid = [r.id for r in report.results if r.score > 0]
    assert 0 < report.score < report.max_score, paid
    assert all(CHECKS[i].gated for i in paid)


def test_every_function_with_a_relation_check_has_a_values_check():
    functions = {c.function for c in REGISTRY if c.gated}
    values = {c.function for c in REGISTRY if c.pays == "values"}
    assert sorted(functions - values) == []



def test_only_values_no_trivial_answer_matches_show_a_computation():
    tol = tolerance("float64", "float64")
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    relu = np.maximum(x, 0.0)
    assert informative({"out": relu}, {"x": x}, tol)
    assert not informative({"out": np.zeros_like(x)}, {"x": x}, tol)   # zeros
    assert not informative({"out": np.full_like(x, 0.37)}, {"x": x}, tol)  # one constant throughout
    assert not informative({"out": x.copy()}, {"x": x}, tol)  # an input handed back
    assert not informative((np.array([2.0]), 3.0), {"x": x}, tol)  # whole numbers: 0, 1, a count
    assert not informative(0.1, {"lr0": 0.1, "epoch": 0}, tol)  # a number handed back
    assert informative(0.0123, {"lr0": 0.1, "epoch": 3}, tol)
