"""The pytest plugin: `pytest --dlgrade-target mylib.adapter` runs dlgrade's checks as tests.

    pytest --dlgrade-target torch                        # a bundled adapter
    pytest --dlgrade-target mylib.dlgrade_adapter \\
           --dlgrade-xfails departures.json \\            # {"check id": "reason"}: expected departures
           --dlgrade-only optim --dlgrade-max-examples 10

Registered through the `pytest11` entry point; without --dlgrade-target it adds nothing (and imports
nothing of dlgrade's). Each check is one test item, `dlgrade::<check id>`: an expected departure is
xfail with its reason, and strict, so one that passes fails the run as an unexpected pass; a
function the library does not provide is skipped. The adapter's own departures.json, when it has
one, is read too. The library is the maintainer's own code: it runs in a separate worker process, and
inside the OS sandbox only with --dlgrade-sandbox.
"""
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dlgrade", "dlgrade: the formulas of deep learning, checked against a library")
    group.addoption("--dlgrade-target", metavar="NAME", help="a bundled adapter (torch, optax, numpy_ml, keras) "
                    "or an importable module path of spec modules")
    group.addoption("--dlgrade-xfails", metavar="FILE", help="JSON {check id: reason} of expected departures")
    group.addoption("--dlgrade-only", action="append", default=[], metavar="SELECTOR",
                    help="a module, function or check id to run (repeatable; default: every check)")
    group.addoption("--dlgrade-max-examples", type=int, metavar="N", help="Hypothesis examples per property check")
    group.addoption("--dlgrade-sandbox", action="store_true",
                    help="run the library inside the OS sandbox (bubblewrap), as untrusted code; by default it runs "
                         "in a separate worker process only")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    name = config.getoption("--dlgrade-target")
    if not name:
        return
    from dlgrade import testing
    from dlgrade.adapters import TargetError, read_departures
    from dlgrade.checks.engine import runner

    only = config.getoption("--dlgrade-only")
    unknown = runner.unknown_selectors(only)
    if unknown:
        raise pytest.UsageError(f"--dlgrade-only {unknown[0]!r} names no module, function or check")
    try:
        target = testing.target_of(name)
        expected = dict(target.declared or {})
        if config.getoption("--dlgrade-xfails"):
            expected.update(read_departures(config.getoption("--dlgrade-xfails")))
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None
    stray = sorted(set(expected) - {c.id for c in runner.select()})
    if stray:
        raise pytest.UsageError(f"--dlgrade-xfails names no check: {stray[0]!r}")
    for check_id in testing.check_ids(only):
        item = DlgradeCheck.from_parent(session, name=check_id, nodeid=f"dlgrade::{check_id}", target=target,
                                        check_id=check_id,
                                        only=tuple(only), max_examples=config.getoption("--dlgrade-max-examples"),
                                        sandbox=config.getoption("--dlgrade-sandbox"))
        if check_id in expected:
            item.add_marker(pytest.mark.xfail(reason=expected[check_id], strict=True, raises=testing.CheckFailed))
        items.append(item)


class DlgradeCheck(pytest.Item):
    def __init__(self, *, target: Any, check_id: str, only: tuple[str, ...], max_examples: int | None, sandbox: bool,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target, self.check_id, self.only, self.max_examples = target, check_id, only, max_examples
        self.sandbox = sandbox

    def runtest(self) -> None:
        from dlgrade import testing
        testing.run_check(self.target, self.check_id, self.only, self.max_examples, sandbox=self.sandbox)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Any:  # type: ignore[override]
        from dlgrade.testing import CheckFailed
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, None, str]:
        return self.target.path, None, f"dlgrade::{self.check_id}"
