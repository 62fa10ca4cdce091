"""Every check can fail, and does on the wrong implementation written for it; no check fails a
correct one (tests/test_grading.py). Every mistake row is caught and named by its function's
checks, and fails no check of an unrelated function."""
import importlib
import pkgutil

import pytest

import dlgrade.checks  # noqa: F401  (fills the registry)
import tests.known_wrong as known_wrong_package
from dlgrade.checks.engine import mistakes
from dlgrade.checks.engine.registry import REGISTRY
from tests.grading import failing, grade, mistake_source, reference_with

pytestmark = pytest.mark.slow

KNOWN_WRONG = {}
for _info in pkgutil.iter_modules(known_wrong_package.__path__):
    KNOWN_WRONG.update(importlib.import_module(f"tests.known_wrong.{_info.name}").KNOWN_WRONG)

CHECKS = {c.id: c for c in REGISTRY}
# The profile accepts documented variants by default; here they are graded as departures.
STRICT = {"accept": {}}


def test_every_check_has_a_known_wrong_implementation():
    assert sorted(set(CHECKS) - set(KNOWN_WRONG)) == []
    assert sorted(set(KNOWN_WRONG) - set(CHECKS)) == []


@pytest.mark.parametrize("check_id", sorted(KNOWN_WRONG))
def test_known_wrong_implementation_is_caught(check_id, tmp_path):
    submission = reference_with(tmp_path, CHECKS[check_id].function, KNOWN_WRONG[check_id])
    [result] = grade(submission, only=[check_id], **STRICT).results
    if CHECKS[check_id].optional:  # allowed, not required: failed as the report says, and never scored
        assert result.status == "failed" and result.optional and result.score == result.max_score == 0
        assert result.summary.startswith("optional, not scored: not held"), f"{check_id} did not report it"
        return
    assert result.status == "failed", f"{check_id} passed a known-wrong implementation"
    assert result.summary and result.replay.endswith("--seed 0")


def _related(result, function):
    return result.function == function or function in CHECKS[result.id].uses


@pytest.mark.parametrize("mistake", mistakes.MISTAKES, ids=lambda m: m.id)
def test_mistake_is_caught_by_its_function_only(mistake, tmp_path):
    submission = reference_with(tmp_path, mistake.function, mistake_source(mistake))
    report = grade(submission, only=[mistake.function.partition(".")[0], mistake.function], **STRICT)  # a course
    # row is graded only where it is named (runner.select)
    failed = failing(report)
    assert any(r.function == mistake.function for r in failed), f"{mistake.id} was not caught"
    diagnoses = [r.details.get("diagnosis", "") for r in failed if r.function == mistake.function]
    # Two documented variants may coincide where a search fails (d2l's adagrad is eps_inside with ε = 1e-6: on tiny
    # gradients both steps vanish): the first of them is named, and either is an accepted form.
    siblings = [m.name for m in mistakes.of(mistake.function) if m.documented] if mistake.documented else []
    names = [mistake.name, *siblings] if mistake.name == "d2l" else [mistake.name]
    assert any(f"'{name}'" in d for d in diagnoses for name in names), f"{mistake.id} was caught but not named"
    unrelated = [r.id for r in failed if not _related(r, mistake.function)]
    assert unrelated == [], f"{mistake.id} also failed unrelated checks"
