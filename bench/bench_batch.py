"""Batch grading speed: a generated class of N submissions graded with --jobs 1 and --jobs 2, killed and
resumed, and on a Dask LocalCluster; the gradebooks must agree and the class report must count the planted
mistakes right.

    python bench/bench_batch.py [--n 100] [--no-dask] [--no-resume]

A reduced profile (PROFILE_ARGS: three optimizers, 3 examples per property) keeps a run within minutes.
Writes bench/results/batch.json (wall times, seconds per submission, speedup, the load average around
each run: other work on the machine slows a run down, so read the speedup with it) and prints it.
Target (issue 9): --jobs 2 at least 1.8× faster than --jobs 1 on a 2-core machine.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlgrade import batch  # noqa: E402
from dlgrade.checks.engine.mistakes import BY_ID  # noqa: E402
from dlgrade.reporting import classreport  # noqa: E402
from tests.grading import BROKEN, REFERENCE, mistake_source  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "batch.json"
FUNCTIONS = ("optim.sgd_momentum", "optim.rmsprop", "optim.adam")
PROFILE_ARGS = [arg for f in FUNCTIONS for arg in ("--only", f)] + ["--max-examples", "3"]
PLANTED = {"optim.adam:no_bias_correction": 8, "optim.sgd_momentum:ema": 6, "optim.rmsprop:eps_inside": 4}
BROKEN_COPIES = 2  # copies of tests/submissions/broken/raises


def make_class(root, n):
    """n submissions: the planted mistakes, BROKEN_COPIES broken ones, the rest copies of the reference."""
    root.mkdir(parents=True)
    index = 0
    for mistake_id, count in PLANTED.items():
        mistake = BY_ID[mistake_id]
        for _ in range(count):
            folder = root / f"student_{index:03d}"
            shutil.copytree(REFERENCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
            with open(folder / f"{mistake.function.partition('.')[0]}.py", "a") as file:
                file.write("\n\n" + mistake_source(mistake))
            index += 1
    for _ in range(BROKEN_COPIES):
        shutil.copytree(BROKEN / "raises", root / f"student_{index:03d}")
        index += 1
    while index < n:
        shutil.copytree(REFERENCE, root / f"student_{index:03d}", ignore=shutil.ignore_patterns("__pycache__"))
        index += 1


def command(root, out, *extra):
    return [sys.executable, str(ROOT / "grader.py"), "batch", str(root), "--out", str(out), *PROFILE_ARGS, *extra]


def timed_run(root, out, *extra):
    load_before = os.getloadavg()
    started = time.perf_counter()
    subprocess.run(command(root, out, *extra), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    records = batch.Store(out).records().values()
    return {"wall_s": round(seconds, 2), "per_submission_s": round(seconds / len(records), 3),
            "median_grade_s": round(statistics.median(r["seconds"] for r in records), 3),
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()]}


def killed_and_resumed(root, out, n):
    """SIGKILL a --jobs 2 run once half the class is recorded, resume it; what each run graded."""
    first = subprocess.Popen(command(root, out, "--jobs", "2"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = batch.Store(out)
    while len(store.records()) < n // 2 and first.poll() is None:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_before = set(store.records())
    subprocess.run(command(root, out, "--jobs", "2"), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    events = [json.loads(line) for line in (out / "batch.log").read_text().splitlines()]
    last_start = max(i for i, e in enumerate(events) if e["event"] == "start")
    graded_after = [e["key"] for e in events[last_start:] if e["event"] == "graded"]
    return {"recorded_when_killed": len(done_before), "graded_after_resume": len(graded_after),
            "graded_twice": sorted(set(graded_after) & done_before),
            "lost": sorted(set(store.records()) ^ {f"student_{i:03d}" for i in range(n)})}


def dask_run(root, out):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        started = time.perf_counter()
        subprocess.run(command(root, out, "--dask", cluster.scheduler_address), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return {"wall_s": round(time.perf_counter() - started, 2)}


def planted_counts(root, out):
    summary = classreport.summarize(classreport.records_of(batch.discover(root), batch.Store(out)))
    found = {row.id: len(row.students) for row in summary.rows}
    return {mistake_id: {"planted": count, "reported": found.get(mistake_id, 0)}
            for mistake_id, count in PLANTED.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="submissions in the generated class")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    parser.add_argument("--no-resume", action="store_true", help="skip the killed-and-resumed run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlgrade-bench-batch-") as tmp:
        tmp = Path(tmp)
        make_class(tmp / "class", args.n)
        figures = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                               "platform": platform.platform()},
                   "submissions": args.n, "profile_args": PROFILE_ARGS}
        figures["jobs_1"] = timed_run(tmp / "class", tmp / "jobs1", "--jobs", "1")
        figures["jobs_2"] = timed_run(tmp / "class", tmp / "jobs2", "--jobs", "2")
        figures["speedup_jobs_2"] = round(figures["jobs_1"]["wall_s"] / figures["jobs_2"]["wall_s"], 2)
        gradebook = (tmp / "jobs2" / "gradebook.csv").read_text()
        figures["gradebooks_equal"] = {"jobs_1": (tmp / "jobs1" / "gradebook.csv").read_text() == gradebook}
        figures["planted_mistakes"] = planted_counts(tmp / "class", tmp / "jobs2")
        save(figures)
        if not args.no_resume:
            figures["killed_and_resumed"] = killed_and_resumed(tmp / "class", tmp / "resumed", args.n)
            figures["gradebooks_equal"]["resumed"] = (tmp / "resumed" / "gradebook.csv").read_text() == gradebook
            save(figures)
        if not args.no_dask:
            figures["dask_local_cluster"] = dask_run(tmp / "class", tmp / "dask")
            figures["gradebooks_equal"]["dask"] = (tmp / "dask" / "gradebook.csv").read_text() == gradebook
            save(figures)
    print(json.dumps(figures, indent=2))


def save(figures):
    """bench/results/batch.json after each part, so a long run's first figures survive an interruption."""
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
