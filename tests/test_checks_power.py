"""Every check can fail, and does on the wrong implementation written for it; no check fails a
correct one (tests/test_grading.py). Every mistake row is caught and named by its function's
checks, and fails no check of an unrelated function."""
import importlib
import pkgutil

import pytest

import dlgrade.checks  # noqa: F401  (fills the registry)
import tests.known_wrong as known_wrong_package
from dlgrade.checks.engine import context, mistakes, runner
from dlgrade.checks.engine.registry import REGISTRY
from dlgrade.sandbox import resolve
from tests.grading import REFERENCE, failing, grade, mistake_source, reference_with

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
    # A known-wrong written against an oracle helper whose signature has since grown fails every check by its
    # TypeError and no longer shows the check's power (the one-pass variance of the norms' large_offsets did).
    assert "got an unexpected keyword argument" not in result.summary, f"{check_id}'s known-wrong is stale"


def _related(result, function):
    return result.function == function or function in CHECKS[result.id].uses


def test_checks_call_only_their_function_and_what_they_declare(monkeypatch):
    """A check calls into the submission only its own function and the functions it declares in `uses`: a mistake
    in one function can fail no check of another, which the test below relies on (it grades a row's function and
    the checks that use it, not the whole module). One grade of the whole reference records every call."""
    calls, running = {}, []
    real_run, real_call, real_many = runner._run_one, context.Context.call, context.Context.call_many

    def run_one(c, *args, **kwargs):
        running[:] = [c]
        return real_run(c, *args, **kwargs)

    def call(self, function, *args, **kwargs):
        calls.setdefault(running[0].id, set()).add(function)
        return real_call(self, function, *args, **kwargs)

    def call_many(self, function, *args, **kwargs):
        calls.setdefault(running[0].id, set()).add(function)
        return real_many(self, function, *args, **kwargs)
    monkeypatch.setattr(runner, "_run_one", run_one)
    monkeypatch.setattr(context.Context, "call", call)
    monkeypatch.setattr(context.Context, "call_many", call_many)
    report = grade(resolve(REFERENCE), max_examples=2)
    assert [r.id for r in report.results if r.status != "passed"] == []
    assert len(calls) > 0.9 * len(CHECKS)  # the statistical and fixed checks call too
    stray = {check_id: sorted(called - {CHECKS[check_id].function, *CHECKS[check_id].uses})
             for check_id, called in calls.items()}
    assert {check_id: called for check_id, called in stray.items() if called} == {}


@pytest.mark.parametrize("mistake", mistakes.MISTAKES, ids=lambda m: m.id)
def test_mistake_is_caught_by_its_function_only(mistake, tmp_path):
    submission = reference_with(tmp_path, mistake.function, mistake_source(mistake))
    users = [c.id for c in REGISTRY if mistake.function in c.uses]  # the only checks that call it (test above)
    report = grade(submission, only=[mistake.function, *users], **STRICT)
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
