"""Every call answered or failed: the grader keeps the list of calls it sends in a batch, binds each answer to
its call by an id it chose, and checks the reply against that list (issue 23, item 1).

The attacker is tests/submissions/hostile/batch_tampering.py: a wrong, stateless Adam that finds, in the
worker's frames, the batch its worker is serving and shortens, pads, repeats or reorders it. Whatever it does,
it earns no more than the same Adam without the trick, as a folder and as a notebook.
"""
import numpy as np
import pytest

from dlgrade.checks.engine import runner
from dlgrade.checks.engine.context import Context
from dlgrade.checks.engine.status import Status
from dlgrade.sandbox import ErrorKind, Sandbox, SandboxError, resolve
from tests.grading import ROOT, quick_profile

ATTACK = (ROOT / "tests" / "submissions" / "hostile" / "batch_tampering.py").read_text()
TRICKS = ("shorten", "pad", "repeat", "reorder")
CALLS = 6


def tampering(folder, trick, notebook=False):
    """The attacker with TRICK = trick, as a folder with optim.py or as a notebook of one cell."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    source = f"TRICK = {trick!r}\n{ATTACK}"
    if notebook:
        path = folder / "submission.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), path)
        return resolve(path)
    (folder / "optim.py").write_text(source)
    return resolve(folder)


def steps():
    rng = np.random.default_rng(0)
    return [((rng.normal(size=3), rng.normal(size=3), {"learning_rate": 0.1}), {}) for _ in range(CALLS)]


def sandbox(submission):
    limits = quick_profile()
    return Sandbox(submission, call_timeout=limits.call_timeout, import_timeout=limits.import_timeout)


def test_every_call_of_an_honest_batch_is_answered(tmp_path):
    with sandbox(tampering(tmp_path, "none")) as box:
        replies = box.call_batch("optim", "adam", steps())
    assert len(replies) == CALLS and not any(isinstance(r, SandboxError) for r in replies)


def test_a_shortened_batch_fails_the_calls_it_did_not_answer(tmp_path):
    with sandbox(tampering(tmp_path, "shorten")) as box:
        replies = box.call_batch("optim", "adam", steps())
        ctx = Context(box, "optim.adam", None, 1, 0)
        answers = ctx.call_many("optim.adam", [args for args, _ in steps()], returns=2)
        next(answers)
        with pytest.raises(SandboxError, match=f"answered 1 of {CALLS} calls"):
            next(answers)
    assert len(replies) == CALLS and not isinstance(replies[0], SandboxError)
    assert all(isinstance(r, SandboxError) and r.kind is ErrorKind.CRASH for r in replies[1:])
    assert f"the worker answered 1 of {CALLS} calls" in str(replies[1])


@pytest.mark.parametrize("trick, reason", [("pad", f"{CALLS + 1} answers to a batch of {CALLS} calls"),
                                           ("repeat", "do not follow"), ("reorder", "do not follow")])
def test_extra_repeated_or_reordered_answers_fail_the_batch(tmp_path, trick, reason):
    with sandbox(tampering(tmp_path, trick)) as box:
        with pytest.raises(SandboxError, match=reason) as failed:
            box.call_batch("optim", "adam", steps())
    assert failed.value.kind is ErrorKind.CRASH


def score(submission):
    report = runner.grade(submission, quick_profile(max_examples=3), only=("optim.adam",))
    return report.score, {r.id: r.status for r in report.results}


@pytest.mark.parametrize("notebook", [False, True], ids=["folder", "notebook"])
def test_changing_the_batch_earns_nothing(tmp_path, notebook):
    honest, honest_verdicts = score(tampering(tmp_path / "none", "none", notebook))
    trajectory = "optim.adam/trajectory"
    assert honest_verdicts[trajectory] is Status.FAILED  # the attacker is wrong: there is something to gain
    for trick in TRICKS:
        tricked, verdicts = score(tampering(tmp_path / trick, trick, notebook))
        assert tricked <= honest, trick
        assert verdicts[trajectory] is Status.FAILED, trick
