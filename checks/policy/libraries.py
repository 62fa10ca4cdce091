"""What a submission may use: the [libraries] section of a grading profile.

    [libraries]
    forbidden = ["torch", "jax", …]   # packages (import names) absent from the worker's view
    allowed = ["numpy", "future"]     # optional: only these (with what they need) and the standard library
    [libraries.functions]
    "numpy.linalg.pinv" = "refuse"    # single functions, found by reading the source: "refuse" or "report"

A forbidden package is enforced by the sandbox's view (sandbox.isolation.package_view): its files are not
there, and a stand-in under its name makes an unused import free and any use fail the function that used
it. The sandbox receives only the list of names (`hidden_packages`); this module knows why. Single
functions cannot be hidden without breaking their package: checks/policy/source_scan.py finds them in
the source. A library graded through an adapter is not held to any of this (Target.widen lifts it).
"""
import functools
import importlib.metadata
import keyword
import re
import sys
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement

FUNCTION_COSTS = ("refuse", "report")   # refuse: the function that uses it earns 0 on its checks; report: said only
WORKER_NEEDS = "numpy"                  # the worker itself imports it: never hidden
_GRADER = re.compile(r"(__editable__[._]*)?dlgrade([-_.].*)?$")


class PolicyError(ValueError):
    """A [libraries] section that cannot be used; the message says which key and why."""


@dataclass
class LibraryPolicy:
    forbidden: tuple = ()        # import names hidden from the worker (a stand-in under each)
    allowed: tuple | None = None  # when set: only these, what they require and the standard library may be imported
    functions: dict = field(default_factory=dict)  # "numpy.linalg.pinv" -> "refuse" | "report"

    @property
    def active(self):
        return bool(self.forbidden or self.allowed is not None or self.functions)

    def hidden_packages(self):
        """The import names the sandbox hides: the forbidden ones and, with `allowed`, every other installed
        top-level package but the allowed ones and the distributions they require."""
        if self.allowed is None:
            return tuple(sorted(self.forbidden))
        return tuple(sorted(set(self.forbidden) | (installed_names() - _required_names(tuple(self.allowed)))))

    def refused_functions(self):
        return sorted(name for name, cost in self.functions.items() if cost == "refuse")

    def describe(self):
        """The policy in one sentence, for every report and --list."""
        if not self.active:
            return "none: a submission may import any installed package"
        parts = []
        if self.allowed is not None:
            parts.append(f"only {', '.join([WORKER_NEEDS, *self.allowed])} (and what they require) and the "
                         f"standard library")
        if self.forbidden:
            parts.append(f"not {', '.join(self.forbidden)}")
        refused, reported = self.refused_functions(), sorted(set(self.functions) - set(self.refused_functions()))
        if refused:
            parts.append(f"not the functions {', '.join(refused)} (found in the source; the function that uses "
                         f"one earns 0)")
        if reported:
            parts.append(f"the functions {', '.join(reported)} reported where the source uses them")
        return "; ".join(parts)


def from_table(table, source):
    """The LibraryPolicy of a profile's [libraries] table; PolicyError saying what is wrong."""
    unknown = set(table) - {"forbidden", "allowed", "functions"}
    if unknown:
        raise PolicyError(f"profile {source}: unknown [libraries] key(s) {sorted(unknown)}; expected "
                          f"['allowed', 'forbidden', 'functions']")
    forbidden = _names(table.get("forbidden", []), "forbidden", source)
    allowed = _names(table["allowed"], "allowed", source, may_name_worker_needs=True) if "allowed" in table \
        else None
    both = sorted(set(forbidden) & set(allowed or ()))
    if both:
        raise PolicyError(f"profile {source}: [libraries] both forbids and allows {both}")
    functions = table.get("functions", {})
    if not isinstance(functions, dict):
        raise PolicyError(f"profile {source}: [libraries.functions] must be a table of \"module.function\" = "
                          f"{' or '.join(map(repr, FUNCTION_COSTS))}")
    for name, cost in functions.items():
        if len(name.split(".")) < 2 or not all(part.isidentifier() for part in name.split(".")):
            raise PolicyError(f"profile {source}: [libraries.functions] names {name!r}; expected a dotted name "
                              f"such as \"numpy.linalg.pinv\"")
        if cost not in FUNCTION_COSTS:
            raise PolicyError(f"profile {source}: [libraries.functions] {name!r} must be one of "
                              f"{list(FUNCTION_COSTS)}, not {cost!r}")
    return LibraryPolicy(tuple(dict.fromkeys(forbidden)), None if allowed is None else tuple(
        n for n in dict.fromkeys(allowed) if n != WORKER_NEEDS), dict(functions))


def _names(value, key, source, may_name_worker_needs=False):
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise PolicyError(f"profile {source}: [libraries] {key} must be a list of package names, not {value!r}")
    for name in value:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise PolicyError(f"profile {source}: [libraries] {key} names {name!r}: a package's import name "
                              f"(torch, sklearn), without dots; single functions go in [libraries.functions]")
        if name in sys.stdlib_module_names:
            raise PolicyError(f"profile {source}: [libraries] {key} names {name!r}, a module of the standard "
                              f"library, which the worker cannot do without; name its functions in "
                              f"[libraries.functions] instead")
        if name == WORKER_NEEDS and not may_name_worker_needs:
            raise PolicyError(f"profile {source}: [libraries] {key} names {name!r}, which the worker itself imports "
                              f"(submissions compute with NumPy); name its functions in [libraries.functions]")
    return value


@functools.lru_cache(maxsize=1)
def installed_names():
    """The top-level import names of the installed distributions (the grader's interpreter is the worker's),
    less the standard library's, NumPy and the grader's own (hidden anyway)."""
    names = {n for n in importlib.metadata.packages_distributions() if n.isidentifier()}
    return frozenset(n for n in names if n not in sys.stdlib_module_names and n != WORKER_NEEDS
                     and not _GRADER.match(n))


@functools.lru_cache(maxsize=8)
def _required_names(allowed):
    """The import names of the allowed packages' distributions and of every distribution they require
    (their Requires-Dist without extras, whose markers hold here), transitively."""
    owners = importlib.metadata.packages_distributions()
    pending = [d for name in (WORKER_NEEDS, *allowed) for d in owners.get(name, ())]
    seen = set()
    while pending:
        name = _canonical(pending.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in requires:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return frozenset(n for n, dists in owners.items() if any(_canonical(d) in seen for d in dists)) | set(allowed)


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()
