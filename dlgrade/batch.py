"""Grade a whole class: `grader.py batch SUBMISSIONS --out DIR [--jobs N] [--regrade] [--dask ADDRESS]`.

SUBMISSIONS holds one entry per student (a folder, a .py, a .ipynb or a .zip), or is a Gradescope
"export submissions" folder, whose submission_metadata.yml names the students of each entry.
Each submission is graded on its own, by the same path as `grader.py PATH` (its own sandbox, jobs=1),
in a fresh process of a pool of N, or as one task on a Dask cluster. As each completes its results
are written atomically under DIR/submissions/KEY/:

    report.json    the runner's report (the JSON format)
    report.html    the student's page (the HTML format), linked from the class report's roster
    results.json   Gradescope's results.json
    record.json    written last, the commit point: status, the submission's SHA-256, the settings

DIR/manifest.json indexes the records. A record is final (never graded again without --regrade)
when the submission was graded or could not be read; an entry that broke the grader itself is
recorded as such and retried on the next run; an entry whose files changed since is graded anew.
At the end (or with --report-only, without grading) DIR/gradebook.csv and the class report
(DIR/class.md, DIR/class.html) are written from the stored records; the class report flags submissions
whose code is identical (same_code).
"""
import argparse
import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from urllib.parse import quote

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from dlgrade import __version__
from dlgrade.grading import (
    UsageError,
    build_profile,
    check_isolation,
    check_worker_user,
    course_secret,
    default_jobs,
    grade_submission,
    stopped_by_signal,
    unknown_selector_error,
    write_atomically,
)
from dlgrade.grading import parse_args as grading_options
from dlgrade.reporting import gradescope, gradescope_not_graded, render
from dlgrade.reporting.failures import import_failures
from dlgrade.sandbox import SubmissionError, resolve
from dlgrade.sandbox.submission import MAX_ZIP_BYTES, MAX_ZIP_FILES, remove_leftovers, scratch_folder

GRADED, UNGRADABLE, GRADER_ERROR = "graded", "ungradable", "grader_error"
FINAL = (GRADED, UNGRADABLE)
METADATA = "submission_metadata.yml"
SKIPPED = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", METADATA}
SUFFIXES = (".py", ".ipynb", ".zip")
DEFAULT_TIMEOUT = 3600.0
_GRADING = threading.Lock()  # one grade at a time per process (a Dask worker may run several threads)


@dataclass
class Entry:
    """One submission of the class: `key` names its folder of results; students: [{id, name, email}]."""
    key: str
    path: str
    students: list = field(default_factory=list)


@dataclass
class Task:
    """What one grade needs, as plain data (it travels to a pool process or a Dask worker): the submission,
    the profile, and the options of `grader.py PATH` (args, its path this submission's) that grade it."""
    key: str
    path: str
    profile: object
    args: argparse.Namespace
    hidden: tuple = ()         # more paths the worker must not see (the class, the results)
    files: dict | None = None  # shipped to a cluster: relative path -> bytes (None: read `path` here)


# --- finding the submissions ----------------------------------------------------------------

def discover(root):
    """The entries of SUBMISSIONS in name order; a Gradescope export's metadata names the students."""
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{root}: SUBMISSIONS must be a folder with one entry per student")
    metadata = root / METADATA
    if metadata.is_file():
        return _from_gradescope(root, metadata)
    entries = []
    for path in sorted(root.iterdir()):
        if path.name in SKIPPED or path.name.startswith(".") or not (path.is_dir() or path.suffix.lower() in SUFFIXES):
            continue
        stem = path.name if path.is_dir() else path.stem
        entries.append(Entry(path.name, str(path), [{"id": stem, "name": "", "email": ""}]))
    return entries


def _from_gradescope(root, metadata):
    """Gradescope's export: submission_ID/ folders and a YAML map of them to their :submitters:."""
    import yaml

    try:
        data = yaml.load(metadata.read_text(errors="replace"), Loader=_ruby_tolerant_loader()) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{metadata}: not readable YAML ({exc})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{metadata}: expected a map of submission folders to their submitters")
    entries = []
    for key in sorted(data, key=str):
        path = root / str(key)
        if not path.exists():
            continue
        submitters = _field(data[key], "submitters") or []
        students = [{"id": str(_field(s, "sid") or ""), "name": str(_field(s, "name") or ""),
                     "email": str(_field(s, "email") or "")} for s in submitters if isinstance(s, dict)]
        entries.append(Entry(str(key), str(path), students or [{"id": str(key), "name": "", "email": ""}]))
    return entries


def _field(mapping, name):
    """A Gradescope key, written as a Ruby symbol (':name') or plainly."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(f":{name}", mapping.get(name))


def _ruby_tolerant_loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """Safe loading that reads Ruby's tagged objects (!ruby/object:BigDecimal …) as plain values."""

    def plain(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)
    Loader.add_multi_constructor("!ruby/", plain)
    return Loader


def digest(path):
    """SHA-256 of a submission's bytes (a folder: its files' relative paths and contents, sorted)."""
    h = hashlib.sha256()
    for relative, data in _files(Path(path)):
        h.update(relative.encode(errors="surrogateescape") + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def _files(path):
    if path.is_file():
        yield path.name, path.read_bytes()
        return
    for item in sorted(path.rglob("*")):
        if item.is_file() and not item.is_symlink() and not set(item.relative_to(path).parts) & SKIPPED:
            yield str(item.relative_to(path)), item.read_bytes()


# --- identical submissions -------------------------------------------------------------------------

def same_code(path):
    """A digest of the code a submission holds, equal for submissions that are the same code however handed in:
    its .py files and its notebooks' code cells, each under its file name (the folders above it, a zip's or the
    submission's own, left out; a submission that is one file is named by its kind alone), with line endings,
    trailing spaces and blank lines normalized. Comments and names count; data files, notebook outputs and
    metadata do not. None when it holds no code (or cannot be read: the grade says why)."""
    try:
        sources = sorted((Path(name).name, _normalized(name, data)) for name, data in _sources(Path(path)))
    except (OSError, ValueError, AttributeError, TypeError, zipfile.BadZipFile):
        return None
    if not sources:
        return None
    h = hashlib.sha256()
    for name, text in sources:
        h.update(name.encode(errors="surrogateescape") + b"\0" + text.encode(errors="surrogateescape") + b"\0")
    return h.hexdigest()


def _sources(path):
    """(name, bytes) of the .py and .ipynb files of a folder, a zip or the file itself, bounded like a zip."""
    if path.suffix.lower() == ".zip" and path.is_file():
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if Path(m.filename).suffix.lower() in (".py", ".ipynb")
                       and not set(Path(m.filename).parts) & SKIPPED]
            if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise ValueError("too large")
            return [(m.filename, archive.read(m)) for m in members]
    if path.is_file():  # a class of alice.py, bob.py: the name is the student's, not the code's
        return [(f"submission{path.suffix.lower()}", path.read_bytes())] if path.suffix.lower() in (".py", ".ipynb") \
            else []
    return [(name, data) for name, data in _files(path) if Path(name).suffix.lower() in (".py", ".ipynb")
            and not any(part.startswith(".") for part in Path(name).parts)]  # as the grader's snapshot leaves them


def _normalized(name, data):
    text = data.decode("utf-8", errors="replace")
    if name.lower().endswith(".ipynb"):
        cells = json.loads(text).get("cells", [])
        text = "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                         for c in cells if isinstance(c, dict) and c.get("cell_type") == "code")
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


# --- grading one submission (in a pool process or on a Dask worker) ------------------------------

def grade_one(task):
    """The outcome of one submission, as plain data: {status, message, report, gradescope, seconds}.

    The same path as `grader.py PATH` (grade_submission: its sandbox, its per-submission search from
    a course secret), with jobs=1. A submission that cannot be read is UNGRADABLE (with the loader's
    message); anything else that escapes, a machine that cannot start the sandbox included, is a
    GRADER_ERROR, and the batch goes on."""
    started, path, args = time.perf_counter(), task.path, task.args
    with _GRADING:
        try:
            with _materialized(task) as path:
                submission = resolve(path, package=getattr(task.profile, "package", ""))  # as grader.py PATH
                try:
                    submission.display = task.path
                    check_worker_user(args.worker_user, submission, args.trust_submission)
                    check_isolation(args)
                    report = grade_submission(args, task.profile, submission, jobs=1, hidden=task.hidden)
                finally:
                    submission.cleanup()
        except SubmissionError as exc:  # said of the path the class was handed in at
            return {"status": UNGRADABLE, "message": str(exc).replace(path, task.path),
                    "seconds": time.perf_counter() - started}
        except Exception as exc:  # a bug of the grader's: recorded, never the end of the batch
            return {"status": GRADER_ERROR, "message": f"{type(exc).__name__}: {exc}".replace(path, task.path),
                    "traceback": traceback.format_exc(), "seconds": time.perf_counter() - started}
    return {"status": GRADED, "message": "", "report": json.loads(render(report, "json")),
            "page": render(report, "html"), "gradescope": gradescope(report), "seconds": time.perf_counter() - started}


class _materialized:
    """The task's submission on this machine: its own path, or its shipped files in a scratch folder."""

    def __init__(self, task):
        self.task, self._tmp = task, None

    def __enter__(self):
        if self.task.files is None:
            return self.task.path
        self._tmp = scratch_folder("shipped")
        base = Path(self._tmp.name).resolve()
        for relative, data in self.task.files.items():
            target = (base / relative).resolve()
            if not target.is_relative_to(base):
                raise SubmissionError(f"{self.task.path}: unsafe path {relative!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return str(base / Path(self.task.path).name)

    def __exit__(self, *exc):
        if self._tmp is not None:
            self._tmp.cleanup()


def ship(task):
    """The task with its files attached (under the entry's own name), for a machine that cannot see
    `path`; limited like a zip."""
    path = Path(task.path)
    prefix = f"{path.name}/" if path.is_dir() else ""
    files, size = {}, 0
    every = [(str(p.relative_to(path)), p) for p in sorted(path.rglob("*"))] if path.is_dir() else [(path.name, path)]
    for relative, data in ((r, p.read_bytes()) for r, p in every if p.is_file() and not p.is_symlink()):
        size += len(data)
        if len(files) >= MAX_ZIP_FILES or size > MAX_ZIP_BYTES:
            raise SubmissionError(f"{task.path}: more than {MAX_ZIP_FILES} files or {MAX_ZIP_BYTES >> 20} MiB, "
                                  "too large to send to the cluster")
        files[prefix + relative] = data
    return dataclasses.replace(task, files=files)


def _child(connection, task):
    """A pool process: dies with the batch, leaves Ctrl-C to it, cleans its sandbox up on SIGTERM."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stopped_by_signal)  # its scratch folders and workers removed, then gone
    outcome = grade_one(task)
    try:
        connection.send(outcome)
    except OSError:  # the batch stopped (Ctrl-C) while this grade finished: nothing left to tell
        pass


def _die_with_parent():
    """Linux: SIGTERM when the parent goes (the batch was killed), so no grade outlives it."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:
        sys.exit(1)


# --- the results folder --------------------------------------------------------------------------

def write_atomic(path, text):
    """write_atomically (a temporary file, synced, then renamed), its folder made first."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)


class Store:
    """DIR: each submission's results, the records that say which are done, the manifest, the log."""

    def __init__(self, out):
        self.out = Path(out)
        self.folder = self.out / "submissions"

    def record(self, key):
        try:
            return json.loads((self.folder / key / "record.json").read_text())
        except (OSError, ValueError):
            return None

    def records(self):
        found = {}
        if self.folder.is_dir():
            for path in sorted(self.folder.iterdir()):
                record = self.record(path.name)
                if record is not None:
                    found[path.name] = record
        return found

    def report(self, key):
        try:
            return json.loads((self.folder / key / "report.json").read_text())
        except (OSError, ValueError):
            return None

    def save(self, entry, outcome, sha256, fingerprint):
        """The submission's files, then its record (the commit point), then the manifest and the log."""
        folder = self.folder / entry.key
        for name in ("report.json", "report.html", "results.json"):
            (folder / name).unlink(missing_ok=True)
        if outcome["status"] == GRADED:
            write_atomic(folder / "report.json", json.dumps(outcome["report"], indent=2))
            if outcome.get("page"):
                write_atomic(folder / "report.html", outcome["page"])
        if outcome["status"] in FINAL:
            write_atomic(folder / "results.json", json.dumps(outcome.get("gradescope") or _ungradable(outcome),
                                                             indent=2))
        record = {"key": entry.key, "path": entry.path, "students": entry.students, "status": outcome["status"],
                  "message": outcome["message"], "sha256": sha256, "settings": fingerprint,
                  "seconds": round(outcome["seconds"], 3), "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                      time.gmtime())}
        if "report" in outcome:
            record["score"], record["max_score"] = outcome["report"]["score"], outcome["report"]["max_score"]
        if "traceback" in outcome:
            record["traceback"] = outcome["traceback"]
        write_atomic(folder / "record.json", json.dumps(record, indent=2))
        return record

    def write_manifest(self, settings, entries, records):
        manifest = {"dlgrade": __version__, "settings": settings,
                    "submissions": {e.key: _index(records.get(e.key)) for e in entries}}
        write_atomic(self.out / "manifest.json", json.dumps(manifest, indent=2))

    def log(self, event, **fields):
        with open(self.out / "batch.log", "a") as file:
            file.write(json.dumps(dict(event=event, time=round(time.time(), 3), pid=os.getpid(), **fields)) + "\n")

    def settings(self):
        try:
            return json.loads((self.out / "manifest.json").read_text())["settings"]
        except (OSError, ValueError, KeyError):
            return None


def _index(record):
    if record is None:
        return {"status": "pending"}
    return {k: record[k] for k in ("status", "sha256", "score", "max_score", "seconds") if k in record}


def _ungradable(outcome):
    return gradescope_not_graded(f"this submission cannot be graded: {outcome['message']}")


# --- the gradebook -------------------------------------------------------------------------------

GRADEBOOK_HEAD = ("student_id", "name", "email", "submission", "status", "total", "max_score")


EXCEL_BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only after this mark (else in the system's code page)


def gradebook(entries, store):
    """CSV text: one row per student; a column per function (its points), in the reports' order. It starts with
    the UTF-8 byte order mark, so Excel keeps accented names (LibreOffice, Sheets and csv's utf-8-sig skip it)."""
    records = store.records()
    reports = {e.key: store.report(e.key) for e in entries if records.get(e.key, {}).get("status") == GRADED}
    functions = list(dict.fromkeys(c["function"] for r in reports.values() if r for c in r["checks"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*GRADEBOOK_HEAD, *functions, "note"])
    for entry in entries:
        record, report = records.get(entry.key), reports.get(entry.key)
        status = record["status"] if record else "pending"
        if report:
            points = {f: 0.0 for f in functions}
            for c in report["checks"]:
                points[c["function"]] += c["score"]
            scores = [_number(report["score"]), _number(report["max_score"]), *(_number(points[f]) for f in functions)]
        else:
            scores = ["0" if status == UNGRADABLE else "", "", *([""] * len(functions))]
        note = _cell(_note(record, report)) if record else "not graded yet"
        for student in entry.students:
            writer.writerow([*map(_cell, (student["id"], student["name"], student["email"], entry.key)), status,
                             *scores, note])
    return EXCEL_BOM + buffer.getvalue()


def _note(record, report):
    """The gradebook's note: why a submission was not graded, or the modules a graded one could not import and
    what the grading environment lacked (checks left 0 of 0: that student's maximum is smaller)."""
    if not report:
        return record["message"]
    failures = import_failures(report["checks"])
    return "; ".join([*(f"importing {module} failed: {reason}" for module, reason in failures.items()),
                      *(f"GRADING ENVIRONMENT: {line}" for line in report.get("environment_problems") or [])])


FORMULA_STARTS = ("=", "+", "-", "@")


def _number(x):
    return f"{round(x, 4):g}"


def _cell(text):
    """Text a submission or its metadata controls (ids, names, emails, folder names, messages) in a spreadsheet:
    one line, and never a formula: a leading = + - @ (what Excel, LibreOffice and Google Sheets read as one;
    tabs and carriage returns are gone with the other whitespace) is quoted by a leading apostrophe."""
    text = " ".join(str(text).split())[:300]
    return "'" + text if text[:1] in FORMULA_STARTS else text


# --- running the batch ---------------------------------------------------------------------------

NOT_IN_BATCH = ("results", "target", "matrix", "list", "explain", "fail_under")


def parse_args(argv):
    """(batch options, the options of `grader.py PATH` that grade each submission)."""
    parser = argparse.ArgumentParser(
        prog="grader.py batch", usage="grader.py batch SUBMISSIONS --out DIR [options]",
        description="Grade every submission of a class, resumably; write a gradebook and a class report.",
        epilog="Every option of `grader.py PATH` that decides how a submission is graded applies to each one: "
               "--only, --max-examples, --seed, --profile, --worker-user, --trust-submission, --secret.")
    parser.add_argument("submissions", metavar="SUBMISSIONS",
                        help="a folder with one entry per student, or a Gradescope export folder")
    parser.add_argument("--out", required=True, metavar="DIR", help="results, gradebook.csv and the class report")
    parser.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                        help="submissions graded at once, each in its own process (default: CPUs, at most 4)")
    parser.add_argument("--regrade", action="store_true", help="grade every submission again, even finished ones")
    parser.add_argument("--report-only", action="store_true",
                        help="grade nothing: write the gradebook and the class report from the stored results")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run one task per submission on this Dask scheduler (tcp://host:8786)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop one submission's grade after this long (default {DEFAULT_TIMEOUT:g}; local runs)")
    args, rest = parser.parse_known_args(argv)
    grading = grading_options([args.submissions, *rest])
    given = [name for name in NOT_IN_BATCH if getattr(grading, name, None)]
    if given or grading.format != "text":
        raise UsageError(f"--{(given or ['format'])[0].replace('_', '-')} is an option of grader.py PATH, "
                             "not of batch (batch writes every submission's reports under --out)")
    return args, grading


def settings_of(grading, profile):
    """What decides a verdict; stored in the manifest, so a resumed batch grades the rest the same way. The
    course secret appears as a digest: each report's seed and hash already tie it down as much."""
    secret = course_secret(grading)
    settings = {"profile": dataclasses.asdict(profile), "only": sorted(grading.only),
                "secret": hashlib.sha256(b"dlgrade-batch\0" + secret.encode()).hexdigest()[:16] if secret else None,
                "trust_submission": grading.trust_submission}
    return json.loads(json.dumps(settings, default=_plain))  # as the manifest will read back (tuples as lists)


def _plain(value):
    return sorted(value, key=str) if isinstance(value, (set, frozenset)) else str(value)


def main(argv):
    try:
        args, grading = parse_args(argv)
        profile = build_profile(grading)
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if args.timeout <= 0:
            raise UsageError("--timeout must be positive")
        unknown = unknown_selector_error(grading.only)
        if unknown:
            raise UsageError(f"--only {unknown}")
        entries = discover(args.submissions)
        store = Store(args.out)
        out = Path(args.out).resolve()
        entries = [e for e in entries if not out.is_relative_to(Path(e.path).resolve())
                   and Path(e.path).resolve() != out]
        if not entries:
            raise UsageError(f"{args.submissions}: no submissions found (folders, .py, .ipynb or .zip)")
        settings = settings_of(grading, profile)
        stored = store.settings()
        if not args.report_only and not args.regrade and stored is not None and stored != settings:
            raise UsageError(f"{args.out} holds results graded with other settings; give --regrade to grade "
                                 "everything again with these, or another --out")
        if not args.report_only and not args.dask:
            check_isolation(grading)  # here, once: each pool process would say the same
        _make_out(store.out)
    except UsageError as exc:
        print(f"grader.py batch: error: {exc}", file=sys.stderr)
        return 2
    interrupted = False
    if not args.report_only:
        todo = plan(entries, store, settings, args.regrade)
        if not todo and not args.regrade:
            print(f"all {len(entries)} submissions already graded (give --regrade to grade them again)",
                  file=sys.stderr)
        store.write_manifest(settings, entries, store.records())
        hidden = (str(out), str(Path(args.submissions).resolve()))
        tasks = [Task(e.key, e.path, profile, argparse.Namespace(**dict(vars(grading), path=e.path)), hidden)
                 for e, _ in todo]
        interrupted = run(todo, tasks, store, settings, entries, jobs=args.jobs, dask=args.dask,
                          timeout=args.timeout)
    write_reports(entries, store)
    return 130 if interrupted else 0


def _make_out(out):
    """The --out folder, made if missing; UsageError saying why it cannot be (a file of that name, no right)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: a file of that name exists; give a folder for the results "
                         "(a new one is made)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot make this folder ({exc.strerror or exc})") from None


def plan(entries, store, settings, regrade):
    """(entry, sha256) of the entries to grade: all with `regrade`, else those without a final record for
    the same files and settings."""
    todo = []
    for entry in entries:
        sha256 = digest(entry.path)
        record = store.record(entry.key)
        done = (record is not None and record["status"] in FINAL and record["sha256"] == sha256
                and record["settings"] == settings)
        if regrade or not done:
            todo.append((entry, sha256))
    return todo


def run(todo, tasks, store, settings, entries, *, jobs, dask, timeout):
    """Grade the tasks (pool or Dask), saving each as it completes; True when interrupted (Ctrl-C)."""
    by_key = {entry.key: (entry, sha256) for entry, sha256 in todo}
    records = store.records()
    counts = {UNGRADABLE: 0, GRADER_ERROR: 0}
    console = Console(stderr=True)
    progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[errors]}"), TimeElapsedColumn(), TextColumn("left"),
                        TimeRemainingColumn(), console=console)
    started = time.perf_counter()

    def done(key, outcome):
        entry, sha256 = by_key[key]
        records[key] = store.save(entry, outcome, sha256, settings)
        store.write_manifest(settings, entries, records)
        store.log(outcome["status"], key=key, seconds=round(outcome["seconds"], 3))
        if outcome["status"] in counts:
            counts[outcome["status"]] += 1
            progress.console.print(f"{key}: {outcome['status'].replace('_', ' ')}: {_cell(outcome['message'])}",
                                   markup=False, highlight=False, soft_wrap=True)
        progress.update(bar, advance=1, errors=f"{counts[UNGRADABLE]} ungradable, {counts[GRADER_ERROR]} grader errors")

    with progress:
        bar = progress.add_task("grading", total=len(entries), completed=len(entries) - len(todo),
                                errors="0 ungradable, 0 grader errors")
        store.log("start", submissions=len(tasks), jobs=jobs, dask=dask)
        try:
            if dask:
                _run_dask(dask, tasks, done)
            else:
                _run_local(tasks, done, jobs, timeout)
        except KeyboardInterrupt:
            store.log("interrupted")
            console.print(f"interrupted: {len(records)} of {len(entries)} recorded; run the same command again to "
                          "grade the rest")
            return True
    seconds = time.perf_counter() - started
    if tasks:
        console.print(f"graded {len(tasks)} submissions in {seconds:.1f} s ({seconds / len(tasks):.2f} s each, "
                      f"{'Dask' if dask else f'{jobs} at a time'})", highlight=False)
    store.log("end", seconds=round(seconds, 3))
    return False


def _pool_context():
    """forkserver where it can listen: its socket lies in the temporary folder, and a path longer than AF_UNIX
    takes (108 bytes; a long TMPDIR) failed the batch at its first grade; spawn then."""
    methods = multiprocessing.get_all_start_methods()
    socket = os.path.join(tempfile.gettempdir(), "pymp-xxxxxxxx", "listener-xxxxxxxx")
    listens = len(os.fsencode(socket)) < 104
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods and listens else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["dlgrade.batch"])  # each grade starts from warm imports
    return context


def _run_local(tasks, done, jobs, timeout):
    """A pool of `jobs` processes, a fresh one per submission: one that dies or overruns costs only its own.

    The timeout is a deadline, not a poll: the pool wakes when the earliest grade is due, and a grade
    past its deadline is stopped as overrun even if its result is already waiting (its clock starts
    before its process does, so a grade that took longer than `timeout` can never be accepted)."""
    context = _pool_context()
    remove_leftovers()  # of a batch that crashed
    waiting, running = list(reversed(tasks)), {}
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                task = waiting.pop()
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(send, task), daemon=True)
                since = time.monotonic()
                with _ctrl_c_deferred():
                    process.start()
                send.close()
                running[receive] = (task, process, since)
            due = min(since for _, _, since in running.values()) + timeout
            ready = wait([*running, *(p.sentinel for _, p, _ in running.values())],
                         timeout=max(0.0, due - time.monotonic()))
            for receive, (task, process, since) in list(running.items()):
                outcome = None
                if time.monotonic() - since > timeout:
                    outcome = {"status": GRADER_ERROR, "seconds": time.monotonic() - since,
                               "message": f"grading took longer than {timeout:g} s and was stopped"}
                elif receive in ready or process.sentinel in ready:
                    try:
                        outcome = receive.recv() if receive.poll() else None
                    except (EOFError, OSError):
                        outcome = None
                    if outcome is None:
                        process.join(5)
                        outcome = _died(process)
                else:
                    continue
                _stop(process)
                remove_leftovers(process.pid)  # a process stopped or killed mid-grade could not clean up
                receive.close()
                del running[receive]
                done(task.key, outcome)
    finally:
        for receive, (_, process, _) in running.items():
            _stop(process)
            remove_leftovers(process.pid)
            receive.close()


@contextlib.contextmanager
def _ctrl_c_deferred():
    """Ctrl-C held back while a pool process starts, and raised right after.

    A start is a request to the forkserver, which shares the terminal's process group: interrupted half-sent,
    the forkserver printed a traceback over the batch's "run the same command again". (A signal mask would not
    do: the progress bar's thread would take the signal.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)


def _died(process):
    code = process.exitcode
    how = (f"killed by {signal.Signals(-code).name}" if code is not None and code < 0
           else f"exited with status {code}")
    return {"status": GRADER_ERROR, "seconds": 0.0, "message": f"the grading process {how} before it reported"}


def _stop(process):
    if process.is_alive():
        process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
    process.join()


def _run_dask(address, tasks, done):
    """One task per submission on the scheduler at `address`, its files shipped; results as they complete."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise UsageError("--dask needs dask.distributed: pip install 'dlgrade[dask]'") from None
    with Client(address) as client:
        keys = {}
        for task in tasks:
            try:
                shipped = ship(task)
            except SubmissionError as exc:
                done(task.key, {"status": UNGRADABLE, "message": str(exc), "seconds": 0.0})
                continue
            future = client.submit(grade_one, shipped, key=f"dlgrade-{task.key}-{os.urandom(4).hex()}", pure=False)
            keys[future] = task.key
        try:
            for future in as_completed(list(keys)):
                try:
                    outcome = future.result()
                except Exception as exc:  # the task failed on the cluster (a lost worker, …)
                    outcome = {"status": GRADER_ERROR, "seconds": 0.0,
                               "message": f"the cluster could not run this grade ({type(exc).__name__}: {exc})"}
                done(keys[future], outcome)
        finally:
            client.cancel(list(keys))


def write_reports(entries, store):
    """gradebook.csv, class.md (its plots in class_files/) and the self-contained class.html, from the stored
    records (nothing is graded here)."""
    write_atomic(store.out / "gradebook.csv", gradebook(entries, store))
    try:
        from dlgrade.reporting import classreport
    except ImportError as exc:  # matplotlib is the optional extra `batch`
        print(f"grader.py batch: no class report ({exc}): pip install 'dlgrade[batch]'", file=sys.stderr)
        return
    summary = classreport.summarize(classreport.records_of(entries, store),
                                    same_code={e.key: same_code(e.path) for e in entries if os.path.exists(e.path)})
    images = classreport.plots(summary) if summary.students else {}
    folder = store.out / "class_files"
    folder.mkdir(parents=True, exist_ok=True)
    for name, image in images.items():
        (folder / f"{name}.png").write_bytes(image)
    pages = {e.key: f"submissions/{quote(e.key, errors='surrogateescape')}/report.html" for e in entries
             if (store.folder / e.key / "report.html").is_file()}
    write_atomic(store.out / "class.md", classreport.markdown(summary, {name: f"class_files/{name}.png"
                                                                        for name in images}, pages))
    write_atomic(store.out / "class.html", classreport.html_page(summary, images, pages))
