"""dlgrade: grade a deep-learning assignment submission against the oracle.

    python grader.py PATH [--results results.json] [--only optim.adam] [--format text|md|json|junit|html]
    python grader.py batch SUBMISSIONS --out DIR [--jobs N] [--regrade] [--dask ADDRESS]   (a whole class)

PATH is a folder of modules (optim.py, layers.py, …), one .py, a .ipynb or a .zip.
Exit status: 0 when grading completed and the report was written (whatever the score), 2 on a usage
error (a bad path, or no OS sandbox here without --trust-submission); with --fail-under P, 1 when the
score is below P percent of the maximum; 3 when the grader itself failed (with a message, no traceback).
"""
import argparse
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade import catalog
from dlgrade.adapters import TargetError, resolve_target
from dlgrade.checks.engine import runner
from dlgrade.checks.policy.profile import ProfileError, load
from dlgrade.reporting import FORMATS, conformance, gradescope, render
from dlgrade.reporting.html import attach_trajectories
from dlgrade.sandbox import IsolationUnavailable, SubmissionError, check_account, isolation, pwd_entry, resolve

SECRET_VARIABLE = "DLGRADE_SECRET"


class UsageError(Exception):
    pass


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="grader.py", description="Grade a submission of the deep-learning formulas assignment.")
    parser.add_argument("path", nargs="?", help="folder of modules, a .py, a .ipynb or a .zip")
    parser.add_argument("--results", metavar="FILE", help="also write Gradescope's results.json to FILE")
    parser.add_argument("--only", action="append", default=[], metavar="SELECTOR",
                        help="grade only a module (optim), a function (optim.adam) or one check id; repeatable")
    parser.add_argument("--max-examples", type=int, metavar="N", help="Hypothesis examples per property check")
    parser.add_argument("--seed", type=int, metavar="S", help="the grading seed (default: the profile's, 0)")
    parser.add_argument("--profile", metavar="FILE", help="a grading profile (a TOML file, or a bundled one by name: "
                                                          "cs231n, lecture-notes) overlaid on the default")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format on stdout")
    parser.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                        help="grader processes, each with its own worker (default: CPUs, at most 4)")
    parser.add_argument("--worker-user", metavar="USER",
                        help="start the sandbox (or, with --trust-submission, the worker) as this unprivileged "
                             "account; the grader runs as root")
    parser.add_argument("--trust-submission", action="store_true",
                        help="run the submission without the OS sandbox (bubblewrap), as a separate process only: "
                             "for code you trust, where the kernel has no user namespaces")
    parser.add_argument("--secret", metavar="SECRET",
                        help=f"the course secret: each submission meets its own examples, drawn from a seed derived "
                             f"from it and the submission (default: ${SECRET_VARIABLE}; ignored with --seed)")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="exit 1 when the score is below PERCENT of the maximum (for a library's CI)")
    parser.add_argument("--list", action="store_true",
                        help="list the checks (with --only: those selected): points, examples, tolerance, mistake "
                             "rows, file:line of the definition")
    parser.add_argument("--explain", metavar="ID", help="print one check (or a function's or module's checks) whole: "
                                                        "doc, oracle formula, tolerance and why, mistakes, variants")
    parser.add_argument("--target", metavar="NAME",
                        help="grade a library through an adapter instead of PATH: a bundled adapter (torch, optax, "
                             "numpy_ml, keras) or an importable module path; writes its conformance matrix")
    parser.add_argument("--matrix", metavar="STEM",
                        help="with --target: write the matrix to STEM.md and STEM.json (default: conformance-NAME)")
    return parser.parse_args(argv)


def default_jobs():
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def check_worker_user(user, submission, trusted=True):
    """Refuse up front (UsageError) a --worker-user that cannot run the worker (trusted) or the sandbox."""
    if user is None:
        return
    try:
        if trusted:
            check_account(user, [submission.root] if submission.layout == "package" else [])
        else:
            account = pwd_entry(user)
            isolation.choose(account.pw_uid, account.pw_gid)
    except PermissionError as exc:
        raise UsageError(f"--worker-user: {exc}") from None
    except IsolationUnavailable as exc:
        raise UsageError(f"--worker-user: the account {user!r} cannot start the sandbox: {exc}") from None


def check_isolation(args, argv=()):
    """An OS sandbox must run here (bubblewrap, else the Landlock tier) unless the user trusts the submission;
    UsageError saying why none can and what would change that. In the Landlock tier, a warning when the
    secret is on the command line (no PID namespace there: other processes of the host can read it)."""
    if args.trust_submission:
        return
    try:
        box = isolation.choose(*_account_ids(args.worker_user))
    except IsolationUnavailable as exc:
        raise UsageError(f"no sandbox can run here: {exc}. Untrusted code is graded only inside a sandbox; "
                         f"--trust-submission is for code you trust") from None
    if not isinstance(box, isolation.Bubblewrap) and any(a == "--secret" or a.startswith("--secret=") for a in argv):
        print(f"grader.py: warning: the course secret is on the command line, which every process of this machine "
              f"can read (the Landlock tier has no PID namespace); pass it in ${SECRET_VARIABLE} instead",
              file=sys.stderr)


def _account_ids(user):
    if user is None:
        return None, None
    account = pwd_entry(user)
    return account.pw_uid, account.pw_gid


def hidden_paths(args):
    """The grader's own inputs and outputs, which the worker must not see."""
    return tuple(p for p in (args.profile, args.results, args.matrix) if p)


def course_secret(args):
    """The secret of a per-submission search, unless --seed asks for one seed (a replay)."""
    if args.seed is not None:
        return None
    return args.secret or os.environ.get(SECRET_VARIABLE) or None


def grade_submission(args, profile, submission, *, jobs, hidden=()):
    """The runner's report on one submission, with the command line's isolation and search: the one path
    by which `grader.py PATH` and each submission of `grader.py batch` are graded."""
    return runner.grade(submission, profile, only=args.only, replay_prefix=replay_prefix(args), jobs=jobs,
                        worker_user=args.worker_user, trusted=args.trust_submission,
                        hidden=(*hidden_paths(args), *hidden), secret=course_secret(args))


def write_atomically(path, text):
    """Write text to path through a temporary file beside it, so a reader sees the old file or the new one
    (synced before the rename: after a power cut too)."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def build_profile(args):
    try:
        profile = load(args.profile)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    if args.seed is not None:
        profile.seed = args.seed
    if args.max_examples is not None:
        if args.max_examples < 1:
            raise UsageError("--max-examples must be at least 1")
        profile.max_examples, profile.examples = args.max_examples, {}
    return profile


def replay_prefix(args):
    words = ["python", "grader.py"] + (["--target", args.target] if args.target else [args.path])
    if args.profile:
        words += ["--profile", args.profile]
    if args.max_examples is not None:
        words += ["--max-examples", str(args.max_examples)]
    return " ".join(shlex.quote(w) for w in words)


def find_target(name, profile):
    """The adapter --target names; the profile's import timeout raised to what the library needs."""
    try:
        target = resolve_target(name)
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    target.widen(profile)
    return target


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["batch"]:  # grader.py batch SUBMISSIONS --out DIR: a whole class (dlgrade/batch.py)
        from dlgrade import batch
        return batch.main(argv[1:])
    args = parse_args(argv)
    try:
        profile = build_profile(args)
        selectors = args.only + ([args.explain] if args.explain else [])
        unknown = runner.unknown_selectors(selectors)
        if unknown:
            raise UsageError(f"{unknown[0]!r} names no module, function or check (see grader.py --list)")
        for old, now in runner.renamed_selectors(selectors):
            print(f"grader.py: note: {old!r} is the old id of check {now}; use {now}", file=sys.stderr)
        if args.list or args.explain:
            print("\n".join(catalog.explain(profile, [args.explain]) if args.explain
                            else catalog.list_checks(profile, args.only)))
            return 0
        if bool(args.path) == bool(args.target):
            raise UsageError("give the submission's PATH (a folder, a .py, a .ipynb or a .zip) or --target NAME")
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        target = find_target(args.target, profile) if args.target else None
        submission = resolve(target.path) if target else resolve(args.path, package=profile.package)
        check_worker_user(args.worker_user, submission, args.trust_submission)
        check_isolation(args, argv)
    except (UsageError, SubmissionError) as exc:
        print(f"grader.py: error: {exc}", file=sys.stderr)
        return 2
    try:
        report = grade_submission(args, profile, submission, jobs=args.jobs)
        if args.format == "html":  # a failing optimizer's trajectory, plotted on the page
            attach_trajectories(report, submission, profile, user=args.worker_user, trusted=args.trust_submission,
                                hidden=hidden_paths(args))
        text = render(report, args.format, color=args.format == "text" and sys.stdout.isatty())
    except Exception as exc:  # a bug of the grader's: a sentence, never a traceback, and no report
        print(f"grader.py: internal error, no report written ({type(exc).__name__}: {exc}); please report it",
              file=sys.stderr)
        return 3
    finally:
        submission.cleanup()
    print(text, end="")
    if target:
        written = conformance.write(report, target, args.matrix or f"conformance-{args.target}")
        print(f"conformance matrix: {written}", file=sys.stderr)
    if args.results:
        try:
            write_atomically(args.results, json.dumps(gradescope(report), indent=2))
        except OSError as exc:
            print(f"grader.py: error: cannot write {args.results}: {exc}", file=sys.stderr)
            return 2
    if args.fail_under is not None and report.score < args.fail_under / 100 * report.max_score:
        return 1
    return 0


def entry_point():
    """`python grader.py …` and the `dlgrade` console script: main() with a closed pipe (| head) as success.
    SIGTERM and SIGHUP end it with nothing left behind (stopped_by_signal)."""
    import signal
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, stopped_by_signal)
    try:
        return main()
    except BrokenPipeError:  # the reader went away
        return 0


def stopped_by_signal(received, _frame):
    """A signal: stop this process's grader processes (--jobs; each runs this too), remove its scratch folders and
    its workers' cgroups (whatever is in them is killed), then exit at once with no report. (An exception raised
    here could land in code that ignores it.)"""
    import multiprocessing

    from dlgrade.sandbox import cgroups, submission
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(5)
        submission.remove_leftovers(child.pid)
    submission.remove_leftovers(os.getpid())
    cgroups.remove_mine()
    os._exit(128 + received)


if __name__ == "__main__":
    sys.exit(entry_point())
