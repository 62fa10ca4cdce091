"""Turn what a student hands in (a folder, a .py, a .ipynb or a .zip) into a worker layout.

Nothing here runs the submission: notebooks are read as JSON (nbformat), zips are
extracted with limits on size, count and paths.
"""
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_ZIP_BYTES = 50 * 2**20
MAX_ZIP_FILES = 2000
_MAGIC = re.compile(r"^(\s*)(%|!|get_ipython\(\)).*$")
_IGNORED = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}


class SubmissionError(Exception):
    """The path cannot be graded at all (it does not exist, an unsafe zip, …)."""


@dataclass
class Submission:
    """Where a worker finds the code: a folder of modules, or cells of one file."""
    display: str
    layout: str                      # "package" or "cells"
    root: str = ""                   # package layout: the folder of modules
    cells: list = field(default_factory=list)
    filename: str = ""
    notes: list = field(default_factory=list)
    _tmp: object = None

    def worker_init(self):
        if self.layout == "package":
            return {"layout": "package", "root": self.root}
        return {"layout": "cells", "cells": self.cells, "filename": self.filename}

    def cleanup(self):
        if self._tmp is not None:
            self._tmp.cleanup()


def resolve(path):
    """Submission for PATH; raises SubmissionError with a message meant for the user."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder")
    if path.is_dir():
        return _from_folder(path, str(path))
    suffix = path.suffix.lower()
    if suffix == ".py":
        return Submission(str(path), "cells", cells=[path.read_text(errors="replace")], filename=path.name)
    if suffix == ".ipynb":
        return _from_notebook(path, str(path))
    if suffix == ".zip":
        return _from_zip(path)
    raise SubmissionError(f"{path}: expected a folder, a .py, a .ipynb or a .zip")


def _from_folder(folder, display):
    entries = [p for p in folder.iterdir() if p.name not in _IGNORED and not p.name.startswith(".")]
    modules = [p for p in entries if p.suffix == ".py"]
    if modules:
        return Submission(display, "package", root=str(folder.resolve()))
    notebooks = [p for p in entries if p.suffix == ".ipynb"]
    if len(notebooks) == 1:
        return _from_notebook(notebooks[0], display)
    folders = [p for p in entries if p.is_dir()]
    if len(folders) == 1:
        return _from_folder(folders[0], display)
    if notebooks:
        raise SubmissionError(f"{display}: several notebooks and no .py modules; hand in one notebook")
    raise SubmissionError(f"{display}: no .py modules or notebook found")


def _from_notebook(path, display):
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise SubmissionError(f"{display}: not a readable notebook ({exc})") from None
    cells = [_strip_magics(cell.source) for cell in notebook.cells if cell.cell_type == "code"]
    cells = [c for c in cells if c.strip()]
    return Submission(display, "cells", cells=cells, filename=path.name)


def _strip_magics(source):
    """IPython magics (%…, %%…, !…) become `pass` at the same indent, so line numbers hold."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join(_MAGIC.sub(r"\1pass", line) for line in source.splitlines())


def _from_zip(path):
    tmp = tempfile.TemporaryDirectory(prefix="dlgrade-zip-")
    target = Path(tmp.name)
    target.chmod(0o755)  # readable by a worker that runs as another user
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_FILES:
                raise SubmissionError(f"{path}: more than {MAX_ZIP_FILES} files in the zip")
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{path}: the zip unpacks to more than {MAX_ZIP_BYTES >> 20} MiB")
            for member in members:
                destination = (target / member.filename).resolve()
                if not destination.is_relative_to(target.resolve()):
                    raise SubmissionError(f"{path}: unsafe path in zip: {member.filename}")
                if member.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(destination, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    except zipfile.BadZipFile:
        tmp.cleanup()
        raise SubmissionError(f"{path}: not a valid zip file") from None
    except SubmissionError:
        tmp.cleanup()
        raise
    files = [p for p in target.rglob("*") if p.is_file() and not set(p.parts) & _IGNORED]
    if len(files) == 1 and files[0].suffix in (".py", ".ipynb"):
        submission = resolve(files[0])
    else:
        submission = _from_folder(target, str(path))
    submission.display, submission._tmp = str(path), tmp
    return submission
