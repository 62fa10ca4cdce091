"""Regenerate the committed conformance matrices: every bundled adapter whose library is installed.

    python -m dlgrade.adapters.matrix [--out docs/conformance] [--only torch --only optax] [--jobs N]

Each library is graded like a submission with the default profile (seed 0), as `grader.py --target
NAME` does; its matrix goes to OUT/NAME.md and OUT/NAME.json, and OUT/README.md gets the library ×
function table of every matrix in OUT. A library that is not installed is left as it was (said so).
An adapter with a _mode.py is graded twice: the formula's answer (the spec's hyperparameters and
initial state passed, as --target does) and the defaults' (a copy of the adapter with
LIBRARY_DEFAULTS = True, so the library's own defaults and initial state meet the textbook's); its
defaults.json ({"function": "the library's default, said"}) explains a departure of the defaults.
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.checks.engine import runner
from dlgrade.checks.policy import profile as profiles
from dlgrade.reporting import conformance
from dlgrade.sandbox import resolve

from . import BUNDLED, TargetError, resolve_target

HEADER = """# Conformance of real libraries

Each library is presented as the spec's functions by a bundled adapter (`adapters/NAME/`) and graded
like a submission: `python grader.py --target NAME`. Regenerate every matrix here with
`python -m dlgrade.adapters.matrix` (from the repository root). ✓ conforms, ≈ matches a documented
variant, ✗ departs (the library's page names the mistake, the minimal counterexample and the replay
command), · not provided. Each verdict is the formula's (the spec's hyperparameters and initial state
passed); "(defaults ✗)" adds that the library's own defaults or initial state depart from the
textbook's (its page names each).

"""


MODE, DEFAULTS = "_mode.py", "defaults.json"


def grade(name, jobs, *, only=(), profile=None):
    """The bundled adapter's matrix: the formula's answer, and the defaults' when the adapter has a _mode.py."""
    return grade_target(resolve_target(name), jobs, only=only, profile=profile)


def grade_target(target, jobs, *, only=(), profile=None):
    """The target's matrix (grade), on the checks `only` selects, under `profile` (the default profile's)."""
    def report(folder):
        chosen = target.widen(profile if profile is not None else profiles.load())
        submission = resolve(folder)
        try:
            return runner.grade(submission, chosen, only=only, jobs=jobs,
                                replay_prefix=f"python grader.py --target {target.name}")
        finally:
            submission.cleanup()

    data = conformance.matrix(report(target.path), target=target.name, library=target.library,
                              declared=target.declared)
    if not (target.path / MODE).is_file():
        return data
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / target.path.name
        shutil.copytree(target.path, copy, ignore=shutil.ignore_patterns("__pycache__"))
        (copy / MODE).write_text((target.path / MODE).read_text().replace("LIBRARY_DEFAULTS = False",
                                                                          "LIBRARY_DEFAULTS = True"))
        defaults = conformance.matrix(report(copy), target=target.name, library=target.library)
    declared = json.loads((target.path / DEFAULTS).read_text()) if (target.path / DEFAULTS).is_file() else {}
    return conformance.with_defaults(data, defaults, declared)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlgrade.adapters.matrix", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/conformance", help="folder of the matrices (default: docs/conformance)")
    parser.add_argument("--only", action="append", choices=list(BUNDLED), help="these adapters only (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="grader processes per library (default 2)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.only or BUNDLED:
        try:
            data = grade(name, args.jobs)
        except TargetError as exc:
            print(f"{name}: skipped ({exc})", file=sys.stderr)
            continue
        (out / f"{name}.md").write_text(conformance.markdown(data))
        (out / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        print(f"{name}: {data['checks_passed']} / {data['checks_graded']} checks passed in {data['seconds']:g} s",
              file=sys.stderr)
    matrices = [json.loads((out / f"{name}.json").read_text()) for name in BUNDLED if (out / f"{name}.json").is_file()]
    (out / "README.md").write_text(HEADER + conformance.index(matrices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
