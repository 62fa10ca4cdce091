"""dlgrade's checks inside a library's own test suite, one pytest test per check.

    from dlgrade.testing import parametrize_with_checks

    @parametrize_with_checks("mylib.dlgrade_adapter", expected_departures={
        "optim.adagrad/trajectory": "initial accumulator 0.1, documented"})
    def test_dlgrade(check):
        check()

The adapter (a bundled name, an importable module path or a folder) is graded once, on the first
check run, with the default profile; each test then reports its check: passed, failed with the
counterexample, the named mistake and the replay command, skipped when the library does not provide
the function. An expected departure is xfail with its reason; one that passes is an unexpected pass
(strict: the test fails, so the declaration is removed once the library is fixed). The pytest plugin
(`pytest --dlgrade-target mylib.dlgrade_adapter --dlgrade-xfails departures.json`) runs the same tests
without a test file.
"""
import functools
from pathlib import Path
from typing import Any

import pytest

from dlgrade.adapters import Target, TargetError, read_departures, resolve_target
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.status import Status
from dlgrade.grading import add_library_sources, grade, library_sources, load_profile
from dlgrade.reporting.feedback import feedback
from dlgrade.sandbox import resolve


class CheckFailed(AssertionError):
    """A check failed; its message is the report's feedback (input, diagnosis, replay)."""


def target_of(adapter: "Target | str | Path") -> Target:
    """The Target of a bundled adapter name, an importable module path, or a folder of spec modules."""
    if isinstance(adapter, Target):
        return adapter
    if Path(str(adapter)).exists():
        folder = Path(adapter).resolve()
        return Target(folder.name, folder.name, folder)
    return resolve_target(str(adapter))


# (adapter folder, selection, examples) -> {check id: result}: one grading per selection
_GRADED: dict[tuple, dict[str, Any]] = {}


def _grade(target: Target, only: tuple[str, ...], max_examples: int | None, jobs: int,
           sandbox: bool) -> dict[str, Any]:
    key = (str(target.path), only, max_examples, sandbox)
    if key not in _GRADED:
        _GRADED[key] = _grade_now(target, only, max_examples, jobs, sandbox)
    return _GRADED[key]


def _grade_now(target: Target, only: tuple[str, ...], max_examples: int | None, jobs: int,
               sandbox: bool) -> dict[str, Any]:
    profile = load_profile(max_examples=max_examples or None)
    target.widen(profile)
    submission = resolve(target.path)
    try:
        if sandbox:  # an editable install's source, which the sandbox would not show (as grader.py --target)
            add_library_sources(submission, library_sources(target), target.name)
        report = grade(submission, profile, only=only, jobs=jobs, trusted=not sandbox,
                              replay_prefix=f"python grader.py --target {target.name}")
    finally:
        submission.cleanup()
    return {r.id: r for r in report.results}


def check_ids(only: tuple[str, ...] | list[str] = ()) -> list[str]:
    return [c.id for c in runner.select(only)]


def run_check(target: Target, check_id: str, only: tuple[str, ...] = (), max_examples: int | None = None, jobs: int = 1,
              sandbox: bool = False) -> None:
    """Grade the target (once per selection) and report one check as a pytest outcome. sandbox: run the
    library inside the OS sandbox (bubblewrap) as untrusted code; by default it is the maintainer's own code,
    run in a separate worker process only (a CI container or a venv may not allow the sandbox)."""
    result = _grade(target, tuple(only), max_examples, jobs, sandbox)[check_id]
    if result.status.absent:
        pytest.skip(f"not provided: {result.summary}")
    if result.status is not Status.PASSED:
        raise CheckFailed("\n".join([f"{result.id} ({result.status})", *feedback(result)]))


def parametrize_with_checks(adapter: "Target | str | Path", *,
                            expected_departures: dict[str, str] | str | Path | None = None,
                            only: tuple[str, ...] = (), max_examples: int | None = None, jobs: int = 1,
                            sandbox: bool = False) -> pytest.MarkDecorator:
    """A pytest.mark.parametrize over the checks (selected by `only`: modules, functions or check ids),
    passing `check`, a callable that runs one; expected_departures: {check id: reason} or a JSON file."""
    if isinstance(expected_departures, (str, Path)):
        expected_departures = read_departures(expected_departures)
    expected = dict(expected_departures or {})
    try:
        target = target_of(adapter)
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None
    ids = check_ids(only)
    unknown = sorted(set(expected) - {c.id for c in runner.select()})
    if unknown:
        raise pytest.UsageError(f"expected departures name no check: {unknown}")
    params = [pytest.param(functools.partial(run_check, target, i, tuple(only), max_examples, jobs, sandbox), id=i,
                           marks=[pytest.mark.xfail(reason=expected[i], strict=True, raises=CheckFailed)]
                           if i in expected else []) for i in ids]
    return pytest.mark.parametrize("check", params)
