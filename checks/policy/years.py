"""A course's years: how its assignment differed from year to year, as data, and which year a tree is.

A profile's [years] table (checks/policy/profiles/cs231n.toml) holds one entry per span of years whose
assignment was the same ("2016-2017", "2025"). An entry overlays the profile's own tables: each key it names
replaces the base's (`[years."2016-2017".conventions] dropout_p = "drop"`), so a year lists only how it
differs. Beside the tables, an entry may say how to recognise its trees:

    detect        {file of the package: [phrases]}: words the year's own files hold (docstrings, signatures),
                  compared in lower case with runs of white space as one space
    fingerprints  {spec function: [fingerprint]}: the course's own code of that year (fingerprint() below);
                  a year with fingerprints is chosen only for a tree whose code has them all

`--profile cs231n-2017` applies the entry holding 2017. `--profile cs231n` detects the year (settle): of the
entries whose fingerprints hold, one that has fingerprints (the course's own code is there), else the one with the
most phrases found, then the fewest of its phrases missing, then the later years. Phrases are
the student's to edit, so a year that takes functions out of the grading because the course provides them
(2025's optim.py) is chosen only on its fingerprints, the course's code itself; the report's header says which
year was applied and what in the tree said so. For a class whose year is known, name it.
"""
import ast
import copy
import hashlib
import re
from pathlib import Path

YEAR_KEY = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
ENTRY_KEYS = {"detect", "fingerprints"}
SETTINGS = {"course", "default"}


def check_years(table, source, error):
    """Raise `error` (ProfileError) for a [years] table that cannot be used."""
    if not table:
        return
    unknown = {k for k in table if k not in SETTINGS and not YEAR_KEY.match(k)}
    if unknown:
        raise error(f"profile {source}: [years] holds course, default and entries named by years (\"2016-2017\", "
                    f"\"2025\"), not {sorted(unknown)}")
    if table.get("default") not in _entries(table):
        raise error(f"profile {source}: [years] default must name one of its entries {sorted(_entries(table))}")
    for key, entry in _entries(table).items():
        if not isinstance(entry, dict):
            raise error(f"profile {source}: [years.\"{key}\"] must be a table")
        for name in ("detect", "fingerprints"):
            for where, listed in entry.get(name, {}).items():
                if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
                    raise error(f"profile {source}: [years.\"{key}\".{name}] {where!r} must list strings")


def course_name(table):
    return table.get("course", "the course")


def _entries(table):
    return {k: v for k, v in table.items() if YEAR_KEY.match(k)}


def _span(key):
    first, last = YEAR_KEY.match(key).groups()
    return int(first), int(last or first)


def words(key):
    """"2016-2017" as a report says it: 2016–2017."""
    return key.replace("-", "–")


def year_entry(table, year, source, error):
    """The key of the entry whose span holds `year`; error (the profile's ProfileError) raised if none."""
    for key in _entries(table):
        first, last = _span(key)
        if first <= year <= last:
            return key
    spans = ", ".join(words(k) for k in _entries(table))
    raise error(f"profile {source}: {'no years' if not table else f'years {spans}'} known, not {year}")


def years_overlay(data, table, key):
    """The profile's tables with the entry's overlaid: every key the entry names replaces the base's."""
    merged = copy.deepcopy({k: v for k, v in data.items() if k != "years"})
    for section, values in table[key].items():
        if section in ENTRY_KEYS:
            continue
        target = merged.setdefault(section, {})
        for name, value in values.items():
            if isinstance(value, dict) and isinstance(target.get(name), dict):
                target[name] = {**target[name], **copy.deepcopy(value)}
            else:
                target[name] = copy.deepcopy(value)
    return merged


def fingerprint(node):
    """A function's code without its docstring, comments and layout: what a copy of the course's file keeps and
    an edit of it changes (the first 16 hex digits of the sha256 of its syntax tree)."""
    node = copy.deepcopy(node)
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(_canonical(node).encode()).hexdigest()[:16]


def _canonical(node):
    """The tree as text, the same on every Python: node types and fields, no positions; empty fields left out
    (a newer Python's new field, such as type_params, is empty in the course's code)."""
    if isinstance(node, ast.AST):
        fields = [f"{name}={_canonical(value)}" for name, value in ast.iter_fields(node)
                  if value is not None and value != []]
        return f"{type(node).__name__}({','.join(fields)})"
    if isinstance(node, list):
        return f"[{','.join(_canonical(item) for item in node)}]"
    return repr(node)


def fingerprints_of(path):
    """{function name: fingerprint} of the top-level functions (and methods, as Class.name) of a Python file."""
    try:
        tree = ast.parse(Path(path).read_text(errors="replace"))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):  # not Python: no fingerprint
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = fingerprint(node)
        elif isinstance(node, ast.ClassDef):
            found.update({f"{node.name}.{m.name}": fingerprint(m) for m in node.body
                          if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))})
    return found


def _text(root, relative):
    try:
        return " ".join((Path(root) / relative).read_text(errors="replace").lower().split())
    except OSError:
        return None


def _fingerprints_hold(entry, root, conventions):
    """(hold, the first function whose fingerprint differs or is absent)."""
    for function, known in entry.get("fingerprints", {}).items():
        module, name = conventions.locate(function)
        if fingerprints_of(Path(root) / f"{module}.py").get(name) not in known:
            return False, f"{module}.py's {name}"
    return True, ""


def detect(profile, root):
    """(entry key, why in words) of the year a package folder is, by the profile's [years]."""
    table = profile.years
    found = {}
    for key, entry in _entries(table).items():
        found[key] = [(file, phrase) for file, phrases in entry.get("detect", {}).items()
                      for phrase in phrases if phrase in (_text(root, file) or "")]
    entries = _entries(table)
    candidates = [key for key, entry in entries.items() if _fingerprints_hold(entry, root, profile.conventions)[0]]

    def rank(key):  # the most phrases found, then the fewest of its own not found, then the later years
        return len(found[key]), len(found[key]) - sum(map(len, entries[key].get("detect", {}).values())), _span(key)
    by_phrases = max(entries, key=rank)
    refused = []
    if by_phrases not in candidates:  # the student's words say a year whose course code is not there
        differs = _fingerprints_hold(_entries(table)[by_phrases], root, profile.conventions)[1]
        refused.append(f"its files also read like {words(by_phrases)}, but {differs} is not the course's "
                       f"{words(by_phrases)} code, so {words(by_phrases)} was not applied (name --profile "
                       f"{profile.source}-{_span(by_phrases)[0]} if it is)")
    best = max(candidates, key=lambda k: (bool(entries[k].get("fingerprints")), rank(k)))  # the course's code first
    name = course_name(table)
    if not found[best]:
        best = table["default"]
        why = f"{name} {words(best)}: nothing in the tree says the year, so the default year's conventions"
    else:
        said = "; ".join(f"{file} says \"{phrase}\"" for file, phrase in found[best])
        kept = [f"{function} is the course's code" for function in _entries(table)[best].get("fingerprints", {})]
        why = f"{name} {words(best)}, detected: " + "; ".join([*kept, said])
    return best, "; ".join([why, *refused])


def settle(profile, submission):
    """The profile to grade a submission with: one of a course's years, detected from the tree when the profile
    names none; a profile without [years] as it is."""
    if not profile.years or profile.year:
        return profile
    if submission.layout != "package":
        key = profile.years["default"]
        return profile.for_year(key, f"{course_name(profile.years)} {words(key)}: a single file says no year, so "
                                     f"the default year's conventions")
    key, why = detect(profile, submission.root)
    return profile.for_year(key, why)


def describe(profile):
    """The header line of a course's year: which year's conventions and why, and what is not graded."""
    if not profile.year_reason:
        return ""
    parts = [profile.year_reason]
    if profile.provided:
        parts.append(f"not graded, the course's own code: {', '.join(profile.provided)}")
    if profile.not_asked:
        parts.append(f"not asked that year: {', '.join(profile.not_asked)}")
    if profile.copied:
        parts.append(f"copied over from an earlier assignment, graded as the student's: {', '.join(profile.copied)}")
    return "; ".join(parts)


if __name__ == "__main__":  # python -m dlgrade.checks.policy.years FILE…: the fingerprints to list in a profile
    import sys
    for path in sys.argv[1:]:
        for name, value in fingerprints_of(path).items():
            print(f"{path}: {name} = {value!r}")
