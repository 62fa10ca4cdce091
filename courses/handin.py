"""A course's hand-in as code to grade: its cells, what they define and import, and only their definitions.

Notebooks and their .py exports run the course's tests, load its data sets (h5py, sklearn) and train models at
the top level. The graded functions are taken without any of that: the worker runs only the imports, function and
class definitions and constants (a name bound to a literal or an expression without calls or subscripts:
`EPS = 1e-8`, `relu = lambda z: …`), read from the syntax tree (nothing here runs the code), each as a cell of
its own at its own line, so a traceback's line numbers hold and a failing one costs nothing else. A function that
reads a notebook global computed from data (`m = X.shape[1]`, `parameters = model(…)`) then meets a NameError,
which the course runtime words as such.
"""
import ast
import builtins
import re
from pathlib import Path

import nbformat

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# The course's own files, when a folder holds them beside the student's: helpers and tests, never graded.
COURSE_FILE = re.compile(r"(.*utils(_v\w+)?|testCases\w*|test_cases\w*|public_tests|test_utils|outputs)$")
# What a constant's value may be made of: no call, subscript or comprehension runs anything of the notebook's.
CONSTANT_PARTS = (ast.Constant, ast.Name, ast.Attribute, ast.Load, ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare,
                  ast.Tuple, ast.List, ast.Set, ast.Dict, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
_MAGIC = re.compile(r"^(\s*)(%|!|get_ipython\(\)).*$")


def cells_of(submission, helpers=frozenset()):
    """The code cells of a submission: a file's or notebook's, or every student file of a folder (the course's
    helper and test modules left out)."""
    if submission.layout == "cells":
        return list(submission.cells)
    cells = []
    for path in sorted(Path(submission.root).rglob("*")):
        if not path.is_file() or path.stem in helpers or COURSE_FILE.fullmatch(path.stem) \
                or any(part.startswith(".") or part == "__pycache__" for part in path.parts):
            continue
        if path.suffix == ".py":
            cells.append(path.read_text(errors="replace"))
        elif path.suffix == ".ipynb":
            try:
                notebook = nbformat.reads(path.read_text(errors="replace"), as_version=4)
            except Exception:  # not a notebook: nothing of it is graded
                continue
            cells += [_strip_magics(c.source) for c in notebook.cells if c.cell_type == "code"]
    return cells


def own_modules(submission, helpers=frozenset()):
    """The module names of a folder hand-in's own files (their cells are graded together in one namespace, so
    `from optim_part import adam` between them is already satisfied: definitions() leaves it out)."""
    if submission.layout == "cells":
        return frozenset()
    return frozenset(path.stem for path in Path(submission.root).rglob("*") if path.suffix in (".py", ".ipynb")
                     and path.is_file() and path.stem not in helpers and not COURSE_FILE.fullmatch(path.stem))


def _strip_magics(source):
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join(_MAGIC.sub(r"\1pass", line) for line in source.splitlines())


def _tree(cell):
    try:
        return ast.parse(cell)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # too deep for the parser: the worker says so
        return None


def names(cells):
    """(functions defined at the top level, modules imported) over the cells."""
    defined, imported = set(), set()
    for cell in cells:
        tree = _tree(cell)
        for node in tree.body if tree else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    return defined, imported


def signatures(cells):
    """{function defined at the top level: its positional argument names} (the last definition of a name wins)."""
    found = {}
    for cell in cells:
        tree = _tree(cell)
        for node in tree.body if tree else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[node.name] = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    return found


def definitions(cells, own=frozenset()):
    """The top-level imports, definitions and constants of the cells, each its own cell (one that fails does not
    take the others with it), at its own line of its cell. A definition holds its lines alone; an import may share its
    line with other statements (`f(3); import os`), so it is taken by its own span. A cell that does not parse is
    kept whole, so the worker reports its SyntaxError. An import of the hand-in's own modules (`own`) is left
    out: their definitions are already in the namespace, and the module itself is not there to import."""
    kept, bound = [], set(dir(builtins))
    for cell in cells:
        tree = _tree(cell)
        if tree is None:
            kept.append(cell)
            continue
        lines = cell.splitlines()
        for node in tree.body:
            if _imports_own(node, own):
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)) or _constant(node, bound):
                start, text = node.lineno, ast.get_source_segment(cell, node) or ""
            elif isinstance(node, KEPT):
                start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
                text = "\n".join(lines[start - 1:node.end_lineno])
            else:
                continue
            bound |= _binds(node)
            kept.append("\n" * (start - 1) + text)
    return kept


def _imports_own(node, own):
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").partition(".")[0] in own or node.level > 0 and not node.module
    if isinstance(node, ast.Import):
        return all(alias.name.partition(".")[0] in own for alias in node.names)
    return False


def _binds(node):
    """The names a kept statement binds at the top level."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).partition(".")[0] for alias in node.names}
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return {node.name}


def _constant(node, bound):
    """A top-level `NAME = value` (or annotated) whose value computes nothing of the notebook's: a literal, an
    expression of literals and names already bound by what is kept (`EPS = 1e-8`, `TINY = EPS / 10`), or a lambda
    (a definition). `x = X / 255` (X the notebook's data) is left out, so it is no failing cell."""
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return False
    names = all(isinstance(t, ast.Name) or isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts)
                for t in targets)
    if not names:
        return False
    if isinstance(value, ast.Lambda):
        return True
    parts = list(ast.walk(value))
    return all(isinstance(n, CONSTANT_PARTS) for n in parts) and \
        all(n.id in bound for n in parts if isinstance(n, ast.Name))
