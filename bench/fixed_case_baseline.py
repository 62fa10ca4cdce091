"""The fixed-case grading a course compares with: each function called once on one fixed input and compared
with the oracle, through the same worker, reports and scores as a full grade.

    python bench/fixed_case_baseline.py [--trusted]

Of every graded function, its first check runs on one case instead of a search: its first textbook
example where it has one, else the simplest input its strategy draws (Hypothesis's `find`, which
costs no call). A first check is a single call for most functions (two for a backward, which needs
its forward's cache; a few step a function several times on its one case). The figure a full grade
is measured against (bench/bench_grading.py).
"""
import argparse
import sys
import time
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, Phase, find, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dlgrade.checks  # noqa: E402,F401
from dlgrade.checks.engine import runner  # noqa: E402
from dlgrade.checks.engine.context import Context  # noqa: E402
from dlgrade.checks.policy import profile  # noqa: E402
from dlgrade.sandbox import resolve  # noqa: E402

SIMPLEST = settings(database=None, max_examples=1, phases=(Phase.generate, Phase.shrink),
                    suppress_health_check=list(HealthCheck))


def one_case(ctx, strategy, body, *, examples=(), max_examples=None):
    """ctx.falsify's stand-in: body on one fixed case."""
    ctx.examples_run += 1
    body(examples[0] if examples else find(strategy, lambda _: True, settings=SIMPLEST))


def first_checks(prof):
    """The first check of every function the profile grades."""
    chosen = {}
    for c in runner.select(prof.graded):
        chosen.setdefault(c.function, c.id)
    return list(chosen.values())


def grade(trusted=False):
    """(report, seconds) of the fixed-case grade of the reference, in one grader process."""
    prof = profile.load()
    with mock.patch.object(Context, "falsify", one_case):
        started = time.perf_counter()
        report = runner.grade(resolve(ROOT / "reference"), prof, only=first_checks(prof), jobs=1, trusted=trusted)
    return report, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusted", action="store_true", help="the worker without the OS sandbox")
    args = parser.parse_args()
    report, seconds = grade(args.trusted)
    print(f"fixed-case grade of the reference: {seconds:.2f} s, {len(report.results)} functions, "
          f"{report.calls} calls, score {report.score:g} / {report.max_score:g}")


if __name__ == "__main__":
    main()
