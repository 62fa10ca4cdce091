"""Grading profiles: one small TOML file sets points, accepted variants and example counts.

The bundled default is checks/policy/profiles/default.toml. A course's own profile lists only what
it changes; everything else comes from the default.
"""
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..engine import mistakes
from ..engine.registry import REGISTRY
from .tolerances import DTYPES

PROFILES = Path(__file__).with_name("profiles")
DEFAULT = PROFILES / "default.toml"
_SECTIONS = {"settings", "points", "accept", "max_examples"}


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
    show_expected: bool        # false: a wrong value is reported without the oracle's value
    points: dict = field(default_factory=dict)        # function -> points
    accept: dict = field(default_factory=dict)        # function -> variant names
    examples: dict = field(default_factory=dict)      # function or check id -> max_examples
    source: str = "default"

    def accepted(self, function):
        return frozenset(self.accept.get(function, ()))

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
        for section, values in _read(Path(path)).items():
            data.setdefault(section, {}).update(values)
    return _build(data, functions, str(path) if path else "default", defaults)


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
    for name, value in data.get("max_examples", {}).items():
        _known_function(name.partition(":")[0], functions, source, "max_examples")
        if not isinstance(value, int) or value < 1:
            raise ProfileError(f"profile {source}: max_examples for {name!r} must be a positive integer, "
                               f"not {value!r}")
    values = {key: kind(settings.get(key, default)) for key, default in defaults.items() for kind in [type(default)]}
    return Profile(**values, points=dict(data.get("points", {})),
                   accept={k: list(v) for k, v in data.get("accept", {}).items()},
                   examples=dict(data.get("max_examples", {})), source=source)


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
