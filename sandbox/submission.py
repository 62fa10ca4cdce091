"""Turn what a student hands in (a folder, a .py, a .ipynb or a .zip) into a worker layout.

Nothing here runs the submission: notebooks are read as JSON (nbformat), zips are extracted and
folders copied with limits on size, count, depth and names, into a private snapshot that every
worker of one grade reads (so all of them see the same bytes, whatever happens to PATH meanwhile).
`Submission.sha256` is the hash of those bytes: of the file, or of the folder's relative paths and
contents. A path that cannot be graded raises SubmissionError with a sentence, never anything else.

Every scratch folder of a grade (scratch_folder) carries the pid of the process that made it, so what a
grading process stopped by a timeout or killed leaves is removed by whoever stopped it (a batch), and what
a crashed run left by the next one (remove_leftovers).
"""
import errno
import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .cgroups import alive

MAX_BYTES = 50 * 2**20
MAX_FILES = 2000
MAX_DEPTH = 32           # folders nested deeper than this are refused
MAX_NAME_BYTES = 255     # one file or folder name (the usual file system limit)
MAX_DATA_FILE = 2**20    # a folder's other files (not .py or .ipynb) are copied up to this size
SOURCES = (".py", ".ipynb")
MAX_ZIP_BYTES, MAX_ZIP_FILES = MAX_BYTES, MAX_FILES
_MAGIC = re.compile(r"^(\s*)(%|!|get_ipython\(\)).*$")
_IGNORED = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}
_CLASH = (errno.EEXIST, errno.ENOTDIR, errno.EISDIR)
_SCRATCH = re.compile(r"dlgrade-(submission|zip|shipped|worker|confined)-(\d+)-")


class SubmissionError(Exception):
    """The path cannot be graded at all (it does not exist, an unsafe zip, …)."""


@dataclass
class Submission:
    """Where a worker finds the code: a folder of modules, or cells of one file."""
    display: str
    layout: str                      # "package" or "cells"
    root: str = ""                   # package layout: the folder of modules (in the private snapshot)
    package: str = ""                # a course's package name (cs231n), imported as itself; "" for a folder
    cells: list = field(default_factory=list)
    filename: str = ""
    notes: list = field(default_factory=list)  # sentences for the report (files left out of the snapshot)
    sha256: str = ""                 # of the bytes graded (see the module's docstring)
    course: dict | None = None       # a course's layer for the worker (dlgrade.courses: Course.prepare), opaque here
    _tmp: object = None

    def worker_init(self):
        course = {"course": self.course} if self.course else {}
        if self.layout == "package":
            return {"layout": "package", "root": self.root, "package": self.package, **course}
        return {"layout": "cells", "cells": self.cells, "filename": self.filename, **course}

    def cleanup(self):
        if self._tmp is not None:
            self._tmp.cleanup()


def scratch_folder(kind):
    """A private TemporaryDirectory for a grade, named dlgrade-KIND-PID-… (see the module's docstring)."""
    return tempfile.TemporaryDirectory(prefix=f"dlgrade-{kind}-{os.getpid()}-")


def remove_leftovers(pid=None):
    """Remove this user's scratch folders left by grading process `pid` (one a batch stopped), or, with no pid,
    by every grading process that is gone (a crashed run). The number removed."""
    from .client import remove_folder  # a folder a worker made hard to remove
    removed, base = 0, tempfile.gettempdir()
    try:
        names = os.listdir(base)
    except OSError:
        return 0
    for name in names:
        found = _SCRATCH.match(name)
        if not found or (int(found.group(2)) != pid if pid is not None else alive(int(found.group(2)))):
            continue
        path = os.path.join(base, name)
        try:
            if os.lstat(path).st_uid != os.geteuid():
                continue
        except OSError:
            continue
        removed += not remove_folder(path)
    return removed


_STALE_REMOVED: list[object] = []


def resolve(path, *, package=""):
    """Submission for PATH; raises SubmissionError with a message meant for the user.

    package: the name of the folder, somewhere inside a folder or zip, that holds the modules (a course's
    layout: an assignment tree with its code in cs231n/); a single .py or notebook holds them all anyway.
    """
    path = Path(path)
    if not _STALE_REMOVED:  # once per process: what crashed runs left
        _STALE_REMOVED.append(remove_leftovers())
    try:
        return _resolve(path, package)
    except RecursionError:
        raise SubmissionError(f"{path}: folders nested too deeply") from None
    except OSError as exc:
        raise SubmissionError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _resolve(path, package):
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder")
    if path.is_dir() and _lone_zip(path):
        return _resolve(_lone_zip(path), package)
    if path.is_dir():
        tmp, digest, left_out = _snapshot(path)
        root = Path(tmp.name)
        try:
            submission = _in_package(root, str(path), package) if package else _from_folder(root, str(path))
        except SubmissionError:
            tmp.cleanup()
            raise
        submission.sha256, submission._tmp = digest, tmp
        if left_out:
            submission.notes.append(f"{left_out} data files over {MAX_DATA_FILE >> 20} MiB (or past "
                                    f"{MAX_BYTES >> 20} MiB in all) were not copied for grading")
        return submission
    suffix = path.suffix.lower()
    if suffix not in (".py", ".ipynb", ".zip"):
        raise SubmissionError(f"{path}: expected a folder, a .py, a .ipynb or a .zip")
    if path.stat().st_size > MAX_BYTES:
        raise SubmissionError(f"{path}: larger than {MAX_BYTES >> 20} MiB")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".py":
        submission = Submission(str(path), "cells", cells=[data.decode(errors="replace")], filename=path.name)
    elif suffix == ".ipynb":
        submission = _from_notebook(data, path.name, str(path))
    else:
        submission = _from_zip(data, path, package)
    submission.sha256 = digest
    return submission


def _lone_zip(folder):
    """The .zip that is all a folder holds (a Gradescope export of a student who uploaded one zip), or None: it is
    graded as that zip."""
    entries = [p for p in folder.iterdir() if p.name not in _IGNORED and not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].suffix.lower() == ".zip" and entries[0].is_file() \
            and not entries[0].is_symlink():
        return entries[0]
    return None


def _snapshot(folder):
    """(TemporaryDirectory holding a copy of folder's files, sha256 of their paths and bytes, how many were
    left out). Its .py and .ipynb files must fit MAX_FILES and MAX_BYTES; other files are copied up to
    MAX_DATA_FILE each while they fit too (a course tree's datasets are not). Links, special files, hidden
    and cache folders are left out."""
    tmp = scratch_folder("submission")
    target = Path(tmp.name)
    target.chmod(0o755)  # readable by a worker that runs as another user
    digest, files, total, left_out = hashlib.sha256(), 0, 0, 0
    try:
        for here, folders, names in os.walk(folder):
            relative = Path(here).relative_to(folder)
            _check_names(folder, relative.parts)
            folders[:] = sorted(d for d in folders if d not in _IGNORED and not d.startswith(".")
                                and not os.path.islink(os.path.join(here, d)))
            (target / relative).mkdir(exist_ok=True)
            for name in sorted(names):
                source = Path(here, name)
                if source.is_symlink() or not source.is_file():
                    continue
                _check_names(folder, (*relative.parts, name))
                size = source.stat().st_size
                if source.suffix not in SOURCES and (size > MAX_DATA_FILE or total + size > MAX_BYTES
                                                     or files >= MAX_FILES):
                    left_out += 1
                    continue
                files, data = files + 1, source.read_bytes()
                total += len(data)
                if files > MAX_FILES or total > MAX_BYTES:
                    raise SubmissionError(f"{folder}: more than {MAX_FILES} files or {MAX_BYTES >> 20} MiB of code")
                (target / relative / name).write_bytes(data)
                digest.update(str(relative / name).encode(errors="surrogateescape") + b"\0"
                              + hashlib.sha256(data).digest())
    except BaseException:
        tmp.cleanup()
        raise
    return tmp, digest.hexdigest(), left_out


def _check_names(where, parts):
    if len(parts) > MAX_DEPTH:
        raise SubmissionError(f"{where}: folders nested deeper than {MAX_DEPTH} levels")
    for part in parts:
        if len(part.encode(errors="surrogateescape")) > MAX_NAME_BYTES:
            raise SubmissionError(f"{where}: a name longer than {MAX_NAME_BYTES} bytes ({part[:40]!r}…)")


def _from_folder(folder, display):
    entries = [p for p in folder.iterdir() if p.name not in _IGNORED and not p.name.startswith(".")]
    modules = [p for p in entries if p.suffix == ".py"]
    if modules:
        return Submission(display, "package", root=str(folder.resolve()))
    notebooks = [p for p in entries if p.suffix == ".ipynb"]
    if len(notebooks) == 1:
        return _from_notebook(notebooks[0].read_bytes(), notebooks[0].name, display)
    folders = [p for p in entries if p.is_dir()]
    if len(folders) == 1:
        return _from_folder(folders[0], display)
    if notebooks:
        raise SubmissionError(f"{display}: several notebooks and no .py modules; hand in one notebook")
    raise SubmissionError(f"{display}: no .py modules or notebook found")


def _in_package(folder, display, package):
    """The shallowest folder named `package` (folder itself included) that holds .py modules."""
    found = [p for p in [folder, *folder.rglob(package)] if p.name == package and p.is_dir()
             and not set(p.relative_to(folder).parts) & _IGNORED and any(p.glob("*.py"))]
    if not found:
        raise SubmissionError(f"{display}: no {package}/ folder of .py modules in it (the profile's layout "
                              f"expects the modules there)")
    return Submission(display, "package", root=str(min(found, key=lambda p: len(p.parts)).resolve()),
                      package=package)


def _from_notebook(data, filename, display):
    try:
        notebook = nbformat.reads(data.decode() if isinstance(data, bytes) else data, as_version=4)
        cells = [_strip_magics(cell.source) for cell in notebook.cells if cell.cell_type == "code"]
    except Exception as exc:
        raise SubmissionError(f"{display}: not a readable notebook ({type(exc).__name__})") from None
    cells = [c for c in cells if c.strip()]
    return Submission(display, "cells", cells=cells, filename=filename)


def _strip_magics(source):
    """IPython magics (%…, %%…, !…) become `pass` at the same indent, so line numbers hold."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join(_MAGIC.sub(r"\1pass", line) for line in source.splitlines())


def _from_zip(data, path, package=""):
    tmp = scratch_folder("zip")
    target = Path(tmp.name)
    target.chmod(0o755)  # readable by a worker that runs as another user
    try:
        _unpack(data, path, target)
        files = [p for p in target.rglob("*") if p.is_file() and not set(p.parts) & _IGNORED]
        if package and not (len(files) == 1 and files[0].suffix in (".py", ".ipynb")):
            submission = _in_package(target, str(path), package)
        elif len(files) == 1 and files[0].suffix in (".py", ".ipynb"):
            submission = resolve(files[0])
        else:
            submission = _from_folder(target, str(path))
    except BaseException:
        tmp.cleanup()
        raise
    submission.display, submission._tmp = str(path), tmp
    return submission


def _unpack(data, path, target):
    """Extract the zip's bytes into target: only relative names, within the limits, written as plain files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise SubmissionError(f"{path}: not a valid zip file") from None
    if len(members) > MAX_FILES:
        raise SubmissionError(f"{path}: more than {MAX_FILES} files in the zip")
    budget = MAX_BYTES
    for member in members:
        name = member.filename
        parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
        if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise SubmissionError(f"{path}: unsafe path in zip: {name!r}")
        if not parts:
            if member.is_dir():
                continue
            raise SubmissionError(f"{path}: the zip holds an entry named {name!r}, which names no file")
        _check_names(path, parts)
        destination = target.joinpath(*parts)
        try:
            if member.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(destination, "wb") as sink:
                while chunk := source.read(1 << 20):
                    budget -= len(chunk)
                    if budget < 0:
                        raise SubmissionError(f"{path}: the zip unpacks to more than {MAX_BYTES >> 20} MiB")
                    sink.write(chunk)
        except OSError as exc:
            if exc.errno in _CLASH:
                raise SubmissionError(f"{path}: a file and a folder in the zip share a name ({name!r})") from None
            raise SubmissionError(f"{path}: cannot unpack {name!r} ({exc.strerror or exc})") from None
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError) as exc:
            raise SubmissionError(f"{path}: cannot unpack {name!r} ({exc})") from None
