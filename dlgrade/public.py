"""The public self-check: a bundle a course hands to its students, with the grader's public examples and none of its
oracle.

    python grader.py export-public --out public/ [--profile P] [--examples N]

writes public/dlgrade_public/: a small runtime that needs only NumPy (dlgrade/public_runtime/, copied) and
examples.json.gz, the data. The data is recorded, not written by hand: each values or textbook check of the profile
runs here against the oracle (an in-process stand-in for the sandbox, RecordingSandbox) on its textbook cases and
`--examples` cases drawn from a fixed public seed, and every comparison it makes (Context.expect) is kept as what the
runtime needs to make it again on a student's code: the calls (their arguments, as data), which parts of their
returns were compared, the expected value, the tolerance and label, the accepted documented variants' values and the
named mistakes' values on the same input (so the runtime can say "this looks like mistake X"). A comparison whose
compared value the check derived from the returns (not a part of them) is left out: the runtime could not make it.
No function, formula or source of the oracle goes in; the expected values give away the answers on these fixed
inputs only, which is what a public check is. The grade comes from the grader's search, whose seed is secret
(`--secret`), so memorising them earns nothing.
"""
import argparse
import copy
import dataclasses
import gzip
import importlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

from dlgrade.checks.engine import mistakes
from dlgrade.checks.engine.compare import show
from dlgrade.checks.engine.context import Context, MemoisedOracle, float32_exact
from dlgrade.checks.engine.conventions import Conventions
from dlgrade.checks.engine.registry import Check
from dlgrade.checks.engine.runner import select
from dlgrade.checks.policy.tolerances import tolerance
from dlgrade.grading import UsageError, load_profile
from dlgrade.sandbox import Handle, Reply, RngSeed

RUNTIME = Path(__file__).resolve().parent / "public_runtime"
PACKAGE = "dlgrade_public"  # the bundle's import name: `import dlgrade_public as dlgrade`
DATA = "examples.json.gz"
PUBLIC_SEED = 18_004   # the public examples' seed: fixed, in the bundle, none of a profile's grading seeds (0)
PUBLIC_EXAMPLES = 3    # drawn cases per check, after its textbook cases
MAX_PUBLIC_EXAMPLES = 100  # more is a mistyped count: the export would run for hours, the data grow past ~10 MB
FORMAT = 1             # of examples.json.gz; the runtime refuses a format it does not know


class Unrecordable(Exception):
    """A check whose calls carry what data cannot (a callable the student's code calls back): no public examples."""


# --- recording a check against the oracle ----------------------------------------------------------------------


_METHOD_CALLS = "it calls methods of an object the student's class built (the networks): the bundle holds plain calls"


class RecordingSandbox:
    """The sandbox's call interface, answered by the oracle in this process and written down: each call's
    arguments (before the call) and the objects it returned, fresh copies as a worker's reply would be (so each
    compared value can be traced back to the call and place it came from, by identity)."""

    def __init__(self):
        self.calls = []          # [{"function", "args", "kwargs", "keep", "return_args", "returns"}] as data
        self.returned = []       # per call: the value handed to the check (and args_after), kept alive
        self.handles = {}        # Handle id -> (the oracle's object, (call index, position))
        self.returns = None      # set by RecordingContext before each call: the number of values it must return

    def call(self, module, function, args=(), kwargs=None, *, keep=(), return_args=False, timeout=None, target=None,
             assign=None):
        if target is not None:
            raise Unrecordable(_METHOD_CALLS)
        index = len(self.calls)
        returned = self.node_index(fresh_only=True)
        self.calls.append({"function": f"{module}.{function}", "args": [self._encode(a, returned) for a in args],
                           "kwargs": {k: self._encode(v, returned) for k, v in (kwargs or {}).items()},
                           "keep": list(keep), "return_args": bool(return_args), "returns": self.returns})
        live = [self._live(copy.deepcopy(a)) for a in args]
        value = getattr(importlib.import_module(f"dlgrade.reference.{module}"), function)(
            *live, **{k: self._live(copy.deepcopy(v)) for k, v in (kwargs or {}).items()})
        value = self._kept(copy.deepcopy(value), keep, index)
        reply = Reply(value, copy.deepcopy(live) if return_args else None)
        self.returned.append(reply)
        return reply

    def call_batch(self, module, function, calls, *, timeout=None, target=None, assigns=None):
        if target is not None:
            raise Unrecordable(_METHOD_CALLS)
        return [self.call(module, function, args, kwargs) for args, kwargs in calls]

    def drop_handles(self):
        pass

    def _kept(self, value, keep, index):
        """value with the kept positions replaced by Handles (the objects stay here, as in a worker)."""
        if not keep:
            return value
        if list(keep) == [-1]:
            return self._handle(value, index, -1)
        return type(value)(self._handle(v, index, i) if i in keep else v for i, v in enumerate(value))

    def _handle(self, value, index, position):
        handle = Handle(len(self.handles) + 1)
        self.handles[handle.id] = (value, (index, position))
        return handle

    def _live(self, value):
        """An argument as the oracle takes it: Handles become the objects they stand for, RngSeed a generator."""
        if isinstance(value, Handle):
            return self.handles[value.id][0]
        if isinstance(value, RngSeed):
            return np.random.default_rng(value.seed)
        if type(value) is dict:
            return {k: self._live(v) for k, v in value.items()}
        if type(value) in (list, tuple):
            return type(value)(self._live(v) for v in value)
        return value

    def _encode(self, value, returned):
        """An argument as data; a part of an earlier call's return handed back (the check feeds a value of the
        submission's to the next call) as {"__ref__": [call, path]}: the runtime hands back the student's own."""
        if id(value) in returned:
            call, path = returned[id(value)]
            return {"__ref__": [call, path]}
        if isinstance(value, Handle):
            return {"__handle__": list(self.handles[value.id][1])}
        if isinstance(value, RngSeed):
            return {"__rng__": value.seed}
        if callable(value):
            raise Unrecordable("a call passes a function the student's code calls back")
        if type(value) is dict:
            return {"__dict__": {k: self._encode(v, returned) for k, v in value.items()}} \
                if all(type(k) is str for k in value) else encode(value)
        if type(value) in (list, tuple):
            parts = [self._encode(v, returned) for v in value]
            return {"__tuple__": parts} if type(value) is tuple else parts
        return encode(value)

    def node_index(self, fresh_only=False):
        """id(object) -> (call index, path) of every array, float and container the calls returned: the places a
        compared value can come from. Paths start with "value" (the return) or "args" (arguments after the call).
        fresh_only: arrays, dicts and lists only, the objects a reply always holds anew (a float or a tuple of
        numbers may be the very object the check passed in)."""
        index = {}
        kinds = (np.ndarray, dict, list) if fresh_only else (np.ndarray, float, np.generic, dict, list, tuple)
        for call, reply in enumerate(self.returned):
            if not fresh_only and (reply.value is None or type(reply.value) in (bool, int, str)):
                index[id(reply.value)] = (call, ["value"])  # shared objects: the latest call's
            _index_nodes(reply.value, (call, ["value"]), index, kinds)
            if reply.args_after is not None:
                _index_nodes(reply.args_after, (call, ["args"]), index, kinds)
        return index


def _index_nodes(value, where, index, kinds):
    if isinstance(value, kinds):
        index.setdefault(id(value), where)
    if type(value) is dict:
        for key, v in value.items():
            _index_nodes(v, (where[0], [*where[1], key]), index, kinds)
    elif type(value) in (list, tuple):
        for i, v in enumerate(value):
            _index_nodes(v, (where[0], [*where[1], i]), index, kinds)


class RecordingContext(Context):
    """A Context whose search runs fixed public cases and whose comparisons are written down (expect)."""

    def __init__(self, *args, recorder, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorder, self.cases = recorder, cases
        self.examples = [[]]  # per example: its events, {"call": index} and {"expect": …}
        self.skipped = 0      # comparisons the runtime could not make (a value the check derived)

    def call(self, function, *args, returns=None, **kwargs):
        self.recorder.returns = returns
        return super().call(function, *args, returns=returns, **kwargs)

    def call_many(self, function, calls, *, returns=None):
        self.recorder.returns = returns
        yield from super().call_many(function, calls, returns=returns)

    def _timed(self, started, calls):
        """Every call (one, or call_many's batch) passes here once made: the example logs the calls it made."""
        super()._timed(started, calls)
        logged = sum(1 for events in self.examples for e in events if "call" in e)
        self.examples[-1] += [{"call": index} for index in range(logged, len(self.recorder.calls))]

    def expect(self, got, expected, *, inputs, label="result", tol=None, of=None):
        tol = tol or self.tol
        template = _template(got, self.recorder.node_index())
        oracle = MemoisedOracle(expected) if callable(expected) else None
        want = oracle() if oracle else expected
        if template is None:
            self.skipped += 1
        else:
            event = {"template": template, "expected": encode(want), "label": label,
                     "tol": dataclasses.asdict(tol), "inputs": _shown(inputs), "variants": [], "mistakes": []}
            if oracle:
                event["variants"] = [[row.name, encode(oracle(**row.kwargs))] for row in
                                     mistakes.of(of or self.function) if row.documented and row.name in self.accepted]
                if of in (None, self.function):
                    event["mistakes"] = [_form(row, oracle) for row in [*mistakes.of(self.function),
                                                                        *mistakes.pairs(self.function)]]
                    event["mistakes"] = [m for m in event["mistakes"] if m is not None]
            self.examples[-1].append({"expect": event})
        super().expect(got, oracle or expected, inputs=inputs, label=label, tol=tol, of=of)

    def falsify(self, strategy, body, *, examples=(), max_examples=None):
        if self.dtype == "float32":
            strategy, examples = strategy.map(float32_exact), [float32_exact(case) for case in examples]
        for case in [*examples, *drawn_cases(strategy, self.cases, self.seed)]:
            if self.examples[-1]:
                self.examples.append([])
            self.examples_run += 1
            body(case)


def _form(row, oracle):
    """[id, value] of a mistake row's form on this input (None where it is undefined); its words go in the data's
    table of mistakes once (mistake_words)."""
    try:
        value = oracle(**row.kwargs)
    except Exception:  # undefined on this input (the grader skips it too)
        return None
    return [row.id, encode(value)]


def mistake_words(function):
    """{id: [name, kind, says]} of the function's rows and pairs: what the runtime says of a mistake it names."""
    return {row.id: [row.name, row.kind, row.says] for row in [*mistakes.of(function), *mistakes.pairs(function)]}


def drawn_cases(strategy, count, public_seed):
    """The search's simplest case and `count` cases drawn from public_seed, as the grader's search would draw them
    from that seed (its first count + 1)."""
    cases = []

    @settings(max_examples=count + 1, database=None, deadline=None, derandomize=False, verbosity=Verbosity.quiet,
              suppress_health_check=list(HealthCheck), phases=(Phase.generate,))
    @seed(public_seed)
    @given(strategy)
    def collect(case):
        cases.append(copy.deepcopy(case))
    collect()
    return cases


def _template(got, index):
    """got with each part a call returned replaced by {"__ref__": [call, path]}; None if some part is not one
    (a value the check derived: the runtime could not rebuild it)."""
    if id(got) in index:
        call, path = index[id(got)]
        return {"__ref__": [call, path]}
    if type(got) is dict:
        parts = {k: _template(v, index) for k, v in got.items()}
        return None if None in parts.values() else {"__dict__": parts}
    if type(got) in (list, tuple):
        parts = [_template(v, index) for v in got]
        return None if any(p is None for p in parts) else {"__" + type(got).__name__ + "__": parts}
    return None


def _shown(inputs):
    if isinstance(inputs, dict):
        return {str(k): show(v) for k, v in inputs.items()}
    return {"input": show(inputs)} if inputs is not None else {}


def encode(value):
    """value as JSON: arrays with their dtype and shape, tuples marked, floats exact (JSON's repr round-trips)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise Unrecordable(f"an array of dtype {value.dtype}")
        return {"__array__": value.dtype.str, "shape": list(value.shape), "data": value.ravel().tolist()}
    if isinstance(value, np.generic):
        return {"__scalar__": value.dtype.str, "data": value.item()}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise Unrecordable("a dict with keys that are not strings")
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    if type(value) is tuple:
        return {"__tuple__": [encode(v) for v in value]}
    if type(value) is list:
        return [encode(v) for v in value]
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise Unrecordable(f"a value of type {type(value).__name__}")


def record(c: Check, profile, cases):
    """(examples, comparisons left out) of one check, run against the oracle on its public cases."""
    recorder = RecordingSandbox()
    ctx = RecordingContext(recorder, c.function, tolerance(c.tol, profile.dtype), cases, PUBLIC_SEED,
                           profile.accepted(c.function), dtype=profile.dtype, recorder=recorder, cases=cases)
    c.run(ctx)
    examples = []
    for events in ctx.examples:
        if any("expect" in e for e in events):
            number = {e["call"]: k for k, e in enumerate(e for e in events if "call" in e)}
            calls = [_renumber_handles(recorder.calls[e["call"]], number) for e in events if "call" in e]
            examples.append({"calls": calls, "events": _renumbered(events, number)})
    return examples, ctx.skipped


def _renumber_handles(value, number):
    """An encoded value whose handles and references name calls by their number within the example."""
    if isinstance(value, list):
        return [_renumber_handles(v, number) for v in value]
    if not isinstance(value, dict):
        return value
    for key in ("__handle__", "__ref__"):
        if key in value:
            call, where = value[key]
            if call not in number:
                raise Unrecordable("a call passes what a call of another example returned")
            return {key: [number[call], where]}
    return {k: _renumber_handles(v, number) for k, v in value.items()}


def _renumbered(events, number):
    """Events with their calls numbered within the example (and the references to them)."""
    out = []
    for e in events:
        if "call" in e:
            out.append({"call": number[e["call"]]})
        else:
            out.append({"expect": dict(e["expect"], template=_renumber_refs(e["expect"]["template"], number))})
    return out


def _renumber_refs(template, number):
    if "__ref__" in template:
        call, path = template["__ref__"]
        return {"__ref__": [number[call], path]}
    key = next(iter(template))
    parts = template[key]
    if key == "__dict__":
        return {key: {k: _renumber_refs(v, number) for k, v in parts.items()}}
    return {key: [_renumber_refs(v, number) for v in parts]}


def export(out, profile, cases=PUBLIC_EXAMPLES, log=print):
    """Write the bundle under out/dlgrade_public (replacing one there) and out/README.md; the package's path.
    UsageError for a profile with course conventions or a course layer: the runtime calls the spec's names with
    the spec's arguments, and a course's correct code written otherwise would fail its public checks."""
    if profile.course is not None:  # a course layer ([course]: dls, d2l) presents other names and containers
        raise UsageError(f"profile {profile.source} grades a course through its course layer ([course]: the "
                         f"course's names, arguments and containers); the public self-check calls the spec's "
                         f"functions as the spec writes them, so it would find none of your students' functions: "
                         f"it is not made for this profile")
    if profile.conventions != Conventions():
        raise UsageError(f"profile {profile.source} declares course conventions (names, dropout's p, modes, shapes "
                         "or keywords other than the spec's); the public self-check calls the spec's functions as the "
                         "spec writes them, so it would fail your students' correct code: it is not made for this "
                         "profile")
    checks, left_out = [], []
    for c in select(profile.graded):
        if c.optional or c.pays not in ("values", "textbook"):
            continue
        try:
            examples, skipped = record(c, profile, cases)
        except Unrecordable as why:
            left_out.append([c.id, str(why)])
            continue
        except Exception as exc:  # it fails against the oracle, or asks what the recorder does not answer: said
            left_out.append([c.id, f"it could not be recorded against the oracle ({type(exc).__name__}: {exc})"])
            log(f"export-public: {c.id} left out: {left_out[-1][1]}")
            continue
        if not examples:
            left_out.append([c.id, "it compares only values it derives from the returns (statistics, relations)"])
        elif skipped:
            left_out.append([c.id, f"{skipped} of its comparisons are of values it derives from the returns"])
        if examples:
            checks.append({"id": c.id, "function": c.function, "title": c.title, "doc": c.doc, "examples": examples,
                           "calls_others": sorted({call["function"] for ex in examples for call in ex["calls"]}
                                                  - {c.function})})
    words = {}
    for function in dict.fromkeys(c["function"] for c in checks):
        words.update(mistake_words(function))
    # the profile by its name: a file's folders on the instructor's machine are not the students' to read
    data = {"format": FORMAT, "profile": Path(profile.source).name, "seed": PUBLIC_SEED,
            "show_expected": profile.show_expected,
            "checks": checks, "mistakes": words, "left_out": left_out}
    package = Path(out) / PACKAGE
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(RUNTIME, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # links copied as files
    with gzip.open(package / DATA, "wt", encoding="utf-8") as file:
        json.dump(data, file, separators=(",", ":"), allow_nan=True)
    shutil.copyfile(RUNTIME / "README.md", Path(out) / "README.md")
    log(f"public bundle: {package} ({len(checks)} checks of {len({c['function'] for c in checks})} functions, "
        f"{sum(len(c['examples']) for c in checks)} examples; {len(left_out)} checks left out or cut short)")
    return package


def main(argv):
    """grader.py export-public --out DIR [--profile P] [--examples N]: exit 0, or 2 on a usage error."""
    parser = argparse.ArgumentParser(prog="grader.py export-public", description=(
        "Write the students' public self-check: the textbook cases and fixed public examples of the profile's "
        "checks with their expected values, and a runtime that needs only NumPy; no oracle code."))
    parser.add_argument("--out", required=True, help="folder to write dlgrade_public/ and README.md into")
    parser.add_argument("--profile", help="the course profile (a TOML file or a bundled name)")
    parser.add_argument("--examples", type=int, default=PUBLIC_EXAMPLES,
                        help=f"drawn public cases per check after its textbook cases (default {PUBLIC_EXAMPLES})")
    args = parser.parse_args(argv)
    try:
        if not 0 <= args.examples <= MAX_PUBLIC_EXAMPLES:
            raise UsageError(f"--examples must be from 0 to {MAX_PUBLIC_EXAMPLES}, not {args.examples}")
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} exists and is not a folder")
        out.mkdir(parents=True, exist_ok=True)
        export(out, load_profile(args.profile), args.examples, log=lambda text: print(text, file=sys.stderr))
    except (UsageError, OSError) as exc:
        print(f"grader.py export-public: error: {exc}", file=sys.stderr)
        return 2
    return 0
