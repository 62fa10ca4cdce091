"""Grading profiles: one small TOML file sets points, accepted variants, example counts and a course's conventions.

The bundled default is checks/policy/profiles/default.toml. A course's own profile lists only what
it changes; everything else comes from the default. A bundled profile is named by its file's stem
(`--profile cs231n` is checks/policy/profiles/cs231n.toml). [layout] says where a course's code puts
the spec's functions and which it grades, [conventions] how its arguments differ from the spec's
(engine.conventions translates them at the call), [libraries] what a submission may use (libraries.py).
"""
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ... import courses
from ..engine import conventions as course
from ..engine import mistakes
from ..engine.registry import REGISTRY, current_id
from ..engine.spec import PER_CHANNEL
from . import libraries as library_policy
from .tolerances import DTYPES

PROFILES = Path(__file__).with_name("profiles")
DEFAULT = PROFILES / "default.toml"
_SECTIONS = {"settings", "points", "accept", "max_examples", "layout", "conventions", "libraries", "course"}
_LAYOUT = {"package", "graded", "functions"}


class ProfileError(Exception):
    """A profile that cannot be used; the message says which key and why."""


@dataclass
class Profile:
    """A grading profile: the [settings] (their defaults are the bundled default.toml's, nowhere else) and tables."""
    max_examples: int          # Hypothesis examples per property check
    seed: int                  # the grading seed
    call_timeout: float        # seconds one call into the submission may take
    import_timeout: float      # seconds importing one module may take
    dtype: str                 # the tolerance column (checks/policy/tolerances.py)
    check_budget: float        # seconds one check may search
    min_examples: int          # seed-dependent examples a check must run to pass (the budget never cuts them…)
    slow_call: float           # …unless the calls take longer than this many seconds each: then it is incomplete
    show_expected: bool        # false: a wrong value is reported without the oracle's value
    points: dict = field(default_factory=dict)        # function -> points
    accept: dict = field(default_factory=dict)        # function -> variant names
    examples: dict = field(default_factory=dict)      # function or check id -> max_examples
    source: str = "default"
    package: str = ""          # [layout] package: the folder of the handed-in tree that holds the modules
    graded: tuple = ()         # [layout] graded: the modules or functions graded (empty: all of them)
    conventions: course.Conventions = field(default_factory=course.Conventions)  # [layout] functions, [conventions]
    libraries: library_policy.LibraryPolicy = field(default_factory=library_policy.LibraryPolicy)  # [libraries]
    course: object = None      # [course]: a dlgrade.courses.Course (its functions as the spec's), or None

    def accepted(self, function):
        return frozenset(self.accept.get(function, ()))

    def min_examples_for(self, check):
        """Seed-dependent examples the check's search must run to pass: the profile's minimum, at most its count."""
        return min(self.min_examples, self.max_examples_for(check))

    def max_examples_for(self, check):
        """A count the profile gives the check by id; else its function's (or the default) times the check's share.

        0 for a check of fixed cases, which runs no search."""
        if not check.searches:
            return 0
        if check.id in self.examples:
            return self.examples[check.id]
        return max(1, round(self.examples.get(check.function, self.max_examples) * check.examples))


def load(path=None):
    """The default profile, overlaid with the file at `path`.

    Every table names only functions that have checks (importing dlgrade.checks registered them). A
    function the profiles give no points gets the sum of its checks' weights (runner.function_points).
    """
    data = _read(DEFAULT)
    functions, defaults = {c.function for c in REGISTRY}, dict(data["settings"])
    if path is not None:
        for section, values in _read(_locate(path)).items():
            data.setdefault(section, {}).update(values)
    return _build(data, functions, str(path) if path else "default", defaults)


def bundled():
    """The names of the bundled profiles."""
    return sorted(p.stem for p in PROFILES.glob("*.toml"))


def _locate(path):
    """A profile file: `path` itself, or the bundled profile of that name."""
    file = Path(path)
    if not file.exists() and not file.suffix and file.name == str(path) and (PROFILES / f"{path}.toml").exists():
        return PROFILES / f"{path}.toml"
    if not file.exists():
        raise ProfileError(f"profile {path}: no such file (and no bundled profile of that name: {bundled()})")
    return file


def _read(path):
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ProfileError(f"profile {path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"profile {path}: not valid TOML ({exc})") from None
    unknown = set(data) - _SECTIONS
    if unknown:
        raise ProfileError(f"profile {path}: unknown section(s) {sorted(unknown)}; "
                           f"expected {sorted(_SECTIONS)}")
    return data


def _build(data, functions, source, defaults):
    settings = data.get("settings", {})
    for key, value in settings.items():
        if key not in defaults:
            raise ProfileError(f"profile {source}: unknown setting {key!r}; expected one of {sorted(defaults)}")
        _check_setting(key, value, type(defaults[key]), source)
    for name, value in data.get("points", {}).items():
        _known_function(name, functions, source, "points")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ProfileError(f"profile {source}: points for {name!r} must be a non-negative number, not {value!r}")
    for name, variants in data.get("accept", {}).items():
        _known_function(name, functions, source, "accept")
        documented = {m.name for m in mistakes.of(name) if m.documented}
        for variant in variants:
            if variant not in documented:
                raise ProfileError(f"profile {source}: {name} has no documented variant {variant!r}; "
                                   f"it has {sorted(documented) or 'none'}")
    examples = {current_id(name): value for name, value in data.get("max_examples", {}).items()}  # old ids too
    for name, value in examples.items():
        _known_function(name.partition("/")[0], functions, source, "max_examples")
        if "/" in name and name not in {c.id for c in REGISTRY}:
            raise ProfileError(f"profile {source}: [max_examples] names {name!r}, which is not a check")
        if not isinstance(value, int) or value < 1:
            raise ProfileError(f"profile {source}: max_examples for {name!r} must be a positive integer, "
                               f"not {value!r}")
    layout = data.get("layout", {})
    _check_layout(layout, functions, source)
    conventions = _conventions(data.get("conventions", {}), layout.get("functions", {}), functions, source)
    try:
        policy = library_policy.from_table(data.get("libraries", {}), source)
    except library_policy.PolicyError as exc:
        raise ProfileError(str(exc)) from None
    values = {key: type(default)(settings.get(key, default)) for key, default in defaults.items()}
    try:
        course = courses.from_table(data["course"], functions, source) if "course" in data else None
    except courses.CourseError as exc:
        raise ProfileError(str(exc)) from None
    return Profile(**values, course=course, points=dict(data.get("points", {})),
                   accept={k: list(v) for k, v in data.get("accept", {}).items()},
                   examples=examples, source=source, package=layout.get("package", ""),
                   graded=tuple(layout.get("graded", ())), conventions=conventions, libraries=policy)


def _check_layout(layout, functions, source):
    """[layout]: package (a folder name), graded (modules or functions), functions (spec name -> the course's)."""
    unknown = set(layout) - _LAYOUT
    if unknown:
        raise ProfileError(f"profile {source}: unknown [layout] key(s) {sorted(unknown)}; expected {sorted(_LAYOUT)}")
    package = layout.get("package", "")
    if not isinstance(package, str) or "/" in package or package in (".", ".."):
        raise ProfileError(f"profile {source}: [layout] package must be a folder name, not {package!r}")
    modules = {f.partition(".")[0] for f in functions}
    graded = layout.get("graded", [])
    if not isinstance(graded, list) or any(g not in functions | modules for g in graded):
        raise ProfileError(f"profile {source}: [layout] graded must list modules or functions of the spec, "
                           f"not {graded!r}")
    for name, target in layout.get("functions", {}).items():
        parts = 2 if name in functions else 1 if name in modules else 0
        if not parts:
            raise ProfileError(f"profile {source}: [layout.functions] names {name!r}, which is not a graded "
                               f"function or module")
        if not isinstance(target, str) or len(target.split(".")) != parts or not all(target.split(".")):
            raise ProfileError(f"profile {source}: [layout.functions] {name!r} must map to a "
                               f"{'module.function' if parts == 2 else 'module'} name, not {target!r}")


def _conventions(table, aliases, functions, source):
    """engine.conventions.Conventions of the [conventions] table (see there) and [layout.functions]."""
    choices = {"dropout_p": course.DROPOUT_P, "mode": course.MODES}
    unknown = set(table) - set(choices) - {"channel_shape", "keywords"}
    if unknown:
        raise ProfileError(f"profile {source}: unknown convention(s) {sorted(unknown)}; expected "
                           f"{sorted([*choices, 'channel_shape', 'keywords'])}")
    for key, allowed in choices.items():
        if key in table and table[key] not in allowed:
            raise ProfileError(f"profile {source}: convention {key} must be one of {list(allowed)}, "
                               f"not {table[key]!r}")
    for name, shape in table.get("channel_shape", {}).items():
        if name not in PER_CHANNEL or shape not in course.CHANNEL_SHAPES:
            raise ProfileError(f"profile {source}: [conventions.channel_shape] maps one of {list(PER_CHANNEL)} "
                               f"to one of {list(course.CHANNEL_SHAPES)}, not {name!r} = {shape!r}")
    for name, keywords in table.get("keywords", {}).items():
        _known_function(name, functions, source, "conventions.keywords")
        if not isinstance(keywords, dict):
            raise ProfileError(f"profile {source}: [conventions.keywords] {name!r} must be a table of "
                               f"keyword arguments, not {keywords!r}")
    spec = course.Conventions()
    return course.Conventions(functions=dict(aliases), dropout_p=table.get("dropout_p", spec.dropout_p),
                              mode=table.get("mode", spec.mode), channel_shape=dict(table.get("channel_shape", {})),
                              keywords={k: dict(v) for k, v in table.get("keywords", {}).items()})


def _check_setting(key, value, kind, source):
    """A setting must have its default's type: true/false, a dtype column, or a number (seed ≥ 0, others > 0)."""
    if key == "dtype":
        if value not in DTYPES:
            raise ProfileError(f"profile {source}: dtype must be one of {list(DTYPES)}, not {value!r}")
        return
    if kind is bool:
        if not isinstance(value, bool):
            raise ProfileError(f"profile {source}: setting {key!r} must be true or false, not {value!r}")
        return
    least = "non-negative" if key == "seed" else "positive"
    number = isinstance(value, int if kind is int else (int, float)) and not isinstance(value, bool)
    if not number or value < 0 or (value == 0 and key != "seed"):
        raise ProfileError(f"profile {source}: setting {key!r} must be a {least} number, not {value!r}")


def _known_function(name, functions, source, section):
    if name not in functions:
        raise ProfileError(f"profile {source}: [{section}] names {name!r}, which is not a graded function")
