"""Grading speed and where the time goes: a full grade of the reference, with and without the OS sandbox,
per module, against the fixed-case baseline (bench/fixed_case_baseline.py), and the cost of one call.

    python bench/bench_grading.py [--jobs 2] [--skip-parallel] [--skip-trusted] [--out FILE]
    python bench/bench_grading.py --tiers ROUNDS [--out FILE]   (the two sandboxes, back to back)

Writes bench/results/grading.json and prints the figures. The split of a full grade (one grader process)
is measured by wrapping, for the run, the engine's pieces with timers; each second goes to the outermost
piece running: drawing (the strategies), worker calls (ctx.call, with the translation to the course's
conventions), oracle (the functions of dlgrade.reference), comparisons (compare.difference), naming
(Mismatch.name_mistake), shrinking (everything after a check's first failure) and the rest (Hypothesis's
engine, the checks' own code, the worker's start). CPU seconds count the grader and its reaped workers.
Only figures of one run on one machine compare: the load average at the start and the end is recorded.
"""
import argparse
import collections
import contextlib
import functools
import io
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fixed_case_baseline  # noqa: E402

import dlgrade.checks  # noqa: E402,F401
from dlgrade.checks.engine import compare, context, runner  # noqa: E402
from dlgrade.checks.policy import profile  # noqa: E402
from dlgrade.reference import layers  # noqa: E402
from dlgrade.sandbox import Sandbox, protocol, resolve  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "grading.json"
PIECES = ("drawing", "worker calls", "oracle", "comparisons", "naming", "shrinking")
NOT_ORACLE = ("eval_numerical_gradient",)  # finite-difference helpers: they call the submission


def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Split:
    """Seconds per (module, piece); a piece called inside another counts for the outer one."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.active, self.module, self.shrinking = None, None, False

    def timed(self, piece, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if self.active is not None:
                return function(*args, **kwargs)
            self.active, started = piece, time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.active = None
                self.seconds[self.module, "shrinking" if self.shrinking else piece] += time.perf_counter() - started
        return wrapper

    def falsify(self, original):
        """ctx.falsify with its strategy's draws timed and the time after its first failure counted as shrinking."""
        split = self

        @functools.wraps(original)
        def falsify(ctx, strategy, body, **options):
            def failing_body(case):
                try:
                    return body(case)
                except Exception:
                    split.shrinking = True
                    raise
            try:
                return original(ctx, timed_draws(strategy), failing_body, **options)
            finally:
                split.shrinking = False

        def timed_draws(strategy):
            return st.composite(lambda draw: split.timed("drawing", draw)(strategy))()
        return falsify

    def run_one(self, original):
        @functools.wraps(original)
        def run_one(c, *args, **kwargs):
            self.module = c.module
            started = time.perf_counter()
            try:
                return original(c, *args, **kwargs)
            finally:
                self.seconds[c.module, "total"] += time.perf_counter() - started
        return run_one

    def table(self):
        """{module: {piece: s, …, "rest": s, "total": s}} and the same summed over modules under "all"."""
        modules = {}
        for (module, piece), seconds in self.seconds.items():
            modules.setdefault(module, dict.fromkeys((*PIECES, "rest", "total"), 0.0))[piece] += seconds
        every = dict.fromkeys((*PIECES, "rest", "total"), 0.0)
        for figures in modules.values():
            figures["rest"] = figures["total"] - sum(figures[p] for p in PIECES)
            for piece, seconds in figures.items():
                every[piece] += seconds
        return {"all": every, **modules}


def oracle_functions():
    """(module, name, function) of every public function of the oracle's modules."""
    found = []
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("dlgrade.reference.") or "._" in module_name or module is None:
            continue
        for name, value in vars(module).items():
            if callable(value) and not isinstance(value, type) and getattr(value, "__module__", "") == module_name \
                    and not name.startswith("_") and name not in NOT_ORACLE:
                found.append((module, name, value))
    return found


@contextlib.contextmanager
def instrumented(split):
    """The engine's pieces wrapped with split's timers, in every module that holds them."""
    with contextlib.ExitStack() as stack:
        patch = stack.enter_context
        wrapped = {id(compare.difference): split.timed("comparisons", compare.difference)}
        for module, name, function in oracle_functions():
            wrapped[id(function)] = split.timed("oracle", function)
            patch(mock.patch.object(module, name, wrapped[id(function)]))
        for name, module in list(sys.modules.items()):
            if name.startswith("dlgrade.checks") and module is not None:
                for attribute, value in list(vars(module).items()):
                    if id(value) in wrapped and callable(value):
                        patch(mock.patch.object(module, attribute, wrapped[id(value)]))
        patch(mock.patch.object(context.Context, "call", split.timed("worker calls", context.Context.call)))
        patch(mock.patch.object(context.Mismatch, "name_mistake",
                                split.timed("naming", context.Mismatch.name_mistake)))
        patch(mock.patch.object(context.Context, "falsify", split.falsify(context.Context.falsify)))
        patch(mock.patch.object(runner, "_run_one", split.run_one(runner._run_one)))
        yield


def grade(submission, *, trusted=False, jobs=1, split=None, only=()):
    """Wall and CPU seconds of one grade, its calls and score, and (with a Split) where the time went."""
    prof = profile.load()
    with instrumented(split) if split else contextlib.nullcontext():
        cpu, started = cpu_seconds(), time.perf_counter()
        report = runner.grade(submission, prof, only=only, jobs=jobs, trusted=trusted)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    figures = {"wall_s": wall, "cpu_s": cpu, "jobs": jobs, "checks": len(report.results), "calls": report.calls,
               "score": report.score, "max_score": report.max_score}
    if split:
        figures["split_s"] = split.table()
    return figures


def baseline(trusted=False):
    cpu, started = cpu_seconds(), time.perf_counter()
    report, _ = fixed_case_baseline.grade(trusted)
    return {"wall_s": time.perf_counter() - started, "cpu_s": cpu_seconds() - cpu, "functions": len(report.results),
            "calls": report.calls, "score": report.score, "max_score": report.max_score}


def call_cost(calls=1000):
    """Seconds per call of relu_forward on a (4, 8) array: through the worker (sandboxed, trusted) and in process."""
    x = np.random.default_rng(0).normal(size=(4, 8))
    limits, figures = profile.load(), {}
    for name, trusted in (("sandboxed_us", False), ("trusted_us", True)):
        with Sandbox(resolve(ROOT / "reference"), call_timeout=limits.call_timeout,
                     import_timeout=limits.import_timeout, trusted=trusted) as box:
            box.call("layers", "relu_forward", (x,), keep=[1])
            started = time.perf_counter()
            for _ in range(calls):
                box.call("layers", "relu_forward", (x,), keep=[1])
            figures[name] = (time.perf_counter() - started) / calls * 1e6
            box.drop_handles()
    started = time.perf_counter()
    for _ in range(calls):
        layers.relu_forward(x)
    figures["in_process_us"] = (time.perf_counter() - started) / calls * 1e6
    request = {"op": "call", "module": "layers", "function": "relu_forward", "args": [x], "kwargs": {}, "keep": [1],
               "return_args": False, "id": 1}
    reply = {"value": (np.maximum(x, 0), protocol.Handle(0)), "id": 1}
    started = time.perf_counter()
    for _ in range(calls):
        for message in (request, reply):
            protocol.read_message(io.BytesIO(protocol.encode(message)).read)
    figures["wire_us"] = (time.perf_counter() - started) / calls * 1e6  # encoding and decoding both messages
    return figures


def tiers(submission, rounds):
    """The full grade of the reference in the namespace tier (bubblewrap) and the Landlock tier, back to back in
    the order A B B A per round (a drifting load weighs on both alike), and one call's cost in each: figures
    and the Landlock/namespace ratios of the summed wall and CPU seconds."""
    from dlgrade.sandbox import confine, isolation
    boxes = {"namespaces": isolation.bubblewrap(), "landlock": confine.confined()}
    figures = {name: {"grades": []} for name in boxes}
    for _ in range(rounds):
        for name in ("namespaces", "landlock", "landlock", "namespaces"):
            with mock.patch.object(isolation, "_chosen", lambda user, group, box=boxes[name]: box):
                figures[name]["grades"].append(grade(submission))
                if "call" not in figures[name]:
                    figures[name]["call"] = call_cost(calls=300)
    for name in boxes:
        figures[name]["description"] = boxes[name].describe()
    total = {name: {k: sum(g[k] for g in figures[name]["grades"]) for k in ("wall_s", "cpu_s")} for name in boxes}
    figures["landlock_over_namespaces"] = {k.removesuffix("_s"): total["landlock"][k] / total["namespaces"][k]
                                           for k in ("wall_s", "cpu_s")}
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="grader processes of the parallel grade")
    parser.add_argument("--skip-parallel", action="store_true", help="leave out the parallel grade")
    parser.add_argument("--skip-trusted", action="store_true", help="leave out the grade without the OS sandbox")
    parser.add_argument("--out", type=Path, default=None, help=f"default {RESULTS.name}; with --tiers, tiers.json")
    parser.add_argument("--tiers", type=int, metavar="ROUNDS",
                        help="only the two sandboxes' full grades, back to back (A B B A) ROUNDS times")
    args = parser.parse_args()
    submission = resolve(ROOT / "reference")
    if args.tiers:
        out = args.out or RESULTS.with_name("tiers.json")
        figures = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                               "platform": platform.platform(), "load_average_at_start": os.getloadavg()}}
        figures.update(tiers(submission, args.tiers))
        figures["machine"]["load_average_at_end"] = os.getloadavg()
        out.write_text(json.dumps(figures, indent=2))
        for name in ("namespaces", "landlock"):
            walls = ", ".join(f"{g['wall_s']:.1f}" for g in figures[name]["grades"])
            print(f"{name}: full grades {walls} s wall; one call {figures[name]['call']['sandboxed_us']:.0f} µs")
        ratio = figures["landlock_over_namespaces"]
        print(f"landlock / namespaces: ×{ratio['wall']:.3f} wall, ×{ratio['cpu']:.3f} CPU; figures written to {out}")
        return
    args.out = args.out or RESULTS
    figures = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform(), "load_average_at_start": os.getloadavg()}}
    figures["fixed_case_baseline"] = baseline()
    figures["full_grade_sandboxed"] = grade(submission, split=Split())
    if not args.skip_trusted:
        figures["full_grade_trusted"] = grade(submission, trusted=True, split=Split())
        figures["fixed_case_baseline_trusted"] = baseline(trusted=True)
    if not args.skip_parallel:
        figures["full_grade_sandboxed_parallel"] = grade(submission, jobs=args.jobs)
    figures["call"] = call_cost()
    figures["machine"]["load_average_at_end"] = os.getloadavg()
    base, full = figures["fixed_case_baseline"], figures["full_grade_sandboxed"]
    figures["ratio_to_baseline"] = {"wall": full["wall_s"] / base["wall_s"], "cpu": full["cpu_s"] / base["cpu_s"]}
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))
    report(figures)
    print(f"figures written to {args.out}")


def report(figures):
    base = figures["fixed_case_baseline"]
    print(f"load average {figures['machine']['load_average_at_start']} at the start, "
          f"{figures['machine']['load_average_at_end']} at the end ({figures['machine']['cpus']} CPUs)")
    print(f"fixed-case baseline: {base['wall_s']:.2f} s wall, {base['cpu_s']:.2f} s CPU ({base['functions']} "
          f"functions, {base['calls']} calls)")
    for key in ("full_grade_sandboxed", "full_grade_trusted", "full_grade_sandboxed_parallel"):
        if key not in figures:
            continue
        f = figures[key]
        print(f"{key}: {f['wall_s']:.2f} s wall, {f['cpu_s']:.2f} s CPU, {f['jobs']} job(s), {f['checks']} checks, "
              f"{f['calls']} calls, score {f['score']:g} / {f['max_score']:g}")
        for module, split in f.get("split_s", {}).items():
            parts = ", ".join(f"{p} {split[p]:.2f}" for p in (*PIECES, "rest"))
            print(f"    {module:15s} {split['total']:6.2f} s: {parts}")
    ratio = figures["ratio_to_baseline"]
    print(f"sandboxed full grade / fixed-case baseline: ×{ratio['wall']:.1f} wall, ×{ratio['cpu']:.1f} CPU")
    call = figures["call"]
    print(f"one call: {call['sandboxed_us']:.0f} µs sandboxed, {call['trusted_us']:.0f} µs trusted, "
          f"{call['in_process_us']:.1f} µs in process; encoding and decoding its two messages {call['wire_us']:.0f} µs")


if __name__ == "__main__":
    main()
