"""The public self-check against the grader, over every known-wrong implementation of the checks it carries: the
bundle is exported, and each implementation (tests/known_wrong/, appended to a copy of the reference) is graded by
the grader on the public examples (the public seed and count, trusted: verdicts do not depend on the sandbox) and
checked by the bundle; the two verdicts and the mistakes they name are written side by side.

    python bench/public_agreement.py [--out FILE]

Writes bench/results/public_agreement.json (or --out): per check, the grader's and the bundle's (passed, mistake),
and the checks where they differ. tests/test_public_bundle.py asserts agreement on a few; this is all of them.
"""
import argparse
import importlib
import json
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("optim", "schedules", "layers", "losses", "init", "gradient_check", "sgd_exercise", "training", "net")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "public_agreement.json"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from dlgrade import public
    from dlgrade.checks.engine.runner import grade
    from dlgrade.grading import load_profile
    from dlgrade.sandbox import resolve
    from tests.grading import REFERENCE, quick_profile
    from tests.test_checks_power import KNOWN_WRONG

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        public.export(scratch, load_profile(None), log=lambda text: None)
        sys.path.insert(0, scratch)
        runtime = importlib.import_module(public.PACKAGE)
        profile = quick_profile(max_examples=public.PUBLIC_EXAMPLES, seed=public.PUBLIC_SEED)
        rows = {}
        for c in runtime._DATA["checks"]:
            check_id, function = c["id"], c["function"]
            source = KNOWN_WRONG[check_id]
            target = Path(scratch) / "submission"
            shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
            with open(target / f"{function.partition('.')[0]}.py", "a") as file:
                file.write("\n\n" + source)
            [graded] = grade(resolve(target), profile, only=[check_id], trusted=True).results
            shutil.rmtree(target)
            result = runtime.check(function, namespace=_modules(function, source), verbose=False)
            status = dict((i, s) for i, s, _ in result.outcomes)[check_id]
            rows[check_id] = {"grader": [graded.status == "passed", graded.details.get("mistake")],
                              "bundle": [status == runtime.PASSED, result.mistakes.get(check_id)]}
    differ = {i: row for i, row in rows.items() if row["grader"] != row["bundle"]}
    summary = {"checks": len(rows), "verdicts_differ": sum(r["grader"][0] != r["bundle"][0] for r in rows.values()),
               "mistakes_differ": len(differ), "differ": differ, "seconds": round(time.perf_counter() - started, 1),
               "rows": rows}
    Path(args.out).write_text(json.dumps(summary, indent=1) + "\n")
    print(f"{len(rows)} checks: verdicts differ on {summary['verdicts_differ']}, named mistakes on {len(differ)}: "
          f"{sorted(differ)}; written to {args.out}")


def _modules(function, source):
    """The oracle's modules as namespaces, `source` appended to the function's."""
    namespaces = {m: dict(vars(importlib.import_module(f"dlgrade.reference.{m}"))) for m in MODULES}
    exec(source, namespaces[function.partition(".")[0]])
    return {m: types.SimpleNamespace(**ns) for m, ns in namespaces.items()}


if __name__ == "__main__":
    main()
