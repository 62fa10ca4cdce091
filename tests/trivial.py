"""Trivial implementations of every function of the spec, written as a submission a profile's layout reads.

Each KIND computes nothing from the formula: it returns None, an input unchanged, zeros, ones, a constant,
random values, raises, or sleeps past the call timeout. To make them as hard to tell from real code as they
can be, the value-returning kinds have the right structure, shapes and dtypes: the submission carries a copy
of the reference, calls it on copies of its arguments for the shape of the answer only, and replaces every
value in it (a dict argument, the config, is handed back as it came for `inputs`).
"""
import shutil
import textwrap

import dlgrade.checks  # noqa: F401  (fills the registry)
from dlgrade.checks.engine import runner
from dlgrade.sandbox import resolve

from .grading import REFERENCE

KINDS = ("none", "first_input", "inputs", "zeros", "ones", "constant", "random", "raises", "sleeps")

HELPER = textwrap.dedent('''
    """Trivial implementations (tests/trivial.py): the answer's structure, none of its values."""
    import copy
    import time

    import numpy as np

    SLEEP = {sleep!r}


    def _copy(value):
        try:
            return copy.deepcopy(value)
        except Exception:
            return value


    def _first(args, types):
        return next((a for a in args if isinstance(a, types) and not isinstance(a, bool)), None)


    def _fill(value, kind, args, rng):
        if isinstance(value, dict):
            given = _first(args, dict)
            if kind == "inputs" and given is not None:
                return given
            return {{k: _fill(v, kind, args, rng) for k, v in value.items()}}
        if isinstance(value, (tuple, list)):
            return type(value)(_fill(v, kind, args, rng) for v in value)
        if isinstance(value, np.ndarray):
            given = _first(args, np.ndarray)
            if kind == "inputs":
                return given if given is not None else np.zeros_like(value)
            if value.dtype.kind in "iub":
                return {{"zeros": np.zeros_like, "ones": np.ones_like, "constant": lambda v: np.full_like(v, 3),
                        "random": lambda v: rng.integers(0, 10, v.shape).astype(v.dtype)}}[kind](value)
            return {{"zeros": np.zeros_like, "ones": np.ones_like, "constant": lambda v: np.full_like(v, 0.37),
                    "random": lambda v: rng.standard_normal(v.shape).astype(v.dtype)}}[kind](value)
        if isinstance(value, (bool, np.bool_)):
            return {{"zeros": False, "ones": True, "constant": True, "random": bool(rng.integers(2)),
                    "inputs": False}}[kind]
        if isinstance(value, (int, np.integer)):
            given = _first(args, (int, np.integer))
            return {{"zeros": 0, "ones": 1, "constant": 3, "random": int(rng.integers(0, 10)),
                    "inputs": given if given is not None else 0}}[kind]
        if isinstance(value, (float, np.floating)):
            given = _first(args, (float, np.floating))
            return {{"zeros": 0.0, "ones": 1.0, "constant": 0.37, "random": float(rng.standard_normal()),
                    "inputs": given if given is not None else 0.0}}[kind]
        return value


    def make(reference, kind):
        def trivial(*args, **kwargs):
            if kind == "none":
                return None
            if kind == "first_input":
                return args[0] if args else None
            if kind == "raises":
                raise ValueError("trivial")
            if kind == "sleeps":
                time.sleep(SLEEP)
                return None
            try:
                shape_of_answer = reference(*_copy(args), **_copy(kwargs))
            except Exception:
                shape_of_answer = _first(args, np.ndarray)
            return _fill(shape_of_answer, kind, args, np.random.default_rng())
        trivial.__name__ = reference.__name__
        return trivial
''')


def functions(profile):
    """The spec functions the profile grades (its layout's list, else all that have checks but a course's rows)."""
    return sorted({c.function for c in runner.select(profile.graded)})


def write(folder, profile, kind, sleep=3.0):
    """A submission of `kind` for every function the profile grades, in its layout; resolved, ready to grade."""
    root = folder / profile.package if profile.package else folder
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REFERENCE, root / "_shape_oracle", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "_trivial.py").write_text(HELPER.format(sleep=sleep))
    modules = {}
    for function in functions(profile):
        module, name = profile.conventions.locate(function)
        spec_module, spec_name = function.split(".")
        modules.setdefault(module, []).append(
            f"{name} = make(_oracle_{spec_module}.{spec_name}, {kind!r})")
        modules[module].insert(0, f"from _shape_oracle import {spec_module} as _oracle_{spec_module}")
    for module, lines in modules.items():
        imports = sorted({line for line in lines if line.startswith("from ")})
        body = [line for line in lines if not line.startswith("from ")]
        (root / f"{module}.py").write_text("\n".join(["from _trivial import make", *imports, "", *body, ""]))
    return resolve(folder, package=profile.package)
