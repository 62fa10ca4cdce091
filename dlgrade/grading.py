"""The grading layer: what every way of grading shares, so each grades a submission the same way.

`grader.py PATH` (cli.py), `grader.py batch` (batch.py), a library's tests (testing.py and its pytest plugin)
and the class report go through here to load a profile, check that the sandbox can run, grade a submission,
gather what a report shows beyond the verdicts (a failing optimizer's trajectory) and write a file atomically.
Reports only render (dlgrade.reporting runs no oracle and no sandbox); the checks only check.
"""
import argparse
import ast
import copy
import difflib
import importlib.util
import multiprocessing
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.adapters import BUNDLED, TargetError, resolve_target
from dlgrade.checks.engine import runner
from dlgrade.checks.engine.status import Status
from dlgrade.checks.policy.profile import ProfileError, load
from dlgrade.reference import optim as oracle
from dlgrade.reporting import FORMATS
from dlgrade.sandbox import IsolationUnavailable, Sandbox, cgroups, check_account, isolation, pwd_entry
from dlgrade.sandbox.submission import MAX_BYTES, remove_leftovers

SECRET_VARIABLE = "DLGRADE_SECRET"
TRAJECTORY_STEPS = 20
PLOTTED_COORDINATES = 4


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
    parser.add_argument("--seed", type=_seed, metavar="S", help="the grading seed, a whole number >= 0 "
                                                                "(default: the profile's, 0)")
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
    parser.add_argument("--fail-under", type=_percent, metavar="PERCENT",
                        help="exit 1 when the score is below PERCENT of the maximum (for a library's CI)")
    parser.add_argument("--list", action="store_true",
                        help="list the checks (with --only: those selected): points, examples, tolerance, mistake "
                             "rows, file:line of the definition")
    parser.add_argument("--explain", metavar="ID", help="print one check (or a function's or module's checks) whole: "
                                                        "doc, oracle formula, tolerance and why, mistakes, variants")
    parser.add_argument("--target", metavar="NAME",
                        help="grade a library through an adapter instead of PATH: a bundled adapter (torch, optax, "
                             "numpy_ml, keras) or an importable module path; writes its conformance matrix")
    parser.add_argument("--replay-path", metavar="PATH",
                        help="how replay lines name the submission (default: PATH as given) and, given this, the "
                             "profile by its file name: a line a student runs on their own copy, with no path of "
                             "the grading machine's (the Gradescope build passes the submitted file's name)")
    parser.add_argument("--matrix", metavar="STEM",
                        help="with --target: write the matrix to STEM.md and STEM.json (default: conformance-NAME)")
    return parser.parse_args(argv)


def _seed(text):
    """A seed as a profile's (>= 0), refused by argparse with the value echoed."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed: a whole number >= 0")
    return value


def _percent(text):
    """A percentage of the maximum score, 0 to 100, refused by argparse with the value echoed."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage from 0 to 100")
    return value


def unknown_selector_error(selectors):
    """UsageError for the first selector that names no module, function or check, with the closest names as a
    "did you mean" (a typo such as optim.adma); None when all name something."""
    unknown = runner.unknown_selectors(selectors)
    if not unknown:
        return None
    close = difflib.get_close_matches(unknown[0], sorted(runner.selector_names()), n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return UsageError(f"{unknown[0]!r} names no module, function or check{hint} (see grader.py --list)")


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
    """The report on one submission, with the command line's isolation and search: the one path by which
    `grader.py PATH` and each submission of `grader.py batch` are graded."""
    return grade(submission, profile, only=args.only, replay_prefix=replay_prefix(args), jobs=jobs,
                 worker_user=args.worker_user, trusted=args.trust_submission,
                 hidden=(*hidden_paths(args), *hidden), secret=course_secret(args))


def grade(submission, profile, **options):
    """The runner's report on one submission (options: runner.grade's): every front end grades through here,
    none through the engine directly."""
    return runner.grade(submission, profile, **options)


def write_atomically(path, text):
    """Write text to path through a temporary file beside it, so a reader sees the old file or the new one
    (synced before the rename: after a power cut too). A file name that is not UTF-8 (a surrogate escape, quoted in
    a report) is written as \\udcff: the file stays UTF-8, and writing it is no traceback."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as file:
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
    """The profile the command line names (--profile), with its --seed and --max-examples."""
    if args.max_examples is not None and args.max_examples < 1:
        raise UsageError("--max-examples must be at least 1")
    return load_profile(args.profile, seed=args.seed, max_examples=args.max_examples)


def load_profile(source=None, *, seed=None, max_examples=None):
    """The default profile overlaid with `source` (a TOML file or a bundled name; UsageError when it cannot be
    read); seed and max_examples (every check's, per-check counts dropped) replace the profile's when given."""
    try:
        profile = load(source)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    if seed is not None:
        profile.seed = seed
    if max_examples is not None:
        profile.max_examples, profile.examples = max_examples, {}
    return profile


def replay_prefix(args):
    """The start of every replay line: the command that grades this submission again, the way it was graded.
    With --replay-path, the submission is named as the student's own copy is and the profile by its file
    name (the grading machine's folders mean nothing to the student)."""
    replay_path = getattr(args, "replay_path", None)
    words = ["python", "grader.py"] + (["--target", args.target] if args.target else [replay_path or args.path])
    if args.profile:
        words += ["--profile", Path(args.profile).name if replay_path else args.profile]
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


def library_sources(target):
    """{import name: host folder or file} of the packages a --target imports whose source the sandbox does not show:
    a library installed with `pip install -e .` (a .pth path entry, or the import hook of setuptools' and hatch's
    editable wheels) or put on PYTHONPATH lies outside the interpreter's folders, and the worker (python -I -S) runs
    no .pth file. Found by the host's own import system, which has run them, without importing the packages. The
    names: the target's top-level package, the bundled adapter's requirements, and every absolute import of the
    target's files. The grader's own source is never among them, nor a namespace package (a folder without
    __init__.py, which any folder on the grader's path of that name would be: the working folder's, a home's)."""
    folder = target.path if target.path.is_dir() else target.path.parent
    names = {target.name.partition(".")[0], *getattr(BUNDLED.get(target.name), "requires", ())}
    for path in folder.rglob("*.py") if target.path.is_dir() else [target.path]:
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, OSError):
            continue
        names |= {alias.name.partition(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                  for alias in node.names}
        names |= {node.module.partition(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    roots, found = isolation.view_roots(), {}
    for name in sorted(names - set(sys.stdlib_module_names) - {"dlgrade"}):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.has_location:  # a namespace package: any folder of that name, not a library
            continue
        places = list(spec.submodule_search_locations or ())
        location = places[0] if places else spec.origin
        if not location or not os.path.exists(location):
            continue
        real, grader = os.path.realpath(location), str(isolation.GRADER_TREE)
        if any(_inside(real, r) for r in roots) or _inside(real, grader) or _inside(grader, real) \
                or real == os.path.realpath(target.path):
            continue
        found[name] = real
    return found


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def add_library_sources(submission, sources, target_name):
    """The editable libraries' sources copied into the target's snapshot, beside its modules, where the worker
    imports them, read-only like the rest of the snapshot; a UsageError saying what to do where they cannot be."""
    if not sources:
        return
    listed = ", ".join(f"{name} ({path})" for name, path in sources.items())
    if submission.layout != "package":
        raise UsageError(f"--target {target_name}: the sandbox cannot see {listed}, installed editable (pip install "
                         "-e) or on PYTHONPATH; make the target a package (a folder of the spec's modules), or "
                         "install the library without -e (pip install .)")
    total = 0
    for name, path in sources.items():
        path, destination = Path(path), Path(submission.root) / (name if Path(path).is_dir() else Path(path).name)
        if destination.exists():
            continue
        files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts] \
            if path.is_dir() else [path]
        total += sum(p.stat().st_size for p in files)
        if total > MAX_BYTES:
            raise UsageError(f"--target {target_name}: {listed} is installed editable (pip install -e) and its "
                             f"source is over {MAX_BYTES >> 20} MiB to copy into the sandbox; install it without -e "
                             "(pip install .) to grade it")
        if path.is_dir():
            shutil.copytree(path, destination, ignore=_not_copied)
        else:
            shutil.copy(path, destination)
    submission.notes.append(f"from outside the interpreter's folders (an editable install or PYTHONPATH), copied "
                            f"into the sandbox read-only: {listed}")


def _not_copied(folder, names):
    """What copytree leaves out of a library's folder: caches, hidden files, and links, which the grader (root)
    would follow to any host file (a key, /etc), as a submission's own links are left out of its snapshot."""
    return {n for n in names if n == "__pycache__" or n.startswith(".") or os.path.islink(os.path.join(folder, n))}


def attach_trajectories(report, submission, profile, *, steps=TRAJECTORY_STEPS, **sandbox):
    """For the first failing check of each optimizer whose counterexample has w, dw and config, put the
    student's and the oracle's trajectories into its details["trajectory"] (plain lists, so the JSON
    report carries them too). sandbox: the Sandbox's keywords (user, trusted, hidden), as for the grade."""
    wanted = {}
    for r in report.results:
        case = r.counterexample
        if (r.module == "optim" and r.status is Status.FAILED and r.function not in wanted
                and isinstance(case, dict) and {"w", "dw"} <= set(case)):
            wanted[r.function] = r
    if not wanted:
        return
    with Sandbox(submission, call_timeout=profile.call_timeout, import_timeout=profile.import_timeout,
                 forbidden=profile.libraries.hidden_packages(), **sandbox) as box:
        for function, r in wanted.items():
            name = function.partition(".")[2]
            w, dw = np.asarray(r.counterexample["w"], float), np.asarray(r.counterexample["dw"], float)
            config = r.counterexample.get("config") or {}

            def theirs(w_, c, name=name, dw=dw):
                return box.call("optim", name, (w_, dw, c)).value

            def ours(w_, c, rule=getattr(oracle, name), dw=dw):
                return rule(w_.copy(), dw.copy(), c)
            r.details["trajectory"] = {
                "steps": steps, "config": {k: v for k, v in config.items() if isinstance(v, (int, float))},
                "oracle": _path(ours, w, config, steps), "student": _path(theirs, w, config, steps)}


def _path(step, w, config, steps):
    """w (flattened, its first PLOTTED_COORDINATES entries) after 0 … steps steps; it ends early where the
    rule fails, returns something else than (next_w, config) of w's shape, or leaves the finite numbers."""
    points, config = [w.ravel()[:PLOTTED_COORDINATES].tolist()], copy.deepcopy(config)
    for _ in range(steps):
        try:
            next_w, config = step(w, config)
            next_w = np.asarray(next_w, dtype=float)
        except Exception:  # the submission's step failed: the trajectory ends there
            break
        if next_w.shape != w.shape or not isinstance(config, dict) or not np.all(np.isfinite(next_w)):
            break
        w = next_w
        points.append(w.ravel()[:PLOTTED_COORDINATES].tolist())
    return points


def stopped_by_signal(received, _frame):
    """A signal: stop this process's grader processes (--jobs; each runs this too), remove its scratch folders and
    its workers' cgroups (whatever is in them is killed), then exit at once with no report. (An exception raised
    here could land in code that ignores it.)"""
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(5)
        remove_leftovers(child.pid)
    remove_leftovers(os.getpid())
    cgroups.remove_mine()
    os._exit(128 + received)
