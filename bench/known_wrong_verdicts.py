"""The verdicts of every known-wrong implementation and every mistake row, in one column (float64 or float32).

A change to how values are compared claims "float64 verdicts unchanged, every known-wrong still caught": run
this in a checkout of the old commit and of the new one, and compare the files:

    python bench/known_wrong_verdicts.py --dtype float64 /tmp/before64.json     # old checkout
    python bench/known_wrong_verdicts.py --dtype float64 /tmp/after64.json      # new checkout
    python bench/known_wrong_verdicts.py --compare /tmp/before64.json /tmp/after64.json
    python bench/known_wrong_verdicts.py --dtype float32 bench/results/known_wrong_float32.json

Graded in-process as tests/test_checks_power.py grades them (tests/grading.py, documented variants not accepted,
seed 0): the known-wrong of each check on that check alone; each mistake row on its function's module. Kept per
entry: the status of each failing or passing check and its diagnosis; summaries are kept for the comparison.
"""
import argparse
import importlib
import json
import pkgutil
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()  # the checkout graded: run from its root
sys.path.insert(0, str(ROOT))


def _known_wrong():
    import tests.known_wrong as package
    table = {}
    for info in pkgutil.iter_modules(package.__path__):
        table.update(importlib.import_module(f"tests.known_wrong.{info.name}").KNOWN_WRONG)
    return table


def verdicts(dtype):
    import dlgrade.checks  # noqa: F401  (fills the registry)
    from dlgrade.checks.engine import mistakes
    from dlgrade.checks.engine.registry import REGISTRY
    from tests.grading import grade, mistake_source, reference_with

    checks = {c.id: c for c in REGISTRY}
    found = {"dtype": dtype, "known_wrong": {}, "mistakes": {}}
    with tempfile.TemporaryDirectory() as scratch:
        for n, (check_id, source) in enumerate(sorted(_known_wrong().items())):
            submission = reference_with(Path(scratch) / f"k{n}", checks[check_id].function, source)
            [result] = grade(submission, only=[check_id], accept={}, dtype=dtype).results
            found["known_wrong"][check_id] = {"status": result.status, "summary": result.summary}
        for n, mistake in enumerate(mistakes.MISTAKES):
            submission = reference_with(Path(scratch) / f"m{n}", mistake.function, mistake_source(mistake))
            report = grade(submission, only=[mistake.function.partition(".")[0]], accept={}, dtype=dtype)
            found["mistakes"][mistake.id] = {
                r.id: {"status": r.status, "diagnosis": r.details.get("diagnosis", ""), "summary": r.summary}
                for r in report.results if r.function == mistake.function and r.status != "passed"}
    return found


def counts(found):
    caught = sum(v["status"] == "failed" for v in found["known_wrong"].values())
    named = sum(any(f"'{m.rpartition(':')[2]}'" in r["diagnosis"] for r in rows.values())
                for m, rows in found["mistakes"].items())
    mistaken = sum(bool(rows) for rows in found["mistakes"].values())
    return {"known_wrong": len(found["known_wrong"]), "known_wrong_caught": caught,
            "mistakes": len(found["mistakes"]), "mistakes_caught": mistaken, "mistakes_named": named}


def compare(before, after):
    """The entries whose verdicts differ: statuses, and failing checks' diagnoses (summaries may reword)."""
    changed = []
    for check_id in sorted(set(before["known_wrong"]) | set(after["known_wrong"])):
        b, a = before["known_wrong"].get(check_id), after["known_wrong"].get(check_id)
        if (b or {}).get("status") != (a or {}).get("status"):
            changed.append(f"known-wrong {check_id}: {b} -> {a}")
    for mistake_id in sorted(set(before["mistakes"]) | set(after["mistakes"])):
        b, a = before["mistakes"].get(mistake_id, {}), after["mistakes"].get(mistake_id, {})
        was, now = ({k: (v["status"], v["diagnosis"]) for k, v in rows.items()} for rows in (b, a))
        if was != now:
            changed.append(f"mistake {mistake_id}: {was} -> {now}")
    return changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    parser.add_argument("--compare", action="store_true", help="compare two files written by this script")
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(f.read_text()) for f in args.files)
        changed = compare(before, after)
        print(json.dumps({"before": counts(before), "after": counts(after), "changed": changed}, indent=1))
        return 1 if changed else 0
    found = verdicts(args.dtype)
    found["counts"] = counts(found)
    args.files[0].write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    print(json.dumps(found["counts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
