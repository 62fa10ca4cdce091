"""Whether correct but slow code is ever cut short: a submission graded at a profile's default settings, with
each check's time, examples run and the minimum it needed; `incomplete` must be empty.

    python bench/naive_budget.py [PATH] [--profile cs231n] [--out FILE]

PATH defaults to the CS231n assignment in tests/submissions/cs231n (naive-loop conv and pool). Writes
bench/results/naive_budget.json (or --out) with the load average at the start and the end: only figures of a
machine with that load compare.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlgrade.checks.engine import runner  # noqa: E402
from dlgrade.checks.engine.registry import REGISTRY  # noqa: E402
from dlgrade.checks.policy import profile  # noqa: E402
from dlgrade.sandbox import resolve  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "tests" / "submissions" / "cs231n" / "assignment2"))
    parser.add_argument("--profile", default="cs231n")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "naive_budget.json"))
    args = parser.parse_args()
    chosen = profile.load(args.profile)
    by_id = {c.id: c for c in REGISTRY}
    load_before, started = os.getloadavg(), time.perf_counter()
    report = runner.grade(resolve(args.path, package=chosen.package), chosen, jobs=1)
    seconds = time.perf_counter() - started
    checks = [{"id": r.id, "status": str(r.status), "seconds": round(r.seconds, 3), "examples_run": r.examples_run,
               "min_examples": chosen.min_examples_for(by_id[r.id]), "max_examples": r.max_examples}
              for r in report.results]
    figures = {"path": args.path, "profile": args.profile, "check_budget": chosen.check_budget,
               "min_examples": chosen.min_examples, "slow_call": chosen.slow_call, "cpus": os.cpu_count(),
               "load_average_before": load_before, "load_average_after": os.getloadavg(),
               "score": report.score, "max_score": report.max_score, "seconds": round(seconds, 1),
               "incomplete": [c["id"] for c in checks if c["status"] == "incomplete"],
               "budget_ran_out": [r.id for r in report.results if "budget ran out" in r.summary],
               "slowest": sorted(checks, key=lambda c: -c["seconds"])[:10], "checks": checks}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=1))
    print(json.dumps({k: v for k, v in figures.items() if k != "checks"}, indent=1))


if __name__ == "__main__":
    main()
