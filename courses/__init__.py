"""Courses graded as students hand them in: a profile's [course] table and the course layer it starts.

A course names its own functions, orders their arguments and holds their values in its own containers (a dict
of layers, column-major arrays, a t the caller counts). Its profile says so as data; the course layer presents
the course's functions to the checks as the spec's and translates back, so every check and oracle stays
written against STUDENT_API.md alone (README, "Declaring a course").

    grader side (here)     reads the [course] table (Course), finds which assignment and revision a hand-in is
                           (detect.py), keeps only its imports and definitions (handin.py), and sends the worker
                           the layer's sources with the assignment's table (Course.prepare)
    worker side            runtime.py, run in the worker beside the student's functions: the presented
                           functions, the course's helper modules as stand-ins (standins/), NumPy compatibility;
                           a course's translation module (dls.py, d2l.py) where data cannot say it

The worker imports nothing of the grader: it receives these files' text in its init message and runs them as
the grader's own trusted code in the student's process (the sandbox itself holds no formula and no course).
"""
if "." not in __name__:  # this folder imported by its bare name (not dlgrade.X) would load it twice
    raise ImportError(f"import dlgrade.courses, not {__name__}: this folder is the subpackage dlgrade.courses")

import ast
import dataclasses
import functools
import importlib
import importlib.util
import inspect
from dataclasses import dataclass, field
from pathlib import Path

from ..checks.engine import mistakes
from ..checks.engine.runner import select
from . import detect, handin

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
STANDIN_ALIASES = {"dnn_utils_v2": "dnn_utils"}  # a later file name of the course for the same contract


def standin(name):
    """The stand-in file served under a helper's name."""
    return STANDINS / f"{STANDIN_ALIASES.get(name, name)}.py"
ENTRY_KEYS = {"name", "adapter", "arguments", "returns", "uses", "optional", "promise", "skip"}


def _square_pool(args):
    """The pooling window is square (the course's pool_forward takes one size f); true where args hold none."""
    pool = next((a for a in args if type(a) is dict and "pool_height" in a), None)
    return pool is None or pool["pool_height"] == pool["pool_width"]


# What a course's function is promised, by name ([course.assignments.X.functions] "…" = {promise = "…"}).
PROMISES = {"square_pool": _square_pool}
COURSE_KEYS = {"name", "translation", "assignment", "revision", "revisions", "helpers", "unused", "assignments",
               "accept", "requires"}


class CourseError(Exception):
    """A [course] table that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Entry:
    """One spec function as a course writes it: `names` the course's names for it (the first defined is used);
    an `adapter` of the translation module, or `arguments` (the spec's argument names in the course's order) and
    `returns` (what the course returns, as paths: "result", "result.0", a spec argument's name)."""
    function: str
    names: tuple
    adapter: str = ""
    arguments: tuple = ()
    returns: tuple = ()
    uses: tuple = ()
    optional: bool = False
    promise: str = ""
    skip: tuple = ()           # check slugs that do not hold for the course's form (a relation at ε = 0, which
                               # the course hard-codes): left out of the grade, said in a note


@dataclass(frozen=True)
class Assignment:
    key: str
    title: str
    entries: tuple

    def names(self):
        return {name for entry in self.entries for name in entry.names}


@dataclass(frozen=True)
class Course:
    name: str
    translation: str = ""
    revision: str = "auto"
    assignment: str = "auto"   # or the key of the one assignment graded (a student could steer detection by
                               # defining another assignment's functions: name it for one-assignment grading)
    revisions: dict = field(default_factory=dict)   # revision -> markers (imported module names or suffixes)
    helpers: tuple = ()
    unused: tuple = ()         # packages the graded functions never need: empty modules, never imported (plots)
    assignments: tuple = ()
    accept: dict = field(default_factory=dict)      # revision -> {function: documented variants right in it}
    requires: tuple = ()       # packages the course's form needs in the worker (d2l: torch), an optional extra
    source: str = ""

    def functions(self):
        return {entry.function for a in self.assignments for entry in a.entries}

    def prepare(self, submission, profile):
        """(submission, profile) to grade a hand-in of this course: its cells cut to imports and definitions,
        the course layer in its worker init, and the profile grading the detected assignment's functions."""
        cells = handin.cells_of(submission, set(self.helpers))
        own = handin.own_modules(submission, set(self.helpers))
        defined, imported = handin.names(cells)
        imported = {module for module in imported if module.partition(".")[0] not in own}
        assignment = detect.assignment(self, defined) if self.assignment == "auto" else \
            next(a for a in self.assignments if a.key == self.assignment)
        revision = self.revision if self.revision != "auto" else detect.revision(self, imported)
        presented = {e.function: e for e in assignment.entries}
        said = "" if not self.revisions else f" ({revision}, detected from its imports)" if self.revision == "auto" \
            else f" ({revision}, set by the profile)"
        skipped = {f"{f}/{slug}" for f, e in presented.items() for slug in e.skip}
        how = " (the assignment set by the profile)" if self.assignment != "auto" else ""
        notes = [f"graded as {self.name}, {assignment.title}{how}{said}; only its imports, function definitions and "
                 f"constants ran, not its other cells"]
        notes += [f"{c} is not graded for this course: the course's form does not hold it (its profile says so)"
                  for c in sorted(skipped)]
        if not assignment.names() & defined:
            notes.append(f"the hand-in defines none of the functions of {self.name}'s assignments "
                         f"({', '.join(a.title for a in self.assignments)})")
        # A variant right in one revision only is accepted on evidence of that revision (a marker imported, or
        # the profile's setting), never on the absence of a later revision's markers, which a student can remove.
        evidenced = self.revision != "auto" or bool(self.revisions.get(revision))
        only_in = {f: v for f, v in self.accept.get(revision, {}).items() if f in presented}
        if only_in and not evidenced:
            variants = "; ".join(f"{f}: {', '.join(v)}" for f, v in only_in.items())
            notes.append(f"{revision} was read from the absence of later revisions' imports, so its own variants "
                         f"({variants}) are not accepted: if the class used that revision, name it (--profile "
                         f"dls-{revision} for the bundled dls, or [course] revision = \"{revision}\")")
        payload = {"runtime": (HERE / "runtime.py").read_text(),
                   "translation": (HERE / f"{self.translation}.py").read_text() if self.translation else "",
                   "helpers": {name: standin(name).read_text() for name in sorted(self.helpers)},
                   "revision": revision, "functions": {f: _wire(e) for f, e in presented.items()},
                   "imported": sorted({module.partition(".")[0] for module in imported}), "unused": list(self.unused)}
        prepared = dataclasses.replace(submission, layout="cells", root="", cells=handin.definitions(cells, own),
                                       filename=submission.filename or "submission.py", course=payload,
                                       notes=[*submission.notes, *notes])
        scored = tuple(f for f, e in presented.items() if not e.optional)
        optional = tuple(f for f, e in presented.items() if e.optional)
        names = {f: (e.names[0] if len(e.names) == 1 else next((n for n in e.names if n in defined), e.names[0]))
                 + (" (optional in the course, not scored)" if e.optional else "") for f, e in presented.items()}
        promises = {f: PROMISES[e.promise] for f, e in presented.items() if e.promise}
        shown = functools.partial(self._course_input, presented, handin.signatures(cells), revision)
        conventions = dataclasses.replace(profile.conventions, course_names=names, promises=promises,
                                          course_input=shown)
        points = {**profile.points, **{f: 0 for f in optional}}
        accept = {f: [*profile.accept.get(f, ()), *v] for f, v in only_in.items()} if evidenced else {}
        graded = scored + optional if not skipped else tuple(
            c.id for c in select(scored + optional) if c.id not in skipped)
        return prepared, dataclasses.replace(profile, graded=graded, conventions=conventions, points=points,
                                             accept={**profile.accept, **accept})

    def _course_input(self, presented, signatures, revision, function, inputs):
        """A counterexample's inputs as the course's function received them ({"parameters": {"W1": …}, "v": …}),
        by running its translation grader-side up to the call (`_Recorder`); None where that cannot be done (a
        function graded through another's result, a translation that needs torch)."""
        entry = presented.get(function)
        if entry is None or not isinstance(inputs, dict) or self.translation == "d2l":
            return None
        parameters, defaults = _spec_signature(function)
        args = []
        for name in parameters:
            if name not in inputs:
                break
            args.append(inputs[name])
        name = next((n for n in entry.names if n in signatures), entry.names[0])
        recorder = _Recorder(name, defaults, revision)
        try:
            if entry.adapter:
                getattr(importlib.import_module(f"{__name__}.{self.translation}"), entry.adapter)(recorder, *args)
            else:
                from . import runtime
                recorder.entry = {"parameters": parameters, "arguments": list(entry.arguments), "returns": []}
                runtime._by_table(recorder, args, {})
        except _Recorded as recorded:
            course = dict(zip(signatures.get(name, []), recorded.args))
            return {**{k: v for k, v in inputs.items() if k not in parameters}, **course} if course else None
        except Exception:  # the translation needs the hand-in's answers (its forward's cache): no course form
            return None
        return None

    def absent(self):
        """The sentence that says which package the course's form needs and this installation lacks, or ""."""
        missing = [p for p in self.requires if importlib.util.find_spec(p) is None]
        return f"the {self.name} profile grades code that uses {', '.join(missing)}, which is not installed here: " \
               f"install dlgrade's optional extra (pip install 'dlgrade[{missing[0]}]')" if missing else ""


class _Recorded(Exception):
    def __init__(self, args):
        super().__init__("recorded")
        self.args_ = args

    @property
    def args(self):
        return self.args_


class _Recorder:
    """A runtime.Call stand-in that records the arguments the translation would call the course's function with."""

    def __init__(self, name, defaults, revision):
        self.defaults, self.revision, self.namespace = dict(defaults), revision, {}
        self.function = type("course_function", (), {"__name__": name})

    def __call__(self, *args, **kwargs):
        raise _Recorded(args)

    def config(self, config):
        return {**self.defaults, **(config or {})}

    def other(self, name):
        return None


def _wire(entry):
    """The entry as the worker's runtime reads it, with the spec's argument names and defaults (the oracle's)."""
    parameters, defaults = _spec_signature(entry.function)
    return {"names": list(entry.names), "adapter": entry.adapter, "arguments": list(entry.arguments),
            "returns": list(entry.returns), "uses": list(entry.uses), "parameters": parameters,
            "defaults": defaults}


def _spec_signature(function):
    """(argument names, hyperparameter defaults) of the spec function, read from the oracle."""
    from dlgrade import reference
    module, _, name = function.partition(".")
    oracle = getattr(getattr(reference, module), name)
    parameters = [p.name for p in inspect.signature(oracle).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    rules = getattr(getattr(reference, module), "RULES", {})
    return parameters, dict(rules[name].defaults) if name in rules else {}


def from_table(table, functions, source):
    """The Course of a profile's [course] table; functions: the spec's (and course rows') graded functions."""
    _check_types(table, source)
    unknown = set(table) - COURSE_KEYS
    if unknown:
        raise CourseError(f"profile {source}: unknown [course] key(s) {sorted(unknown)}; "
                          f"expected {sorted(COURSE_KEYS)}")
    if not isinstance(table.get("name"), str) or not table["name"]:
        raise CourseError(f"profile {source}: [course] name must be the course's name in words")
    translation = table.get("translation", "")
    if translation and not (translation.isidentifier() and (HERE / f"{translation}.py").is_file()):
        raise CourseError(f"profile {source}: [course] translation {translation!r} is not a module of courses/ "
                          f"({sorted(p.stem for p in HERE.glob('*.py') if not p.stem.startswith('_'))})")
    revisions = table.get("revisions", {})
    revision = table.get("revision", "auto")
    if revision != "auto" and revision not in revisions:
        raise CourseError(f"profile {source}: [course] revision must be \"auto\" or one of {list(revisions)}, "
                          f"not {revision!r}")
    helpers = table.get("helpers", [])
    missing = [h for h in helpers if not (isinstance(h, str) and standin(h).is_file())]
    if missing:
        raise CourseError(f"profile {source}: [course] helpers {missing} have no stand-in in courses/standins/")
    adapters = _adapters(translation)
    assignments = []
    for key, value in table.get("assignments", {}).items():
        if set(value) - {"title", "functions"}:
            raise CourseError(f"profile {source}: [course.assignments.{key}] takes title and functions, not "
                              f"{sorted(set(value) - {'title', 'functions'})}")
        entries = []
        for function, spec in value.get("functions", {}).items():
            if function not in functions:
                raise CourseError(f"profile {source}: [course.assignments.{key}.functions] names {function!r}, "
                                  f"which is not a graded function")
            entries.append(_entry(function, spec, source, key, adapters))
        assignments.append(Assignment(key, value.get("title", key), tuple(entries)))
    if not assignments:
        raise CourseError(f"profile {source}: [course] declares no assignments")
    chosen = table.get("assignment", "auto")
    if chosen != "auto" and chosen not in {a.key for a in assignments}:
        raise CourseError(f"profile {source}: [course] assignment must be \"auto\" or one of "
                          f"{[a.key for a in assignments]}, not {chosen!r}")
    unused = table.get("unused", [])
    if not isinstance(unused, list) or not all(isinstance(u, str) and u.isidentifier() for u in unused):
        raise CourseError(f"profile {source}: [course] unused must list top-level package names, not {unused!r}")
    accept = table.get("accept", {})
    for name, variants in accept.items():
        if name not in revisions:
            raise CourseError(f"profile {source}: [course.accept] names {name!r}, which is not a revision")
        for function, forms in variants.items():
            documented = {m.name for m in mistakes.of(function) if m.documented}
            if function not in functions or not set(forms) <= documented:
                raise CourseError(f"profile {source}: [course.accept.{name}] {function}: {forms} are not documented "
                                  f"variants of a graded function ({sorted(documented) or 'none'})")
    return Course(table["name"], translation, revision, chosen, dict(revisions), tuple(helpers), tuple(unused),
                  tuple(assignments), accept={k: dict(v) for k, v in accept.items()}, source=source,
                  requires=tuple(table.get("requires", ())))


# The [course] table's value types: a key's type, or for a table (dict) the types of its values.
_STRINGS = "a list of strings"
_TYPES = {"name": str, "translation": str, "assignment": str, "revision": str, "helpers": _STRINGS, "unused": _STRINGS,
          "requires": _STRINGS, "revisions": {"*": _STRINGS}, "accept": {"*": {"*": _STRINGS}},
          "assignments": {"*": {"title": str, "functions": {"*": (str, {"name": (str, _STRINGS), "adapter": str,
                                                                         "arguments": _STRINGS, "returns": _STRINGS,
                                                                         "uses": _STRINGS, "skip": _STRINGS,
                                                                         "optional": bool, "promise": str})}}}}


def _check_types(table, source, types=_TYPES, where="[course]"):
    """A CourseError naming the key whose value has the wrong type (a number where a list belongs, …), so a
    malformed table is a sentence, never a traceback further on."""
    if not isinstance(table, dict):
        raise CourseError(f"profile {source}: {where} must be a table")
    for key, value in table.items():
        want = types.get(key, types.get("*"))
        inner = f"{where[:-1]}.{key}]" if isinstance(value, dict) else f"{where} {key}"
        options = want if isinstance(want, tuple) else (want,)
        if any(_fits(value, option, source, inner) for option in options if option is not None):
            continue
        if want is not None:
            words = " or ".join("a table" if isinstance(o, dict) else o if isinstance(o, str) else f"a {o.__name__}"
                                for o in options)
            raise CourseError(f"profile {source}: {inner} must be {words}, not {value!r}")


def _fits(value, want, source, where):
    if isinstance(want, dict):
        if isinstance(value, dict):
            _check_types(value, source, want, where)
            return True
        return False
    if want == _STRINGS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, want)


def _adapters(translation):
    """The top-level functions of the translation module (read, not imported: d2l's needs torch)."""
    if not translation:
        return set()
    tree = ast.parse((HERE / f"{translation}.py").read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def _entry(function, spec, source, key, adapters):
    if isinstance(spec, str):
        spec = {"name": spec}
    unknown = set(spec) - ENTRY_KEYS
    if unknown or "name" not in spec:
        raise CourseError(f"profile {source}: {key}'s {function} needs a name, and only {sorted(ENTRY_KEYS)}; "
                          f"not {sorted(unknown) or 'no name'}")
    names = (spec["name"],) if isinstance(spec["name"], str) else tuple(spec["name"])
    if not names or not all(n.isidentifier() for n in names):
        raise CourseError(f"profile {source}: {key}'s {function}: name must be the course's function name (or a "
                          f"list of them), not {spec['name']!r}")
    if spec.get("adapter") and spec["adapter"] not in adapters:
        raise CourseError(f"profile {source}: {key}'s {function}: adapter {spec['adapter']!r} is not a function of "
                          f"the translation module ({sorted(a for a in adapters if not a.startswith('_'))})")
    if spec.get("adapter") and spec.get("arguments"):
        raise CourseError(f"profile {source}: {key}'s {function}: an adapter or arguments, not both")
    parameters = _spec_signature(function)[0]
    for argument in spec.get("arguments", []):
        if argument.partition(".")[0] not in parameters:
            raise CourseError(f"profile {source}: {key}'s {function}: argument {argument!r} is none of the spec's "
                              f"{parameters} (a key of a dict argument is written config.learning_rate)")
    if spec.get("promise", "") and spec["promise"] not in PROMISES:
        raise CourseError(f"profile {source}: {key}'s {function}: promise {spec['promise']!r} is none of "
                          f"{sorted(PROMISES)}")
    return Entry(function, names, spec.get("adapter", ""), tuple(spec.get("arguments", ())),
                 tuple(spec.get("returns", ())), tuple(spec.get("uses", ())), bool(spec.get("optional", False)),
                 spec.get("promise", ""), tuple(spec.get("skip", ())))
