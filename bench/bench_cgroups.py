"""The cost of a worker's cgroup (sandbox/cgroups.py): making and removing one, a worker's start and close, one
call, each with and without the cgroup, alternated so that the machine's load falls on both alike.

    python bench/bench_cgroups.py [--rounds 10] [--calls 300] [--out FILE]

Writes bench/results/cgroups.json (ratios are what compare on a shared machine) and prints the figures.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlgrade.sandbox import Sandbox, cgroups, isolation, resolve  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cgroups.json"
LIMITS = {"call_timeout": 5.0, "import_timeout": 20.0}


def setup_ms(controllers, rounds):
    """Making a worker cgroup (its folders, bounds, open files) and removing it, with no process in it."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        controllers.create(isolation.Limits().memory_bound_bytes, isolation.Limits().processes).remove()
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def worker(submission, calls, with_cgroup):
    """(seconds to start a worker and close it, µs per call) with or without its cgroup."""
    found = cgroups.find_or_reason() if with_cgroup else (None, "left out for the benchmark")
    with mock.patch.object(cgroups, "find_or_reason", lambda: found):
        started = time.perf_counter()
        with Sandbox(submission, **LIMITS) as box:
            box.functions("optim")
            lifecycle = time.perf_counter() - started
            w, dw = np.ones(10), np.ones(10)
            started = time.perf_counter()
            for _ in range(calls):
                box.call("optim", "sgd", (w, dw, {"learning_rate": 0.1}))
            per_call = (time.perf_counter() - started) / calls * 1e6
            started = time.perf_counter()
        lifecycle += time.perf_counter() - started
    return lifecycle, per_call


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    controllers = cgroups.find()
    submission = resolve(ROOT / "reference")
    figures = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
               "cgroups": controllers.describe(), "setup_and_removal_ms": setup_ms(controllers, 5 * args.rounds)}
    runs = {True: [], False: []}
    for _ in range(args.rounds):
        for with_cgroup in (False, True):
            runs[with_cgroup].append(worker(submission, args.calls, with_cgroup))
    for with_cgroup, key in ((True, "with_cgroup"), (False, "without")):
        figures[key] = {"worker_start_and_close_s": statistics.median(r[0] for r in runs[with_cgroup]),
                        "call_us": statistics.median(r[1] for r in runs[with_cgroup])}
    figures["ratio"] = {k: figures["with_cgroup"][k] / figures["without"][k] for k in figures["without"]}
    figures["machine"]["load_average_at_end"] = os.getloadavg()
    submission.cleanup()
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
