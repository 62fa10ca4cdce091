"""Grading speed: a full grade of the reference, one module, and the cost of an isolated call.

    python bench/bench_grading.py [--repeat 3] [--jobs 2]

Writes bench/results/grading.json and prints the figures. Targets (issue 3): a full grade
with the default profile in 20 s or less on a 2-core machine, one module in 3 s or less.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dlgrade.checks  # noqa: E402,F401
from dlgrade.checks.engine import runner  # noqa: E402
from dlgrade.checks.policy import profile  # noqa: E402
from dlgrade.reference import layers  # noqa: E402
from dlgrade.sandbox import Sandbox, resolve  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "grading.json"


def timed(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": len(times)}


def grade_seconds(only, repeat, jobs):
    submission, prof = resolve(ROOT / "reference"), profile.load()
    reports = []

    def once():
        reports.append(runner.grade(submission, prof, only=only, jobs=jobs))
    figures = timed(once, repeat)
    last = reports[-1]
    figures.update(jobs=jobs, checks=len(last.results), calls=last.calls, score=last.score,
                   max_score=last.max_score)
    return figures


def call_overhead(calls=2000):
    """Seconds per call of relu_forward on a (4, 8) array: through the worker, and in this process."""
    x = np.random.default_rng(0).normal(size=(4, 8))
    limits = profile.load()
    with Sandbox(resolve(ROOT / "reference"), call_timeout=limits.call_timeout,
                 import_timeout=limits.import_timeout) as box:
        box.call("layers", "relu_forward", (x,), keep=[1])
        box.drop_handles()
        started = time.perf_counter()
        for _ in range(calls):
            box.call("layers", "relu_forward", (x,), keep=[1])
        isolated = (time.perf_counter() - started) / calls
    started = time.perf_counter()
    for _ in range(calls):
        layers.relu_forward(x)
    in_process = (time.perf_counter() - started) / calls
    return {"isolated_us": isolated * 1e6, "in_process_us": in_process * 1e6, "ratio": isolated / in_process}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="grader processes (grader.py's default on 2 CPUs)")
    args = parser.parse_args()
    figures = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "full_grade": grade_seconds((), args.repeat, args.jobs),
        "full_grade_one_process": grade_seconds((), args.repeat, 1),
        "modules": {m: grade_seconds((m,), args.repeat, args.jobs) for m in runner.MODULE_ORDER},
        "call": call_overhead(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))
    for key in ("full_grade", "full_grade_one_process"):
        full = figures[key]
        print(f"full grade of the reference, {full['jobs']} job(s): {full['median_s']:.2f} s median of "
              f"{full['runs']} ({full['checks']} checks, {full['calls']} calls into the worker; target ≤ 20 s)")
    for module, f in figures["modules"].items():
        print(f"  {module:15s} {f['median_s']:6.2f} s  ({f['checks']} checks; target ≤ 3 s)")
    call = figures["call"]
    print(f"one isolated call: {call['isolated_us']:.0f} µs against {call['in_process_us']:.1f} µs in process "
          f"(×{call['ratio']:.0f})")
    print(f"figures written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
