"""The course's public self-check: check your functions on the grader's public examples before you hand them in.

In a notebook, after the cell that defines your function:

    import dlgrade_public as dlgrade
    dlgrade.check("optim.adam", adam)      # or dlgrade.check("optim.adam"): the `adam` of your notebook
    dlgrade.check_all()                    # every function of the spec your notebook defines

In a shell, on your files (a folder of modules, one .py or a .ipynb):

    python -m dlgrade_public path/ [--only optim.adam]

Each public check calls your function on fixed examples (the textbook cases and a few drawn once, the same for
everyone) and compares what it returns with the expected values, with the grader's tolerances and messages; when a
wrong value is what a known mistake gives, it names the mistake. Passing says "public checks passed", and only that:
the grader runs more checks (relations, statistics, edge cases) and searches examples from a seed that is secret, so
your grade may differ. The expected values here are the answers on these inputs only.

Needs only NumPy; your code runs here, in your own Python (no sandbox: it is your code on your machine).
"""
import copy
import difflib
import gzip
import inspect
import json
import sys
from pathlib import Path

import numpy as np

from .compare import difference, like_expected, show

DATA = Path(__file__).resolve().parent / "examples.json.gz"
FORMAT = 1
PASSED, FAILED, MISSING = "passed", "FAILED", "missing"
HIDDEN = ("Your grade may differ: the grader also runs checks you cannot run here, and searches many more examples of "
          "its own (from the course's secret, different for every submission); knowing these answers earns nothing "
          "there.")

__all__ = ["check", "check_all", "functions", "Result"]


class Result:
    """What check() and check_all() return: the public checks' outcomes ([(check id, status, message lines)]); true
    when every public check that ran passed; str() is the report."""

    def __init__(self, outcomes, report, mistakes):
        self.outcomes, self.report = outcomes, report
        self.mistakes = mistakes  # {check id: the named mistake's id ("optim.adam:eps_hat")} of the failed checks

    @property
    def passed(self):
        return bool(self.outcomes) and all(status == PASSED for _, status, _ in self.outcomes)

    def __bool__(self):
        return self.passed

    def __str__(self):
        return self.report

    def __repr__(self):  # a notebook shows it under the printed report: its last line's first sentence, once more
        return f"<public self-check: {self.report.splitlines()[-1].split('. ')[0]}>"


def _load():
    with gzip.open(DATA, "rt", encoding="utf-8") as file:
        data = json.load(file)
    if data.get("format") != FORMAT:
        raise RuntimeError(f"{DATA.name} is of format {data.get('format')}; this runtime reads format {FORMAT}: "
                           "use the runtime exported with it")
    return data


_DATA = _load()


def functions():
    """The spec functions that have public checks, in the grader's order."""
    return list(dict.fromkeys(c["function"] for c in _DATA["checks"]))


def check(function, implementation=None, *, namespace=None, verbose=True):
    """Run the public checks of `function` ("optim.adam") on `implementation` (default: the function of that name in
    the caller's namespace). Functions a check also calls (a backward's forward) come from `namespace` (default:
    the caller's globals). Prints the report unless verbose=False; returns a Result."""
    namespace = _caller_namespace(namespace)
    if function not in functions():
        result = Result([], _no_public_checks(function), {})
        if verbose:
            print(result.report)
        return result
    implementation = implementation if implementation is not None else _lookup(namespace, function)
    result = _run([function], lambda wanted: implementation if wanted == function else _lookup(namespace, wanted))
    if verbose:
        print(result.report)
    return result


def check_all(namespace=None, *, only=(), verbose=True):
    """Run the public checks of every spec function found in `namespace` (default: the caller's globals), or of
    `only` (functions or modules); prints and returns a Result."""
    namespace = _caller_namespace(namespace)
    wanted = [f for f in functions() if (not only or f in only or f.partition(".")[0] in only)
              and (only or _lookup(namespace, f) is not None)]
    result = _run(wanted, lambda f: _lookup(namespace, f))
    if verbose:
        print(result.report)
    return result


def _no_public_checks(function):
    """Why `function` has no public checks, in a sentence."""
    left_out = {check_id.partition("/")[0] for check_id, _ in _DATA["left_out"]}
    if function in left_out:
        return (f"{function} has no public checks: the grader checks it by statistics or relations of what it returns "
                f"(or by calling back a function of its own), which fixed expected values cannot stand for. {HIDDEN}")
    close = difflib.get_close_matches(function, functions(), n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else \
        f" (those with public checks: {', '.join(functions())})"
    return f"{function!r} is no function of this assignment's public checks{hint}"


def _caller_namespace(namespace):
    if namespace is not None:
        return namespace if isinstance(namespace, dict) else vars(namespace)
    frame = inspect.currentframe().f_back.f_back
    return frame.f_globals


def _lookup(namespace, function):
    """function's implementation in a namespace: by its name, or module.name (a notebook's `optim.adam`)."""
    module, _, name = function.rpartition(".")
    found = namespace.get(name)
    if found is None and module in namespace:
        found = getattr(namespace[module], name, None)
    return found if callable(found) else None


# --- running the recorded examples on a student's functions -------------------------------------------------------


class _Failure(Exception):
    """A wrong answer: the report's lines and the mistakes whose form gives what was returned there (ids)."""

    def __init__(self, lines, candidates=()):
        super().__init__(lines[0])
        self.lines, self.candidates = lines, list(candidates)


def _run(wanted, implementation_of):
    outcomes, lines, mistakes = [], [], {}
    for function in wanted:
        for c in (c for c in _DATA["checks"] if c["function"] == function):
            status, message, mistake = _run_check(c, implementation_of)
            outcomes.append((c["id"], status, message))
            if mistake:
                mistakes[c["id"]] = mistake
            lines.append(f"{status.upper() if status != PASSED else status:8} {c['id']}  ({c['title']})")
            lines += [f"    {line}" for line in message]
    return Result(outcomes, "\n".join(lines + [_summary(outcomes, wanted)]), mistakes)


def _summary(outcomes, wanted):
    if not outcomes:
        return ("No public checks ran: none of the spec's functions was found"
                + (f" (looked for {', '.join(wanted)})" if wanted else "") + ". " + HIDDEN)
    passed = sum(status == PASSED for _, status, _ in outcomes)
    examples = sum(len(c["examples"]) for c in _DATA["checks"] if c["id"] in {o[0] for o in outcomes})
    if passed == len(outcomes):
        return f"public checks passed: {passed} of {passed} on {examples} fixed examples. {HIDDEN}"
    counts = ", ".join(f"{sum(status == s for _, status, _ in outcomes)} {s.lower()}" for s in (FAILED, MISSING)
                       if any(status == s for _, status, _ in outcomes))
    return f"public checks: {passed} of {len(outcomes)} passed, {counts}, on {examples} fixed examples. {HIDDEN}"


def _run_check(c, implementation_of):
    """(status, message lines, the named mistake's id or None) of one public check."""
    for function in [c["function"], *c["calls_others"]]:
        if implementation_of(function) is None:
            why = "" if function == c["function"] else " (this check also calls it)"
            return MISSING, [f"no function {function.rpartition('.')[2]} found{why}"], None
    notes = []
    try:
        for example in c["examples"]:
            notes += _run_example(c, example, implementation_of)
    except _Failure as failure:
        mistake = _confirmed(c, failure.candidates, implementation_of)
        if mistake is None:
            return FAILED, failure.lines, None
        name, kind, says = _DATA["mistakes"][mistake]
        return FAILED, [*failure.lines, f"diagnosis: {kind} '{name}': this implementation {says}"], mistake
    return PASSED, list(dict.fromkeys(notes)), None


def _confirmed(c, candidates, implementation_of):
    """The first of the mistakes whose form gave what you returned where the check failed that gives what you returned
    on every comparison of the check's examples where it is defined (one input may make two forms coincide)."""
    comparisons = [pair for example in c["examples"] for pair in _comparisons(example, implementation_of)]
    for mistake in candidates:
        if all(difference(got, _decode(form), _Tolerance(expect["tol"]), expect["label"], nan_matches_nan=True) is None
               for got, expect in comparisons for named, form in expect["mistakes"] if named == mistake):
            return mistake
    return None


def _comparisons(example, implementation_of):
    """(what you returned, the comparison) of each comparison of the example, up to a call that fails."""
    results = []
    for event in example["events"]:
        try:
            if "call" in event:
                results.append(_call(example["calls"][event["call"]], results, implementation_of))
            else:
                yield _rebuild(event["expect"]["template"], results), event["expect"]
        except (_Failure, KeyError, IndexError, TypeError):
            return


def _run_example(c, example, implementation_of):
    """Make the example's calls in order and its comparisons where they came; raise _Failure at the first wrong one.
    Returns notes (an accepted documented variant matched)."""
    results, notes = [], []
    for event in example["events"]:
        if "call" in event:
            results.append(_call(example["calls"][event["call"]], results, implementation_of))
            continue
        expect = event["expect"]
        try:
            got = _rebuild(expect["template"], results)
        except (KeyError, IndexError, TypeError) as exc:  # a part the grader compares is not where the spec has it
            raise _Failure([f"{expect['label'] or 'the result'}: what your function returned lacks {exc} (the spec's "
                            f"{c['function']} returns it)"]) from None
        expected = _decode(expect["expected"])
        tol = _Tolerance(expect["tol"])
        found = difference(got, expected, tol, expect["label"])
        if found is None:
            continue
        variant = next((name for name, value in expect["variants"]
                        if difference(got, _decode(value), tol, expect["label"]) is None), None)
        if variant:
            notes.append(f"matches the documented variant {variant}, which this course accepts")
            continue
        raise _mismatch(found, got, expected, expect, tol)
    return notes


def _mismatch(found, got, expected, expect, tol):
    """The grader's report of a wrong value (a _Failure): where it differs, the input, expected (where the course
    shows it), got; and the mistakes whose form gives what you returned, for _confirmed to name one."""
    lines = [found if _DATA["show_expected"] else f"{expect['label'] or 'the result'} is wrong on this input"]
    lines += [f"input {k}: {v}" for k, v in expect["inputs"].items()]
    if _DATA["show_expected"]:
        lines.append(f"expected: {show(expected)}")
    lines.append(f"got: {show(like_expected(got, expected))}")
    return _Failure(lines, [mistake for mistake, value in expect["mistakes"]
                            if difference(got, _decode(value), tol, expect["label"], nan_matches_nan=True) is None])


def _call(call, results, implementation_of):
    """The student's function on the recorded arguments: {"value": its return (copied, kept positions live),
    "args": the arguments after the call}."""
    function = call["function"]
    args = [_decode(a, results) for a in call["args"]]
    kwargs = {k: _decode(v, results) for k, v in call["kwargs"].items()}
    try:
        with np.errstate(all="ignore"):
            value = implementation_of(function)(*args, **kwargs)
    except NotImplementedError:
        raise _Failure([f"{function} is not implemented (it raises NotImplementedError)"]) from None
    except Exception as exc:
        raise _Failure([f"it raised an exception: {function}: {type(exc).__name__}: {exc}"]) from None
    if call["returns"] is not None and (type(value) not in (tuple, list) or len(value) != call["returns"]):
        what = f"a {type(value).__name__} of {len(value)} values" if type(value) in (tuple, list) \
            else f"a {type(value).__name__}"
        raise _Failure([f"{function} should return a tuple of {call['returns']} values; it returned {what}"])
    if call["returns"] is not None:
        value = tuple(value)
    keep = call["keep"]
    live = value if keep == [-1] else None
    if keep and keep != [-1]:
        live = {i: v for i, v in enumerate(value) if i in keep}
        value = type(value)(None if i in keep else _copied(v) for i, v in enumerate(value))
    elif not keep:
        value = _copied(value)
    return {"value": value, "args": _copied(args) if call["return_args"] else None, "live": live}


def _copied(value):
    """value as it was returned, safe from your function's later calls (a state it keeps and changes), as the
    grader's worker sends a copy; a value that cannot be copied is compared as it is."""
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


def _rebuild(template, results):
    if "__ref__" in template:
        call, path = template["__ref__"]
        node = results[call]
        for key in path:
            node = node[key]
        return node
    key = next(iter(template))
    if key == "__dict__":
        return {k: _rebuild(v, results) for k, v in template[key].items()}
    parts = [_rebuild(v, results) for v in template[key]]
    return tuple(parts) if key == "__tuple__" else parts


def _decode(value, results=None):
    if isinstance(value, list):
        return [_decode(v, results) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        return np.array(value["data"], dtype=np.dtype(value["__array__"])).reshape(value["shape"])
    if "__scalar__" in value:
        return np.dtype(value["__scalar__"]).type(value["data"])
    if "__tuple__" in value:
        return tuple(_decode(v, results) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: _decode(v, results) for k, v in value["__dict__"].items()}
    if "__ref__" in value:  # what your own earlier call returned, handed back as the grader does
        return _copied(_rebuild(value, results))
    if "__handle__" in value:  # what your own earlier call kept (a forward's cache)
        call, position = value["__handle__"]
        live = results[call]["live"]
        return live if position == -1 else live[position]
    if "__rng__" in value:
        return np.random.default_rng(value["__rng__"])
    raise ValueError(f"unknown value in {DATA.name}: {sorted(value)}")


class _Tolerance:
    """The grader's tolerance row as data (rtol, atol and whatever else compare.difference reads of it)."""

    def __init__(self, fields):
        self.__dict__.update(fields)

    def describe(self):
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


def main(argv=None):
    """python -m dlgrade_public PATH [--only F ...]: exit 0 when every public check that ran passed and every module
    imported, else 1 (2: a path that is no submission)."""
    import argparse

    from . import files
    parser = argparse.ArgumentParser(prog="python -m dlgrade_public", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="your folder of modules (optim.py, layers.py, …), one .py or a .ipynb")
    parser.add_argument("--only", action="append", default=[], help="a function (optim.adam) or a module (optim)")
    args = parser.parse_args(argv)
    try:
        namespaces, warnings, failed = files.load(Path(args.path), {f.partition(".")[0] for f in functions()})
    except files.Unreadable as exc:
        print(f"python -m dlgrade_public: error: {exc}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"note: {warning}")

    def implementation_of(function):
        module, _, name = function.partition(".")
        found = namespaces.get(module, {}).get(name)
        return found if callable(found) else None
    wanted = [f for f in functions() if (not args.only or f in args.only or f.partition(".")[0] in args.only)
              and (args.only or implementation_of(f) is not None)]
    result = _run(wanted, implementation_of)
    print(result.report)
    if failed:
        print(f"not checked: {', '.join(failed)} (importing failed, above)")
    return 0 if result.passed and not failed else 1
