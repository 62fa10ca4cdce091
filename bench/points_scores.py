"""Points paid to wrong code: each known-wrong implementation (tests/known_wrong/) and each mistake row
(checks/engine/mistakes.py), appended to a copy of the reference, graded on its own function alone; and each
trivial submission of tests/trivial.py (this checkout's generator), graded whole under the default profile.

    python bench/points_scores.py [--root CHECKOUT] [--max-examples 8] [--out FILE]

--root grades with another checkout's engine and checks (a clean main, for the figures before a change); its
known-wrong implementations and mistake rows are the ones graded. Writes bench/results/points_scores.json
(or --out): per implementation, the function's score and maximum, and the totals. Documented variants are
graded as departures (no [accept]), as tests/test_checks_power.py grades them.
"""
import argparse
import dataclasses
import importlib
import importlib.util
import json
import pkgutil
import sys
import tempfile
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--max-examples", type=int, default=8)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "points_scores.json"))
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    from dlgrade.checks.engine import mistakes
    from tests import grading, known_wrong

    known = {}
    for info in pkgutil.iter_modules(known_wrong.__path__):
        known.update(importlib.import_module(f"tests.known_wrong.{info.name}").KNOWN_WRONG)
    checks = {c.id: c for c in grading.runner.REGISTRY}
    cases = [("known_wrong", check_id, checks[check_id].function, source) for check_id, source in sorted(known.items())]
    cases += [("mistake", m.id, m.function, grading.mistake_source(m)) for m in mistakes.MISTAKES]
    rows, started = [], time.perf_counter()
    trivial = _trivial_generator()
    for kind in trivial.KINDS:
        chosen = dataclasses.replace(grading.quick_profile(args.max_examples), accept={},
                                     **({"call_timeout": 0.25} if kind == "sleeps" else {}))
        with tempfile.TemporaryDirectory() as tmp:
            report = grading.runner.grade(trivial.write(Path(tmp), chosen, kind, sleep=1.0), chosen)
        rows.append({"family": "trivial", "name": kind, "function": "all", "score": round(report.score, 4),
                     "max_score": round(report.max_score, 4),
                     "paid": {r.id: round(r.score, 4) for r in report.results if r.score}})
        print(f"trivial\t{kind}\t{report.score:.3f} / {report.max_score:.3f}", flush=True)
    for family, name, function, source in cases:
        with tempfile.TemporaryDirectory() as tmp:
            report = grading.grade(grading.reference_with(Path(tmp), function, source), only=[function],
                                   max_examples=args.max_examples, accept={})
        rows.append({"family": family, "name": name, "function": function, "score": round(report.score, 4),
                     "max_score": round(report.max_score, 4)})
        print(f"{family}\t{name}\t{report.score:.3f} / {report.max_score:.3f}", flush=True)
    totals = {family: {"implementations": sum(r["family"] == family for r in rows),
                       "paid": sum(r["family"] == family and r["score"] > 0 for r in rows),
                       "score": round(sum(r["score"] for r in rows if r["family"] == family), 3),
                       "max_score": round(sum(r["max_score"] for r in rows if r["family"] == family), 3)}
              for family in ("trivial", "known_wrong", "mistake")}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"root": args.root, "max_examples": args.max_examples, "totals": totals,
                                          "seconds": round(time.perf_counter() - started, 1), "rows": rows},
                                         indent=1))
    print(json.dumps(totals))


def _trivial_generator():
    """tests/trivial.py of this checkout, as a module of the graded checkout's tests package (its helpers)."""
    path = Path(__file__).resolve().parents[1] / "tests" / "trivial.py"
    spec = importlib.util.spec_from_file_location("tests.trivial", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
