"""The conformance matrix of a library graded through an adapter: one verdict per spec function.

    conforms       every check passed
    variant        every check passed or failed only by matching a documented variant (named)
    departs        some check failed: the named mistake when one fits (or the finding "computes in
                   float32"), the minimal counterexample and the replay command; a departure the
                   adapter declares (its departures.json) carries the declared reason
    not provided   the library has no such function (the adapter does not define it)

`matrix(report, …)` builds it as plain data; `markdown(matrix)` and `json.dumps` write it;
`index(matrices)` is the library × function table of several.

Two answers per function: the formula's (the adapter passes the spec's hyperparameters and initial
state, the verdicts above) and the defaults' (`with_defaults`: the adapter graded again leaving them
to the library, so its own defaults and initial state meet the textbook's). A function's defaults
depart when that second grade fails a check the first passed, or fails it named otherwise: each such
departure is named (a mistake row, e.g. 'running_var_starts_at_1', alone or paired with the formula's
own departure) or explained by the adapter's declared defaults
(defaults.json: {"function": "what the library's default is"}).
"""
import json
import re
from itertools import groupby
from pathlib import Path

from dlgrade.checks.engine.dtypes import COMPUTES_IN_FLOAT32
from dlgrade.checks.engine.status import Status

CONFORMS, VARIANT, DEPARTS, NOT_PROVIDED = "conforms", "variant", "departs", "not provided"
VERDICTS = (CONFORMS, VARIANT, DEPARTS, NOT_PROVIDED)
_SYMBOL = {CONFORMS: "✓", VARIANT: "≈", DEPARTS: "✗", NOT_PROVIDED: "·"}
_DIAGNOSIS = re.compile(r"^(?:one of the )?(mistake|documented variant)s? '(.+?)': this implementation")  # a pair too
_ACCEPTED = re.compile(r"matches the documented variant ([\w, ]+), which")


# The checks speak to a student; a matrix speaks of a library.
_LIBRARY_WORDS = ((re.compile(r"\byour\b", re.I), "the library's"),
                  (re.compile(r"\bthe submission's\b", re.I), "the library's"),
                  (re.compile(r"\b(?:the|a) submission\b", re.I), "the library"),
                  (re.compile(r"\bthis course\b", re.I), "the profile"))


def _of_library(text):
    for words, library in _LIBRARY_WORDS:
        text = words.sub(library, text)
    return text


def _departure(result, declared):
    diagnosis = _of_library(result.details.get("diagnosis", ""))
    match = _DIAGNOSIS.match(diagnosis)
    named, kind = (match.group(2), "variant" if match.group(1) != "mistake" else "mistake") if match else (None, None)
    if named is None and result.summary.startswith(COMPUTES_IN_FLOAT32):
        named, kind = COMPUTES_IN_FLOAT32, "finding"
    return {"check": result.id, "title": result.title, "named": named, "kind": kind, "diagnosis": diagnosis,
            "summary": _of_library(result.summary),
            "input": result.details.get("input"), "replay": result.replay, "declared": declared.get(result.id)}


def _function_row(function, results, declared):
    failed = [r for r in results if r.status.counts_as_failure]
    passed = sum(r.status is Status.PASSED for r in results)
    departures = [_departure(r, declared) for r in failed]
    accepted = sorted({v.strip() for r in results if r.status is Status.PASSED
                       for match in [_ACCEPTED.search(r.summary)] if match for v in match.group(1).split(",")})
    variants = sorted(set(accepted) | {d["named"] for d in departures if d["kind"] == "variant"})
    if all(r.status.absent for r in results):
        verdict = NOT_PROVIDED
    elif any(d["kind"] != "variant" for d in departures):
        verdict = DEPARTS
    elif variants:
        verdict = VARIANT
    else:
        verdict = CONFORMS
    fixed = [r.id for r in results if r.status is Status.PASSED and r.id in declared]
    noted = sorted({COMPUTES_IN_FLOAT32 for r in results
                    if r.status is Status.PASSED and COMPUTES_IN_FLOAT32 in r.summary})
    return {"function": function, "verdict": verdict, "checks": len(results), "passed": passed,
            "variants": variants, "departures": departures, "declared_but_passed": fixed, "findings": noted}


def matrix(report, *, target, library, declared=None):
    """The conformance matrix of one graded library (plain data, JSON-ready)."""
    declared = declared or {}
    rows = [_function_row(f, list(rs), declared) for f, rs in groupby(report.results, key=lambda r: r.function)]
    counts = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    graded = [r for r in report.results if not r.status.absent]
    return {"target": target, "library": library, "profile": report.profile, "seed": report.seed,
            "seconds": round(report.seconds, 1), "checks": len(report.results),
            "checks_graded": len(graded), "checks_passed": sum(r.status is Status.PASSED for r in graded),
            "verdicts": counts, "functions": rows, "notes": [_of_library(n) for n in report.notes]}


def with_defaults(data, defaults, declared=None):
    """data (the formula's matrix) with each function's defaults answer from `defaults`, the matrix of the same
    library graded with its own defaults and initial state; declared: {function: the library's defaults, said}."""
    declared = declared or {}
    formula = {d["check"]: d["named"] for row in data["functions"] for d in row["departures"]}
    theirs = {row["function"]: row for row in defaults["functions"]}
    for row in data["functions"]:
        other = theirs.get(row["function"])
        if row["verdict"] == NOT_PROVIDED or other is None:
            continue
        own = [d for d in other["departures"] if d["check"] not in formula or formula[d["check"]] != d["named"]]
        row["defaults"] = {"verdict": DEPARTS if own else CONFORMS, "departures": own,
                           "declared": declared.get(row["function"])}
    data["defaults"] = {"checks_graded": defaults["checks_graded"], "checks_passed": defaults["checks_passed"],
                        "seconds": defaults["seconds"]}
    return data


def _defaults_cell(row):
    answer = row.get("defaults")
    if answer is None:
        return ""
    if answer["verdict"] == CONFORMS:
        return "✓ the textbook's"
    names = sorted({_name(d) for d in answer["departures"] if d["named"] is not None})
    said = names + ([f"declared: {answer['declared']}"] if answer["declared"] else [])
    return "✗ " + ("; ".join(said) if said else "no named mistake fits")


def _name(departure):
    if departure["named"] is None:
        return "no named mistake fits"
    return {"mistake": "mistake", "variant": "documented variant", "finding": "finding"}[departure["kind"]] \
        + f" '{departure['named']}'"


def _shown_input(shown):
    if isinstance(shown, dict):
        return ", ".join(f"{k} = {v}" for k, v in shown.items())
    return "" if shown is None else str(shown)


def markdown(data):
    """One library's matrix as Markdown: the table of functions, then every departure in full."""
    lines = [f"# Conformance: {data['library']}", "",
             f"`python grader.py --target {data['target']}` (profile `{data['profile']}`, seed {data['seed']}): "
             f"{data['checks_passed']} of {data['checks_graded']} checks passed on the functions the library "
             f"provides, graded in {data['seconds']:g} s.", "",
             "  ".join(f"{_SYMBOL[v]} {v}: {n}" for v, n in data["verdicts"].items()), ""]
    if "defaults" in data:
        lines += [f"Defaults: graded again with the library's own defaults and initial state wherever a call leaves "
                  f"them out ({data['defaults']['checks_passed']} of {data['defaults']['checks_graded']} checks "
                  f"passed); the last column names each departure from the textbook's.", ""]
    with_defaults_column = "defaults" in data
    lines += ["| function | verdict | checks passed | named |" + " defaults |" * with_defaults_column,
              "|---|---|---|---|" + "---|" * with_defaults_column]
    for row in data["functions"]:
        if row["verdict"] == NOT_PROVIDED:
            continue
        names = sorted({_name(d) for d in row["departures"]} | {f"documented variant '{v}'" for v in row["variants"]}
                       | {f"finding '{f}' (noted: the profile's float32 column)" for f in row.get("findings", ())})
        lines.append(f"| `{row['function']}` | {_SYMBOL[row['verdict']]} {row['verdict']} | "
                     f"{row['passed']} / {row['checks']} | {'; '.join(names)} |"
                     + f" {_defaults_cell(row)} |" * with_defaults_column)
    absent = [f"`{row['function']}`" for row in data["functions"] if row["verdict"] == NOT_PROVIDED]
    if absent:
        lines += ["", f"Not provided ({len(absent)}): " + ", ".join(absent) + "."]
    departures = [d for row in data["functions"] for d in row["departures"]]
    if departures:
        lines += ["", "## Departures", ""]
    for d in departures:
        lines += [f"### {d['check']}" + (f" — {d['title']}" if d.get("title") else ""), "",
                  f"- {d['diagnosis'] or _name(d)}",
                  *([f"- declared: {d['declared']}"] if d["declared"] else []),
                  f"- {d['summary']}", "", "```", f"input: {_shown_input(d['input'])}", f"replay: {d['replay']}",
                  "```", ""]
    own_defaults = [d for row in data["functions"] for d in row.get("defaults", {}).get("departures", ())]
    if own_defaults:
        lines += ["## Departures of the defaults", ""]
    for d in own_defaults:
        lines += [f"### {d['check']} (the library's defaults)", "", f"- {d['diagnosis'] or _name(d)}",
                  f"- {d['summary']}", "", "```", f"input: {_shown_input(d['input'])}", "```", ""]
    fixed = [i for row in data["functions"] for i in row["declared_but_passed"]]
    if fixed:
        lines += ["## Declared departures that now pass", "", *[f"- {i}" for i in fixed], ""]
    for note in data["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines).rstrip() + "\n"


def index(matrices):
    """The library × function table of several matrices (Markdown)."""
    functions = list(dict.fromkeys(row["function"] for m in matrices for row in m["functions"]))
    verdict = {(m["target"], row["function"]): row["verdict"] for m in matrices for row in m["functions"]}
    defaults = {(m["target"], row["function"]): row["defaults"]["verdict"] for m in matrices for row in m["functions"]
                if "defaults" in row}
    lines = ["| function | " + " | ".join(f"[{m['target']}]({m['target']}.md)" for m in matrices) + " |",
             "|---|" + "---|" * len(matrices)]
    for function in functions:
        cells = [(verdict.get((m["target"], function), NOT_PROVIDED), defaults.get((m["target"], function)))
                 for m in matrices]
        lines.append(f"| `{function}` | " + " | ".join(
            f"{_SYMBOL[c]} {c}" + (" (defaults ✗)" if d == DEPARTS else "") for c, d in cells) + " |")
    lines += ["", "| library | checks passed | time to grade |", "|---|---|---|"]
    lines += [f"| {m['library']} | {m['checks_passed']} / {m['checks_graded']} | {m['seconds']:g} s |"
              for m in matrices]
    return "\n".join(lines) + "\n"


def write(report, target, stem):
    """Write the target's matrix to STEM.md and STEM.json; returns what was written, for the user."""
    data = matrix(report, target=target.name, library=target.library, declared=target.declared)
    Path(f"{stem}.md").write_text(markdown(data))
    Path(f"{stem}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return f"{stem}.md, {stem}.json"


def provided_score(report):
    """(score, max_score, functions not provided) over the functions the library provides: what --fail-under
    holds a library to (a function it lacks is a fact about it, not a failed check)."""
    score = max_score = 0.0
    absent = []
    for function, results in groupby(report.results, key=lambda r: r.function):
        results = list(results)
        if all(r.status.absent for r in results):
            absent.append(function)
            continue
        score += sum(r.score for r in results)
        max_score += sum(r.max_score for r in results)
    return score, max_score, absent
