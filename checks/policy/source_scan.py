"""Single functions a course forbids, found by reading the submission's source with `ast`.

A function such as numpy.linalg.pinv cannot be hidden from the worker without breaking NumPy, so the
grader reads the source (every module of the handed-in folder, or every cell of the notebook or file)
and resolves each name it uses to a dotted name: imports with aliases (`import numpy as np`, `from
numpy.linalg import pinv as p`, `from numpy import *`), attribute chains (`np.linalg.pinv`), names bound
to those (`solve = np.linalg.pinv`), `__import__`, `importlib.import_module` and `getattr` with literal
strings. A use counts for the top-level function whose body holds it, and for every function that calls
that one by name (in its module or, imported, in another module of the submission). A dotted name
that reaches the same object by another path (np.linalg._linalg.pinv) is found too, by walking the
attributes of a package the grader has already imported (nothing is imported for the submission).

What reading cannot see: names built at run time (getattr with a computed string, `vars(np)[…]`,
`__dict__`, `sys.modules[…]`, operator.attrgetter), code run from strings (exec, eval, compile), a
function reached through an object passed in or returned from another call, and calls through a
class's methods or a decorator's wrapper. The source is only read, never run, in the grader's process;
a file that does not parse is left out (its import fails in the worker anyway).
"""
import ast
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

MAX_SOURCE_BYTES = 4 * 2**20  # a larger file is not read (no submission's formulas need it)


@dataclass(frozen=True)
class Use:
    """A use of a forbidden function: its name as the profile writes it, and where (file:line)."""
    name: str
    where: str


class SourceUses:
    """The forbidden functions each top-level function of a submission uses, itself or through the functions
    it calls by name."""

    def __init__(self, direct, calls):
        self.direct, self.calls = direct, calls   # "module.function" -> [Use]; -> {"module.function"}

    def of(self, module, function):
        """Every Use of module.function (a notebook or one file: any module), through its callees too."""
        start = f"{module}.{function}" if f"{module}.{function}" in self.direct else f"*.{function}"
        seen, pending, found = set(), [start], []
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            found += self.direct.get(name, [])
            pending += [c for c in self.calls.get(name, ()) if c in self.direct]
        return sorted(set(found), key=lambda u: (u.where, u.name))


def scan(submission, forbidden):
    """The SourceUses of a submission (sandbox.Submission: a folder's modules, or cells) for the dotted names
    in `forbidden`; empty when none is forbidden."""
    direct, calls = {}, {}
    if not forbidden:
        return SourceUses(direct, calls)
    for module, parts in _sources(submission):
        _Module(module, forbidden, direct, calls).read(parts)
    return SourceUses(direct, calls)


def _sources(submission):
    """[(module name, [(file name, text)])]: a folder's modules, or the cells of a notebook or file ("*")."""
    if submission.layout == "package":
        root = Path(submission.root)
        return [(".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"),
                 [(str(p.relative_to(root)), _read(p))]) for p in sorted(root.rglob("*.py"))]
    cells = submission.cells
    return [("*", [(submission.filename if len(cells) == 1 else f"{submission.filename}[cell {i}]", c)
                   for i, c in enumerate(cells)])]


def reached(submission, name):
    """The names the code of the submission's top-level `name` (a function or a class) refers to, itself or through
    the submission's top-level functions, classes and assigned names it refers to, by name or attribute, whatever
    module defines them (a package's star imports make one namespace of its names): which of its own functions a
    class's methods may call. It over-reaches (a name shared by two modules counts for both), never under-reaches
    what reading can see; names built at run time are not seen (the module docstring)."""
    refers = {}
    for _, parts in _sources(submission):
        for _, text in parts:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            for node in _top_level(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    refers.setdefault(node.name, set()).update(_names_in(node))
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            refers.setdefault(target.id, set()).update(_names_in(node.value))
    seen, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending += refers.get(current, ())
    return seen


def _names_in(node):
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node) if isinstance(n, (ast.Name,
                                                                                                  ast.Attribute))}


def _read(path):
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return ""
        return path.read_text(errors="replace")
    except OSError:
        return ""


class _Module:
    """One module's top-level functions, the forbidden names they use and the names they call."""

    def __init__(self, name, forbidden, direct, calls):
        self.name, self.forbidden, self.direct, self.calls = name, tuple(forbidden), direct, calls
        self.aliases, self.star = {}, []   # local name -> dotted name; modules imported with *
        self.defs = set()

    def read(self, parts):
        trees = []
        for filename, text in parts:
            try:
                trees.append((filename, ast.parse(text)))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
        for _, tree in trees:  # module-level bindings first: a function may use a name bound below it
            for node in _top_level(tree):
                self._bind(node, self.aliases)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.defs.add(node.name)
        for filename, tree in trees:
            for node in _top_level(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._function(node, filename)

    def _function(self, node, filename):
        aliases = dict(self.aliases)
        arguments = node.args
        for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg,
                    arguments.kwarg):
            if arg is not None:
                aliases.pop(arg.arg, None)
        for inner in ast.walk(node):  # its own imports and names, wherever they are in it (flow aside)
            if inner is not node:
                self._bind(inner, aliases)
        key = f"{self.name}.{node.name}"
        uses, callees = self.direct.setdefault(key, []), self.calls.setdefault(key, set())
        uses.clear()
        callees.clear()
        for inner in ast.walk(node):
            dotted = self._resolve(inner, aliases)
            if dotted is None:
                continue
            for name in self.forbidden:
                if _names_it(dotted, name):
                    uses.append(Use(name, f"{filename}:{inner.lineno}"))
            callees.add(f"{self.name}.{dotted}" if dotted in self.defs and "." not in dotted else dotted)
            callees.update(_submission_names(dotted))

    def _bind(self, node, aliases):
        """Record what an import or a simple assignment binds to a dotted name."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.partition(".")[0]] = alias.name if alias.asname \
                    else alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name == "*":
                    self.star.append(base)
                else:
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base != "." * node.level \
                        else f"{base}{alias.name}"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            dotted = self._resolve(node.value, aliases)
            if dotted is not None:
                aliases[node.targets[0].id] = dotted
            else:
                aliases.pop(node.targets[0].id, None)

    def _resolve(self, node, aliases, depth=0):
        """The dotted name an expression stands for, or None."""
        if depth > 50:
            return None
        if isinstance(node, ast.Name):
            if node.id in aliases:
                return aliases[node.id]
            if node.id in self.defs:
                return node.id
            for module in self.star:
                if any(name == f"{module}.{node.id}" for name in self.forbidden):
                    return f"{module}.{node.id}"
            return None
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value, aliases, depth + 1)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and node.args and _literal(node.args[0]) is not None:
            called = self._resolve(node.func, aliases, depth + 1) if not (
                isinstance(node.func, ast.Name) and node.func.id in ("__import__", "getattr")) else node.func.id
            if called in ("importlib.import_module", "importlib.__import__", "__import__", "builtins.__import__"):
                full = called == "importlib.import_module" or any(k.arg == "fromlist" for k in node.keywords) \
                    or len(node.args) >= 4
                name = _literal(node.args[0])
                return name if full else name.partition(".")[0]
        if isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.func, ast.Name) \
                and node.func.id == "getattr" and _literal(node.args[1]) is not None:
            base = self._resolve(node.args[0], aliases, depth + 1)
            return f"{base}.{_literal(node.args[1])}" if base else None
        return None


def _top_level(tree):
    """The statements run at a module's top level, into if/try/with blocks (not into functions or classes)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            pending += [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", []),
                        *(s for h in getattr(node, "handlers", []) for s in h.body)]


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _names_it(dotted, forbidden):
    """dotted names the forbidden function (or module) or something under it, directly or by another path to
    the same object inside a package the grader has already imported."""
    if dotted == forbidden or dotted.startswith(forbidden + "."):
        return True
    if dotted.partition(".")[0] != forbidden.partition(".")[0]:
        return False
    target, found = _object(forbidden), _object(dotted)
    return target is not None and found is target


def _object(dotted):
    """The object a dotted name reaches by attributes of an already imported top-level module; None."""
    parts = dotted.split(".")
    value = sys.modules.get(parts[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy.core and the like warn of their deprecation
        for part in parts[1:]:
            if value is None or part.startswith("__"):
                return None
            try:
                value = getattr(value, part, None)
            except Exception:  # a lazy attribute that fails to load
                return None
    return value


def _submission_names(dotted):
    """A dotted name as the submission's own modules would be keyed: "cs231n.layers.f" -> "layers.f", "f" with
    the relative dots taken off."""
    parts = dotted.lstrip(".").split(".")
    return {".".join(parts[i:]) for i in range(len(parts) - 1)} | {f"*.{parts[-1]}"}
