"""A full grade of the reference by two trees of dlgrade, alternated (A B B A A B …), sandboxed and trusted:
what a change costs in wall time, with the sandbox's own share apart (sandboxed / trusted in each tree).

    git archive REV | tar -x -C /tmp/before
    python bench/before_after.py /tmp/before . [--rounds 3] [--out bench/results/before_after.json]

Each grade is `python grader.py TREE/reference --jobs 1 --format json [--trust-submission]` run from TREE, so
each tree grades with its own code. Only figures of one run on one machine compare: the load average is recorded.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "before_after.json"


def grade(tree, trusted):
    """(wall seconds, score, max score) of one full grade of tree's reference by tree's grader."""
    argv = [sys.executable, "grader.py", str(tree / "reference"), "--jobs", "1", "--format", "json"]
    started = time.perf_counter()
    run = subprocess.run(argv + ["--trust-submission"] * trusted, cwd=tree, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"), timeout=3600)
    seconds = time.perf_counter() - started
    report = json.loads(run.stdout)
    return seconds, report["score"], report["max_score"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    runs = {(name, trusted): [] for name in trees for trusted in (False, True)}
    load = [os.getloadavg()[0]]
    for i in range(args.rounds):
        order = ("before", "after") if i % 2 == 0 else ("after", "before")
        for trusted in (False, True):
            for name in order:
                seconds, score, maximum = grade(trees[name], trusted)
                runs[name, trusted].append(seconds)
                print(f"{name:6} {'trusted  ' if trusted else 'sandboxed'} {seconds:7.2f} s  {score} / {maximum}")
    load.append(os.getloadavg()[0])
    median = {key: statistics.median(values) for key, values in runs.items()}
    figures = {
        "runs": {f"{name} {'trusted' if trusted else 'sandboxed'}": values for (name, trusted), values in runs.items()},
        "after / before, sandboxed": median["after", False] / median["before", False],
        "after / before, trusted": median["after", True] / median["before", True],
        "sandbox share before (sandboxed / trusted)": median["before", False] / median["before", True],
        "sandbox share after (sandboxed / trusted)": median["after", False] / median["after", True],
        "load average at start and end": load, "trees": {k: str(v) for k, v in trees.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    for key, value in figures.items():
        if isinstance(value, float):
            print(f"{key}: {value:.3f}")


if __name__ == "__main__":
    main()
