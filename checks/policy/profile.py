"""Grading profiles: one small TOML file sets points, accepted variants, example counts and a course's conventions.

The bundled default is checks/policy/profiles/default.toml. A course's own profile lists only what
it changes; everything else comes from the default. A bundled profile is named by its file's stem
(`--profile cs231n` is checks/policy/profiles/cs231n.toml). [layout] says where a course's code puts
the spec's functions and which it grades, [conventions] how its arguments differ from the spec's
(engine.conventions translates them at the call), [libraries] what a submission may use (libraries.py),
[domain] the input promises the assignment makes (the checks draw only such inputs), [dependencies] the
packages the course's own files import. A course's [years] say how its assignment differed from year to year
(checks/policy/years.py): `--profile cs231n-2017` applies one year's, `--profile cs231n` detects it from the tree.
"""
import dataclasses
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
from ..engine.spec import COURSE_ROWS, PER_CHANNEL, PROMISES
from . import gradescope as gradescope_policy
from . import libraries as library_policy
from .tolerances import DTYPES
from .years import check_years, course_name, year_entry, years_overlay
from .years import words as years_words

PROFILES = Path(__file__).with_name("profiles")
DEFAULT = PROFILES / "default.toml"
_SECTIONS = {"settings", "points", "accept", "max_examples", "layout", "conventions", "libraries", "domain",
             "dependencies", "years", "gradescope", "course"}
_LAYOUT = {"package", "graded", "functions", "provided", "not_asked", "copied", "extensions"}


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
    provided: tuple = ()       # [layout] provided: the course's own code (modules or functions), never graded
    not_asked: tuple = ()      # [layout] not_asked: what this year's assignment does not ask for
    copied: tuple = ()         # [layout] copied: functions the assignment has copied over from an earlier one
    promises: tuple = ()       # [domain] promises: the input promises the checks keep to (engine.spec.PROMISES)
    dependencies: dict = field(default_factory=dict)  # [dependencies] import name -> the pip package providing it
    extensions: dict = field(default_factory=dict)  # [layout.extensions] a compiled extension -> its functions
    years: dict = field(default_factory=dict)  # [years]: the course's years (years.py); empty once one is applied
    year: str = ""             # the [years] table applied ("2016-2017"), "" when none
    year_reason: str = ""      # which year's conventions were applied and why, for the report's header
    data: dict = field(default_factory=dict, repr=False, compare=False)  # the tables it was built from

    def for_year(self, year, why):
        """This profile with the tables of its [years] entry `year` overlaid (each key it names replaces the
        base's), its seed and example counts kept; why: how the year was chosen, said in the report."""
        data = years_overlay(self.data, self.years, year)
        chosen = _build(data, {c.function for c in REGISTRY}, self.source, _read(DEFAULT)["settings"])
        return dataclasses.replace(chosen, seed=self.seed, max_examples=self.max_examples, examples=self.examples,
                                   year=year, year_reason=why)

    def leaves_out(self, function):
        """Whether the course's own code ([layout] provided) or what its year does not ask (not_asked) holds it."""
        left_out = set(self.provided) | set(self.not_asked)
        return function in left_out or function.partition(".")[0] in left_out

    def graded_functions(self):
        """The functions graded: [layout] graded (empty: every function but a course's rows), less the provided
        and the not asked."""
        functions = sorted({c.function for c in REGISTRY})
        named = set(self.graded) | {g.partition("/")[0] for g in self.graded}  # a check id names its function
        graded = [f for f in functions if f in named or (f.partition(".")[0] in named and f not in COURSE_ROWS)
                  or not (self.graded or f in COURSE_ROWS)]  # a course's row only where it is named
        return tuple(f for f in graded if not self.leaves_out(f))

    gradescope: dict = field(default_factory=dict)  # [gradescope]: what students see when (policy/gradescope.py)
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
    """The default profile, overlaid with the file at `path`: a TOML file, a bundled profile's name, or a bundled
    course's name and year (cs231n-2017: the [years] entry holding 2017 applied).

    Every table names only functions that have checks (importing dlgrade.checks registered them). A
    function the profiles give no points gets the sum of its checks' weights (runner.function_points).
    """
    data = _read(DEFAULT)
    functions, defaults = {c.function for c in REGISTRY}, dict(data["settings"])
    year = None
    if path is not None:
        file, year, named = _locate(path)
        for section, values in _read(file).items():
            data.setdefault(section, {}).update(values)
        if named:  # dls-C1W4, dls-2017, dls-C4W1-2017: the course's assignment and revision, named
            data["course"] = {**data["course"], **named}
    profile = _build(data, functions, str(path) if path else "default", defaults)
    if year is not None:
        entry = year_entry(profile.years, year, str(path), ProfileError)
        return profile.for_year(entry, f"{course_name(profile.years)} {year}, the conventions of "
                                       f"{years_words(entry)}: named by the profile ({path})")
    return profile


def bundled():
    """The names of the bundled profiles."""
    return sorted(p.stem for p in PROFILES.glob("*.toml"))


def _locate(path):
    """(profile file, year or None, course settings): `path` itself, the bundled profile of that name, or a bundled
    profile and a year of it (cs231n-2017) or, for a course's, its assignment and/or revision ({"assignment":
    "C1W4", "revision": "2017"} from dls-C1W4, dls-2017, dls-C4W1-2017)."""
    file = Path(path)
    bundled_name = not file.exists() and not file.suffix and file.name == str(path)
    if bundled_name and (PROFILES / f"{path}.toml").exists():
        return PROFILES / f"{path}.toml", None, {}
    first, _, rest = str(path).partition("-")
    if bundled_name and rest and (PROFILES / f"{first}.toml").exists():
        named = _course_named(_read(PROFILES / f"{first}.toml").get("course", {}), rest)
        if named:
            return PROFILES / f"{first}.toml", None, named
    stem, _, year = str(path).rpartition("-")
    if bundled_name and year.isdigit() and (PROFILES / f"{stem}.toml").exists():
        return PROFILES / f"{stem}.toml", int(year), {}
    if not file.exists():
        raise ProfileError(f"profile {path}: no such file (and no bundled profile of that name: {bundled()})")
    return file, None, {}


def _course_named(course, rest):
    """{"assignment": …, "revision": …} that `rest` names in a [course] table ("C1W4", "2017", "C4W1-2017"), or {}."""
    assignments, revisions = course.get("assignments", {}), course.get("revisions", {})
    if rest in assignments:
        return {"assignment": rest}
    if rest in revisions:
        return {"revision": rest}
    key, _, revision = rest.partition("-")
    return {"assignment": key, "revision": revision} if key in assignments and revision in revisions else {}


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
    loose = sorted(name for name, value in data.items() if not isinstance(value, dict))
    if loose:  # `points = 3` where [points] belongs: a sentence, not a TypeError when the sections are merged
        raise ProfileError(f"profile {path}: {', '.join(loose)} must be a table ([{loose[0]}]), not a value")
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
    try:
        shown = gradescope_policy.from_table(data.get("gradescope", {}), source).as_table()
    except gradescope_policy.GradescopeError as exc:
        raise ProfileError(str(exc)) from None
    values = {key: type(default)(settings.get(key, default)) for key, default in defaults.items()}
    try:
        course = courses.from_table(data["course"], functions, source) if "course" in data else None
    except courses.CourseError as exc:
        raise ProfileError(str(exc)) from None
    course_years = data.get("years", {})
    check_years(course_years, source, ProfileError)
    return Profile(**values, course=course, points=dict(data.get("points", {})),
                   accept={k: list(v) for k, v in data.get("accept", {}).items()},
                   examples=examples, source=source, package=layout.get("package", ""),
                   graded=tuple(layout.get("graded", ())), conventions=conventions, libraries=policy,
                   provided=tuple(layout.get("provided", ())), not_asked=tuple(layout.get("not_asked", ())),
                   copied=tuple(layout.get("copied", ())), promises=_promises(data.get("domain", {}), source),
                   dependencies=_dependencies(data.get("dependencies", {}), source),
                   extensions={e: tuple(u) for e, u in layout.get("extensions", {}).items()}, years=course_years,
                   data=data, gradescope=shown)


def _promises(table, source):
    """[domain] promises: names of the input promises the areas declare (engine.spec.PROMISES)."""
    unknown_keys = set(table) - {"promises"}
    promises = table.get("promises", [])
    if unknown_keys or not isinstance(promises, list) or any(p not in PROMISES for p in promises):
        raise ProfileError(f"profile {source}: [domain] takes promises = a list of {sorted(PROMISES)}, "
                           f"not {table!r}")
    return tuple(promises)


def _dependencies(table, source):
    """[dependencies]: {import name: the pip package that provides it}, both plain names."""
    for name, package in table.items():
        if not (isinstance(package, str) and name.isidentifier() and package.replace("-", "_").isidentifier()):
            raise ProfileError(f"profile {source}: [dependencies] maps an import name to a pip package's name, "
                               f"not {name!r} = {package!r}")
    return dict(table)


def _check_layout(layout, functions, source):
    """[layout]: package (a folder name), graded (modules or functions), functions (spec name -> the course's)."""
    unknown = set(layout) - _LAYOUT
    if unknown:
        raise ProfileError(f"profile {source}: unknown [layout] key(s) {sorted(unknown)}; expected {sorted(_LAYOUT)}")
    package = layout.get("package", "")
    if not isinstance(package, str) or "/" in package or package in (".", ".."):
        raise ProfileError(f"profile {source}: [layout] package must be a folder name, not {package!r}")
    modules = {f.partition(".")[0] for f in functions}
    for key in ("graded", "provided", "not_asked", "copied"):
        names = layout.get(key, [])
        if not isinstance(names, list) or any(g not in functions | modules for g in names):
            raise ProfileError(f"profile {source}: [layout] {key} must list modules or functions of the spec, "
                               f"not {names!r}")
    extensions = layout.get("extensions", {})
    if not isinstance(extensions, dict) or not all(
            isinstance(e, str) and e.isidentifier() and isinstance(users, list) and set(users) <= functions
            for e, users in extensions.items()):
        raise ProfileError(f"profile {source}: [layout.extensions] maps each of the course's compiled extensions "
                           f"to the graded functions whose course code needs it (im2col_cython = "
                           f"[\"net.ThreeLayerConvNet\"]), not {extensions!r}")
    for name, target in layout.get("functions", {}).items():
        parts = 2 if name in functions else 1 if name in modules else 0
        if not parts:
            raise ProfileError(f"profile {source}: [layout.functions] names {name!r}, which is not a graded "
                               f"function or module")
        pieces = target.split(".") if isinstance(target, str) else []  # a module may be a subpackage's (a.b)
        if len(pieces) < parts or not all(piece.isidentifier() for piece in pieces):
            raise ProfileError(f"profile {source}: [layout.functions] {name!r} must map to a "
                               f"{'module.function' if parts == 2 else 'module'} name, not {target!r}")


def _conventions(table, aliases, functions, source):
    """engine.conventions.Conventions of the [conventions] table (see there) and [layout.functions]."""
    choices = {"dropout_p": course.DROPOUT_P, "mode": course.MODES}
    unknown = set(table) - set(choices) - {"channel_shape", "keywords", "renamed"}
    if unknown:
        raise ProfileError(f"profile {source}: unknown convention(s) {sorted(unknown)}; expected "
                           f"{sorted([*choices, 'channel_shape', 'keywords', 'renamed'])}")
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
    for name, renamed in table.get("renamed", {}).items():
        _known_function(name, functions, source, "conventions.renamed")
        _check_renamed(name, renamed, source)
    spec = course.Conventions()
    return course.Conventions(functions=dict(aliases), dropout_p=table.get("dropout_p", spec.dropout_p),
                              mode=table.get("mode", spec.mode), channel_shape=dict(table.get("channel_shape", {})),
                              keywords={k: dict(v) for k, v in table.get("keywords", {}).items()},
                              renamed={k: dict(v) for k, v in table.get("renamed", {}).items()})


def _check_renamed(name, renamed, source):
    """[conventions.renamed] "function" = {keyword = "course's keyword" or {name = "…", values = {…}}}."""
    def valid(course):
        return isinstance(course, str) or (isinstance(course, dict) and set(course) == {"name", "values"}
                                           and isinstance(course["name"], str) and isinstance(course["values"], dict))
    if not isinstance(renamed, dict) or not all(valid(course) for course in renamed.values()):
        raise ProfileError(f"profile {source}: [conventions.renamed] {name!r} must map keyword arguments to the "
                           f"course's names (a string, or a table {{name, values}}), not {renamed!r}")


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
