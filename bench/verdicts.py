"""The JSON verdicts of the reference, the alternative submission and a sample of the known-wrong implementations.

A refactoring that claims "behaviour unchanged" runs this before and after and compares the two files:

    python bench/verdicts.py /tmp/before.json          # in a checkout of the old commit
    python bench/verdicts.py /tmp/after.json           # in the new one
    python bench/verdicts.py --compare /tmp/before.json /tmp/after.json

Each submission is graded through the command line (`grader.py --format json`), as a student's would be, with a
fixed seed and few examples; timings (`seconds`) are dropped, and the graded bytes' `sha256` (the known-wrong
submissions are copies of reference/, whose files a refactoring may touch), everything else is kept.
"""
import argparse
import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()  # the checkout graded: run from its root
sys.path.insert(0, str(ROOT))  # its tests.known_wrong
TIMINGS = {"seconds"}


def grade(path, only=(), max_examples=4):
    command = [sys.executable, "grader.py", str(path), "--format", "json", "--jobs", "1", "--seed", "0",
               "--max-examples", str(max_examples)]
    for selector in only:
        command += ["--only", selector]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800).stdout
    report = json.loads(output)
    report.pop("seconds", None)
    report.pop("sha256", None)
    report["submission"] = "<submission>"
    for result in report["checks"]:
        for key in TIMINGS:
            result.pop(key, None)
        result["replay"] = result["replay"].replace(str(path), "<submission>")
    return report


def known_wrong(every):
    """Every `every`-th known-wrong implementation, by check id: (check id, source)."""
    import tests.known_wrong as package
    table = {}
    for info in pkgutil.iter_modules(package.__path__):
        table.update(importlib.import_module(f"tests.known_wrong.{info.name}").KNOWN_WRONG)
    return sorted(table.items())[::every]


def collect(every):
    verdicts = {"reference": grade(ROOT / "reference"),
                "alternative": grade(ROOT / "tests" / "submissions" / "alternative")}
    for check_id, source in known_wrong(every):
        function = check_id.partition(":")[0]
        module = function.partition(".")[0]
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / "submission"
            shutil.copytree(ROOT / "reference", target, ignore=shutil.ignore_patterns("__pycache__"))
            with open(target / f"{module}.py", "a") as file:
                file.write("\n\n" + source)
            verdicts[f"known wrong: {check_id}"] = grade(target, only=[function])
    return verdicts


def compare(before, after):
    """(submissions whose reports differ, those whose verdicts differ: a check's id, status or score)."""
    def verdicts(report):
        return report and [(c["id"], c["status"], c["score"]) for c in report["checks"]]
    names = sorted(set(before) | set(after))
    return ([n for n in names if before.get(n) != after.get(n)],
            [n for n in names if verdicts(before.get(n)) != verdicts(after.get(n))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?")
    parser.add_argument("--every", type=int, default=8, help="grade every N-th known-wrong implementation")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    arguments = parser.parse_args()
    if arguments.compare:
        before, after = (json.loads(Path(name).read_text()) for name in arguments.compare)
        reports, verdicts = compare(before, after)
        print(f"{len(before)} submissions before, {len(after)} after; reports differ: {len(reports)}, "
              f"verdicts (check id, status, score) differ: {len(verdicts)}")
        for name in reports:
            print("  verdicts differ:" if name in verdicts else "  report differs (details only):", name)
        sys.exit(1 if verdicts or set(before) != set(after) else 0)
    verdicts = collect(arguments.every)
    Path(arguments.output).write_text(json.dumps(verdicts, indent=1, sort_keys=True))
    print(f"{len(verdicts)} submissions graded -> {arguments.output}")


if __name__ == "__main__":
    main()
