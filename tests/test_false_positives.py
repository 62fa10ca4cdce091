"""No false positive: correct-but-different code that each class of grader defect used to fail.

Each test grades a correct implementation (the reference with one function changed, or a whole
submission) that the mechanism under test once marked wrong, and asserts it is not: relations to the
oracle's partner, relations that hold for accepted variants, optional behaviour as a note, finite
differences at the step of the forward's precision, the float32 column, and titles that say what
actually differed.
"""
import dataclasses
import shutil

import pytest

from dlgrade.checks.engine import runner
from dlgrade.checks.policy import profile
from dlgrade.sandbox import resolve
from tests.grading import REFERENCE, ROOT, failing, grade, mistake_source, reference_with

pytestmark = pytest.mark.slow

ADAM_IS_RMSPROP = "optim.adam/beta1_zero_is_rmsprop"
MOMENTUM_IS_SGD = "optim.sgd_momentum/momentum_zero_is_sgd"
ONE_GROUP_IS_LAYERNORM = "layers.groupnorm_forward/one_group_is_layernorm"

PARTNER_MISSING = "del {name}\n"
PARTNER_RAISES = "def {name}(*args, **kwargs):\n    raise ValueError('not written yet')\n"
PARTNER_WRONG = "def {name}(*args, **kwargs):\n    raise_nothing = args\n    return args[0], args[-1]\n"


def _one(submission, check_id, **changes):
    [result] = grade(submission, only=[check_id], **changes).results
    return result


@pytest.mark.parametrize("partner_source", [PARTNER_MISSING, PARTNER_RAISES, PARTNER_WRONG],
                         ids=["missing", "raises", "wrong"])
@pytest.mark.parametrize("check_id, partner", [(ADAM_IS_RMSPROP, "optim.rmsprop"), (MOMENTUM_IS_SGD, "optim.sgd"),
                                               (ONE_GROUP_IS_LAYERNORM, "layers.layernorm_forward")])
def test_a_relation_never_costs_points_for_its_partner(tmp_path, check_id, partner, partner_source):
    # Before: the relation called the student's partner, so a missing, raising or wrong partner
    # failed the (correct) function under test.
    source = partner_source.format(name=partner.partition(".")[2])
    result = _one(reference_with(tmp_path, partner, source), check_id)
    assert result.status == "passed" and result.score == result.max_score, result.summary


def test_a_relation_holds_for_the_accepted_variants(tmp_path):
    # Before: a correct Adam failed "β₁ = 0 is RMSProp" when the (accepted) RMSProp put ε inside the root;
    # an accepted ε-inside Adam is related to the ε-inside RMSProp, with ε rescaled as that form needs.
    eps_inside_rmsprop = mistake_source(_row("optim.rmsprop:eps_inside"))
    assert _one(reference_with(tmp_path / "a", "optim.rmsprop", eps_inside_rmsprop), ADAM_IS_RMSPROP).status == "passed"
    eps_inside_adam = _one(reference_with(tmp_path / "b", "optim.adam", mistake_source(_row("optim.adam:eps_inside"))),
                           ADAM_IS_RMSPROP)
    assert eps_inside_adam.status == "passed" and "eps_inside" in eps_inside_adam.summary
    not_accepted = _one(reference_with(tmp_path / "c", "optim.adam", mistake_source(_row("optim.adam:eps_inside"))),
                        ADAM_IS_RMSPROP, accept={})
    assert not_accepted.status == "failed"


def _row(mistake_id):
    from dlgrade.checks.engine.mistakes import BY_ID
    return BY_ID[mistake_id]


FOUR_D_GAMMA_REFUSED = '''
_spec_instancenorm_forward = instancenorm_forward

def instancenorm_forward(x, gamma, beta, in_param):
    if gamma.ndim != 1:
        raise ValueError("gamma must have shape (C,)")
    return _spec_instancenorm_forward(x, gamma, beta, in_param)
'''


def test_optional_behaviour_costs_no_points(tmp_path):
    # Before: "gamma and beta of shape (1, C, 1, 1)" failed an instance norm that takes gamma (C,) only,
    # which the spec allows ("a submission may also accept (1, C, 1, 1)").
    report = grade(reference_with(tmp_path, "layers.instancenorm_forward", FOUR_D_GAMMA_REFUSED),
                   only=["layers.instancenorm_forward"])
    assert [r.id for r in failing(report) if not r.optional] == []
    [optional] = [r for r in report.results if r.id == "layers.instancenorm_forward/gamma_4d"]
    assert optional.summary.startswith("optional, not scored: not held") and "gamma must have shape" in optional.summary
    assert report.score == pytest.approx(report.max_score)


FLOAT32_PENALTY = '''
import numpy as np

def l2_regularization(W, lam, m):
    half = np.float32(lam / (2 * m))
    return float(half * np.sum(W.astype(np.float32) ** 2)), (lam / m) * W
'''


def test_an_exact_gradient_of_a_float32_forward_matches_its_finite_differences(tmp_path):
    # Before: dW = (λ/m)·W, exactly right, failed because central differences with h = 1e-6 of a
    # penalty computed in float32 are noise; the step is now chosen from the forward's precision.
    result = _one(reference_with(tmp_path, "losses.l2_regularization", FLOAT32_PENALTY),
                  "losses.l2_regularization/finite_differences")
    assert result.status == "passed", result.summary
    wrong = FLOAT32_PENALTY.replace("(lam / m) * W", "(lam / (2 * m)) * W")
    assert _one(reference_with(tmp_path / "wrong", "losses.l2_regularization", wrong),
                "losses.l2_regularization/finite_differences").status == "failed"


def float32_submission(tmp_path):
    """tests/submissions/float32 with a copy of the reference beside it as _oracle."""
    target = tmp_path / "float32"
    shutil.copytree(ROOT / "tests" / "submissions" / "float32", target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REFERENCE, target / "_oracle", ignore=shutil.ignore_patterns("__pycache__"))
    return resolve(target)


def test_a_careful_float32_implementation_gets_full_marks_under_the_float32_column(tmp_path):
    # Before: 16 checks failed it (normalizations on ill-conditioned inputs, adaptive optimizers where
    # w − η·step cancels, finite differences at h = 1e-6 of a float32 loss and of a float32 network), and
    # 6 more were excused as beyond float32 (large offsets, a loss of 1e-197); with other seeds the float32
    # rows also failed the norms' backward and spatial batch norm (issue 19). The float32 column's tolerance of a
    # comparison with the oracle is now the formula's own rounding bound: no check is excused.
    report = grade(float32_submission(tmp_path), dtype="float32", jobs=2)
    assert [(r.id, r.summary) for r in failing(report)] == []
    assert report.score == pytest.approx(report.max_score)


def test_the_defaults_check_says_when_the_defaults_are_not_what_differs(tmp_path):
    # Before: a test-mode bug failed "bn_param without eps or momentum: the defaults" as if the defaults
    # were wrong; the message now says the output differs with the defaults given too.
    submission = reference_with(tmp_path, "layers.batchnorm_forward",
                                mistake_source(_row("layers.batchnorm_forward:test_uses_batch_stats")))
    result = _one(submission, "layers.batchnorm_forward/defaults", accept={})
    assert result.status == "failed" and result.summary.startswith("not the defaults"), result.summary


WRONG_WITHOUT_TIES = '''
_spec_max_pool_backward_naive = max_pool_backward_naive

def max_pool_backward_naive(dout, cache):
    return 2 * _spec_max_pool_backward_naive(dout, cache)
'''


def test_the_ties_check_says_whether_the_wrong_entry_is_in_a_tied_window(tmp_path):
    # Before: "ties go to the first maximum" failed on inputs without any tied window, its title wrong.
    tied = _one(reference_with(tmp_path / "a", "layers.max_pool_backward_naive",
                               mistake_source(_row("layers.max_pool_backward_naive:ties_to_all"))),
                "layers.max_pool_backward_naive/ties", accept={})
    assert tied.status == "failed" and "an entry a window with a tied maximum covers" in tied.summary
    doubled = _one(reference_with(tmp_path / "b", "layers.max_pool_backward_naive", WRONG_WITHOUT_TIES),
                   "layers.max_pool_backward_naive/ties")
    assert doubled.status == "failed" and "tied maximum covers" in doubled.summary


def test_a_variant_match_is_reported_in_every_format(tmp_path):
    from dlgrade.reporting import render
    submission = reference_with(tmp_path, "optim.rmsprop", mistake_source(_row("optim.rmsprop:eps_inside")))
    report = runner.grade(submission, dataclasses.replace(profile.load(), max_examples=4, examples={}),
                          only=["optim.rmsprop/trajectory"])
    for fmt in ("text", "md", "json", "junit"):
        assert "documented variant eps_inside" in render(report, fmt), fmt
