"""The course layer in the worker: a course's functions presented as the spec's, beside the student's code.

The worker runs this file's text (sent by the grader in its init message; courses/__init__.py) with only the
standard library and NumPy, like itself. Course(payload) then
- serves the course's helper modules (`dnn_utils`, `testCases_v4a`, …): a stand-in written from the spec's
  contracts where the graded functions call one (courses/standins/), and an empty module for any other package
  the hand-in itself imports that is not installed (sklearn, h5py, the course's tests), and for the packages the
  profile says the graded functions never need (matplotlib: not even imported): its names import, and calling
  one says it is the course's and not available;
- presents, for each spec module, the spec functions whose course function the hand-in defines: each takes the
  spec's arguments, calls the course's function in the course's conventions and returns the spec's values. An
  entry of the course's table gives the course's argument order and returned values as data, or names an
  adapter of the course's translation module (dls.py) for what data cannot say (a dict of layers, a step count
  the caller keeps);
- keeps code that is right under the course's NumPy right under the grader's: arrays go in as CourseArray, whose
  float() and int() take any one-element array (NumPy ≥ 2.4 raise for a (1, 1, 1) array, which the course's
  templates convert), and come back as plain ndarrays;
- words a NameError as what it most often is in a notebook: a global the grader did not run.
"""
import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

import numpy as np


class CourseArray(np.ndarray):
    """An ndarray whose float() and int() take any array of one element, as NumPy < 2.4 did (with a warning)."""

    def __float__(self):
        return float(np.asarray(self).reshape(-1)[0]) if self.size == 1 else float(np.asarray(self))

    def __int__(self):
        return int(np.asarray(self).reshape(-1)[0]) if self.size == 1 else int(np.asarray(self))


def course_values(value):
    """Arrays (in lists, tuples and dicts too) as CourseArray views."""
    if type(value) is np.ndarray:
        return value.view(CourseArray)
    if type(value) in (list, tuple):
        return type(value)(course_values(v) for v in value)
    if type(value) is dict:
        return {k: course_values(v) for k, v in value.items()}
    return value


def plain(value):
    """CourseArray results back to plain ndarrays (the protocol sends only plain data)."""
    if isinstance(value, CourseArray):
        return np.asarray(value).view(np.ndarray)
    if type(value) in (list, tuple):
        return type(value)(plain(v) for v in value)
    if type(value) is dict:
        return {k: plain(v) for k, v in value.items()}
    return value


class CourseHelperMissing(RuntimeError):
    """A course helper the grader does not provide was called."""


class Unavailable:
    """A name of a module the course imports and the grader does not have: it imports, any call says so."""

    def __init__(self, name):
        self._name = name

    def __call__(self, *args, **kwargs):
        raise CourseHelperMissing(f"{self._name} is the course's and not available to the grader; a graded "
                                  f"function must not need it")

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return Unavailable(f"{self._name}.{attribute}")


class _Loader(importlib.abc.Loader):
    def __init__(self, source):
        self.source = source

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        if self.source is None:
            module.__path__ = []
            module.__getattr__ = lambda attribute: _unavailable(module.__name__, attribute)
            return
        exec(compile(self.source, f"<course helper {module.__name__}>", "exec"), module.__dict__)
        if "__getattr__" not in module.__dict__:  # the course's other helpers (plots, data sets): import, not run
            module.__getattr__ = lambda attribute: _unavailable(module.__name__, attribute)


def _unavailable(module, attribute):
    if attribute.startswith("__"):
        raise AttributeError(attribute)
    return Unavailable(f"{module}.{attribute}")


class Helpers(importlib.abc.MetaPathFinder):
    """The course's helper modules: the stand-ins by name (first on the path: the hand-in's folder may hold the
    course's own copies, which the grader does not run); empty modules for what no finder before it found."""

    def __init__(self, sources, fallback=()):
        self.sources, self.fallback = sources, frozenset(fallback)

    def find_spec(self, name, path=None, target=None):
        if name in self.sources:
            return importlib.util.spec_from_loader(name, _Loader(self.sources[name]))
        top = name.partition(".")[0]
        if top in self.fallback and name not in sys.modules and (top == name or _served(sys.modules.get(top))):
            return importlib.machinery.ModuleSpec(name, _Loader(None), is_package=True)
        return None


def _served(module):
    """The module is one of these empty ones (an installed package's missing submodule is its own business:
    torch probes for optional ones)."""
    return isinstance(getattr(getattr(module, "__spec__", None), "loader", None), _Loader)


class Call:
    """What an adapter of the translation module works with: the course's function, the hand-in's other
    functions (initialize_velocity, …), the spec's defaults and the revision."""

    def __init__(self, function, namespace, entry, revision):
        self.function, self.namespace, self.entry, self.revision = function, namespace, entry, revision
        self.defaults = dict(entry["defaults"])

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def other(self, name):
        """The hand-in's function `name`, or None."""
        value = self.namespace.get(name)
        return value if callable(value) else None

    def config(self, config):
        """The spec's config dict with the spec's defaults filled in (the course's function takes every
        hyperparameter; its own defaults are not the spec's)."""
        return {**self.defaults, **(config or {})}


class Course:
    def __init__(self, payload, translation_file):
        self.entries, self.revision = payload["functions"], payload["revision"]
        self.translation = None
        if payload["translation"]:
            self.translation = types.ModuleType("_dlgrade_course_translation")
            self.translation.__dict__["np"] = np
            exec(compile(payload["translation"], translation_file, "exec"), self.translation.__dict__)
        self.helpers, self.imported, self.unused = payload["helpers"], payload["imported"], payload["unused"]

    def install(self):
        """Serve the course's helper modules in this process (the worker's): the stand-ins first, the empty
        modules last, for the packages the hand-in itself imports and no finder before found."""
        sys.meta_path.insert(1, Helpers(self.helpers, fallback=self.unused))  # the course's "unused": not imported
        sys.meta_path.append(Helpers({}, fallback=self.imported))
        return self

    def present(self, module, namespace):
        """The spec module `module` as the hand-in's functions make it: the spec functions of the course's table
        in that module whose course function it defines."""
        presented = types.ModuleType(module)
        for function, entry in self.entries.items():
            spec_module, _, name = function.partition(".")
            course_name = next((n for n in entry["names"] if callable(namespace.get(n))), None)
            if spec_module == module and course_name is not None:
                setattr(presented, name, self._presenter(Call(namespace[course_name], namespace, entry, self.revision),
                                                         course_name))
        presented.__cell_errors__ = namespace.get("__cell_errors__", [])
        return presented

    def _presenter(self, call, course_name):
        entry = call.entry
        adapter = getattr(self.translation, entry["adapter"]) if entry["adapter"] else None

        def spec_function(*args, **kwargs):
            args, kwargs = course_values(args), course_values(kwargs)
            try:
                if adapter is not None:
                    return plain(adapter(call, *args, **kwargs))
                return plain(_by_table(call, args, kwargs))
            except NameError as exc:
                missing = getattr(exc, "name", None)
                if missing is None or hasattr(builtins, missing):
                    raise
                raise NameError(f"{course_name} reads the name {missing!r}, which it does not define: the grader runs "
                                f"only the notebook's imports, function definitions and constants, so a global "
                                f"computed from data is not there; pass it as an argument or define it in the function",
                                name=missing) from None
        spec_function.__name__ = course_name
        return spec_function


def _by_table(call, args, kwargs):
    """The course's function called with the table's arguments (spec names, in the course's order; config.key for
    a key of a dict argument) and its result as the table's `returns` says (default: as it is)."""
    entry = call.entry
    bound = dict(zip(entry["parameters"], args), **kwargs)
    if call.defaults:  # an update rule's config: every hyperparameter the course's function takes is there
        bound["config"] = call.config(bound.get("config"))
    result = call(*[_path(bound, argument) for argument in entry["arguments"]]) if entry["arguments"] \
        else call(*args, **kwargs)
    if not entry["returns"]:
        return result
    scope = dict(bound, result=result)
    values = tuple(_path(scope, path) for path in entry["returns"])
    return values[0] if len(values) == 1 else values


def _path(scope, path):
    """scope["a"]["b"][0] for the path "a.b.0"."""
    head, *rest = path.split(".")
    value = scope[head]
    for part in rest:
        value = value[int(part)] if part.lstrip("-").isdigit() and not isinstance(value, dict) else value[part]
    return value
