"""How large the counterexamples are that the checks report for their known-wrong implementations.

    python bench/counterexample_sizes.py --out bench/results/counterexamples_after.json [--only optim]
    python bench/counterexample_sizes.py --compare BEFORE.json AFTER.json

Grades each implementation of tests/known_wrong/ with its own check (the power tests' quick profile) and
records, per check, the status, the named mistake and the counterexample's size: how many numbers its
input holds (array entries and scalars) and its largest array. --compare prints, for the checks both
files hold, the totals, the checks whose counterexample grew and those whose verdict changed.
"""
import argparse
import importlib
import json
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tests.known_wrong as known_wrong_package  # noqa: E402
from dlgrade.checks.engine.registry import REGISTRY  # noqa: E402
from tests.grading import grade, reference_with  # noqa: E402


def numbers(value):
    """(count of numbers, largest array size) in a counterexample."""
    if isinstance(value, np.ndarray):
        return value.size, value.size
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        parts = [numbers(v) for v in value]
        return sum(p[0] for p in parts), max((p[1] for p in parts), default=0)
    return (1, 0) if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) else (0, 0)


def known_wrong():
    table = {}
    for info in pkgutil.iter_modules(known_wrong_package.__path__):
        table.update(importlib.import_module(f"tests.known_wrong.{info.name}").KNOWN_WRONG)
    return table


def measure(only):
    checks = {c.id: c for c in REGISTRY}
    figures = {}
    for check_id, source in sorted(known_wrong().items()):
        if only and not any(s in (checks[check_id].module, checks[check_id].function, check_id) for s in only):
            continue
        with tempfile.TemporaryDirectory() as folder:
            submission = reference_with(Path(folder), checks[check_id].function, source)
            started = time.perf_counter()
            [result] = grade(submission, only=[check_id], accept={}).results
        count, largest = numbers(result.counterexample)
        figures[check_id] = {"status": str(result.status), "mistake": result.details.get("mistake"),
                             "numbers": count, "largest_array": largest, "examples_run": result.examples_run,
                             "seconds": round(time.perf_counter() - started, 3)}
    return figures


def compare(before, after):
    both = sorted(set(before) & set(after))
    grew = [k for k in both if after[k]["numbers"] > before[k]["numbers"]]
    changed = [k for k in both if (before[k]["status"], before[k]["mistake"]) != (after[k]["status"],
                                                                                 after[k]["mistake"])]
    total = {name: sum(f[k]["numbers"] for k in both) for name, f in (("before", before), ("after", after))}
    print(f"{len(both)} checks; numbers in all counterexamples: {total['before']} before, {total['after']} after")
    print(f"median per check: {np.median([before[k]['numbers'] for k in both]):g} before, "
          f"{np.median([after[k]['numbers'] for k in both]):g} after")
    for k in grew:
        print(f"  larger: {k}: {before[k]['numbers']} -> {after[k]['numbers']}")
    for k in changed:
        print(f"  verdict changed: {k}: {before[k]['status']}/{before[k]['mistake']} -> "
              f"{after[k]['status']}/{after[k]['mistake']}")
    return {"checks": len(both), "total": total, "larger": grew, "verdict_changed": changed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the figures here (JSON)")
    parser.add_argument("--only", action="append", default=[], help="a module, function or check id")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"), help="compare two --out files")
    args = parser.parse_args()
    if args.compare:
        compare(*(json.loads(path.read_text()) for path in args.compare))
        return
    figures = measure(args.only)
    if args.out:
        args.out.parent.mkdir(exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
