"""What a check works with: calls into the submission, comparisons, and the property search.

A check receives a Context and raises CheckFailure (or lets a SandboxError through) when
the submission is wrong. `ctx.falsify` runs a Hypothesis search with the grading seed and
keeps the minimal counterexample; `ctx.expect` compares with the oracle and, on a mismatch,
lets the report name the mistake from checks.engine.mistakes.
"""
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.control import current_build_context

from dlgrade.sandbox import ErrorKind, SandboxError

from ..policy.tolerances import ROUNDING_SAFETY
from . import mistakes
from .compare import difference, informative
from .conventions import Conventions
from .rounding import rounding_tolerance


class CheckFailure(Exception):
    """The submission is wrong. inputs: the (minimal) input that shows it, by name."""

    def __init__(self, summary: str, *, inputs: Any = None, got: Any = None, expected: Any = None,
                 mistake: "mistakes.Mistake | None" = None) -> None:
        super().__init__(summary)
        self.summary, self.inputs = summary, inputs
        self.got, self.expected, self.mistake = got, expected, mistake


class Incomplete(Exception):
    """The check ran fewer seed-dependent examples than the profile's minimum before its budget ran out: it
    earns nothing, and the summary says how far it got and how slow the calls were."""

    def __init__(self, summary: str) -> None:
        super().__init__(summary)
        self.summary = summary


class Mismatch(CheckFailure):
    """A value differs from what the oracle (or a relation) expects."""

    def __init__(self, summary: str, *, inputs: Any, got: Any, expected: Any,
                 oracle: "Callable[..., Any] | None" = None, function: str | None = None, tol: Any = None,
                 label: str | None = None) -> None:
        super().__init__(summary, inputs=inputs, got=got, expected=expected)
        self.oracle, self.function, self.tol, self.label = oracle, function, tol, label
        self.witnesses: list[Mismatch] = []  # the same check failing on other inputs (Context.falsify)

    def name_mistake(self) -> "mistakes.Mistake | None":
        """The mistake rows of the function whose form reproduces what the submission returned, here and on
        the witnesses (other failing inputs) when there are some: a form that only coincides with the
        submission's on this input (a minimal input often makes several forms agree) is not named. Single
        rows first, then pairs of rows (their keywords merged); several that survive both inputs are named
        together as ambiguous. Else, when only the shapes are wrong, that finding (mistakes.shape_only)."""
        if self.oracle is None or self.function is None:
            return None
        witnesses = [w for w in self.witnesses if w.oracle is not None]
        for candidates in (mistakes.of(self.function), mistakes.pairs(self.function)):
            found = [row for row in candidates if self._reproduces(row.kwargs)
                     and all(w._reproduces(row.kwargs) for w in witnesses)]
            if found:
                return mistakes.ambiguous(found)
        return mistakes.shape_only(self.function, self.got, self.expected, self.tol, self.label)

    def _reproduces(self, kwargs: dict[str, Any]) -> bool:
        if self.oracle is None:
            return False
        try:
            candidate = self.oracle(**kwargs)
        except Exception:  # a mistake's form may be undefined on this input (e.g. overflow)
            return False
        return difference(self.got, candidate, self.tol, self.label, nan_matches_nan=True) is None


@dataclass
class Context:
    sandbox: Any                     # the Sandbox the submission runs in (dlgrade.sandbox)
    function: str
    tol: Any                         # a row of policy.tolerances
    max_examples: int
    seed: int
    accepted: frozenset[str] = frozenset()
    budget: float = float("inf")     # seconds one check may search (a slow submission still finishes)
    min_examples: int = 0            # seed-dependent examples a passing search must have run (falsify)
    slow_call: float = float("inf")  # seconds per call up to which the minimum runs on past the budget
    dtype: str = "float64"           # the profile's precision column; float32: drawn inputs are float32-exact
    conventions: Conventions = field(default_factory=Conventions)  # the course's layout and arguments (conventions.py)
    promise: Callable[[Any], bool] | None = None  # the profile's input promises ([domain]): only cases keeping them
    tol64: Any = None                # the row's float64 column: the floor of a tolerance computed for float32
    matched_variants: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # sentences for the report that do not fail the check
    examples_run: int = 0
    out_of_time: bool = False
    call_seconds: float = 0.0        # time spent in calls into the submission, and their number
    calls: int = 0
    computed: bool = False           # agreed with informative expected values on a seed-dependent example
    seek_agreement: bool = False     # a values check: after a failure, look on for such an example (the gate)
    _agreed: bool = False            # …on the example running now (expect sets it, falsify reads it)
    _compared: "list[Mismatch] | None" = None  # the oracle comparisons of the example running now, when recorded

    # --- calling the submission ----------------------------------------------------------------
    def call(self, function: str, *args: Any, returns: int | None = None, keep: Iterable[int] = (),
             return_args: bool = False, **kwargs: Any) -> Any:
        """function(*args, **kwargs) in the submission ("layers.relu_forward"), written in the spec's
        conventions and translated to the course's (engine.conventions) on the way in and out.

        returns=n: the result must be a tuple (or list) of n values; it comes back as a tuple.
        keep: result positions left in the worker as handles (a cache). return_args: give back
        (result, arguments after the call) to see in-place edits (bn_param's running stats).
        """
        module, name = self.conventions.locate(function)
        sent, sent_kwargs = self.conventions.arguments(function, args, kwargs)
        started = time.monotonic()
        try:
            reply = self.sandbox.call(module, name, sent, sent_kwargs, keep=keep, return_args=return_args)
        except SandboxError as error:
            if function != self.function and error.kind.absent:
                raise SandboxError(ErrorKind.DEPENDENCY, f"this check also calls {function}: {error}") from None
            raise
        finally:
            self._timed(started, 1)
        value = self._returned(function, args, reply.value, returns)
        return (value, reply.args_after) if return_args else value

    def call_many(self, function: str, calls: Iterable[tuple], *, returns: int | None = None) -> Iterator[Any]:
        """What ctx.call(function, *args) returns for each args of calls, in order, the calls sent in one round
        trip (for calls that wait on no answer of the submission's). A generator: a call that failed raises
        its SandboxError where its value would come, after the values before it were used."""
        module, name = self.conventions.locate(function)
        sent = [self.conventions.arguments(function, args, {}) for args in calls]
        started = time.monotonic()
        try:
            replies = self.sandbox.call_batch(module, name, sent)
        finally:
            self._timed(started, len(sent))
        for args, reply in zip(calls, replies):
            if isinstance(reply, SandboxError):
                raise reply
            yield self._returned(function, args, reply.value, returns)

    def construct(self, function: str, **kwargs: Any) -> Any:
        """An instance of the submission's class `function` ("net.FullyConnectedNet") built with kwargs, written in
        the spec's conventions; it stays in the worker (a Handle), for call_method."""
        return self.call(function, keep=[-1], **kwargs)

    def call_method(self, instance: Any, function: str, method: str, *args: Any, assign: dict | None = None,
                    returns: int | None = None) -> Any:
        """instance.method(*args) for an instance of the class `function` made by construct, after assign
        ({attribute: {key: value}}) set those entries of its dict attributes (the parameters the grader wants)."""
        return next(self.call_method_many(instance, function, method, [(args, assign)], returns=returns))

    def call_method_many(self, instance: Any, function: str, method: str, calls: Iterable[tuple], *,
                         returns: int | None = None) -> Iterator[Any]:
        """call_method for each (args, assign) of calls, sent in one round trip (as call_many)."""
        module, name = self.conventions.locate(function)
        calls = list(calls)
        started = time.monotonic()
        try:
            replies = self.sandbox.call_batch(module, f"{name}.{method}", [(list(args), {}) for args, _ in calls],
                                              target=instance, assigns=[assign for _, assign in calls])
        finally:
            self._timed(started, len(calls))
        for (args, _), reply in zip(calls, replies):
            if isinstance(reply, SandboxError):
                raise reply
            yield self._returned(f"{function}.{method}", args, reply.value, returns)

    def _timed(self, started: float, calls: int) -> None:
        self.call_seconds += time.monotonic() - started
        self.calls += calls

    @property
    def seconds_per_call(self) -> float:
        return self.call_seconds / self.calls if self.calls else 0.0

    def _returned(self, function: str, args: Any, value: Any, returns: int | None) -> Any:
        value = self.conventions.result(function, args, value)
        if returns is not None:
            if type(value) not in (tuple, list) or len(value) != returns:
                raise SandboxError(ErrorKind.BAD_RETURN, f"{function} should return a tuple of {returns} values; "
                                                 f"it returned {_kind(value)}")
            value = tuple(value)
        return value

    # --- comparing ------------------------------------------------------------------------------
    def expect(self, got: Any, expected: Any, *, inputs: Any, label: str = "result", tol: Any = None,
               of: str | None = None) -> None:
        """Fail unless got matches expected.

        expected is a value, or an oracle as a callable: oracle(**mistake_kwargs) -> value. With the
        oracle, a documented variant the profile accepts passes (and is reported), and the report
        can name the mistake the submission made. of: the spec function `expected` is the oracle of,
        when it is not the function under test (a relation to the oracle's partner): then the
        partner's documented forms of the variants accepted for the function under test pass too,
        and no mistake is named (the partner's forms say nothing of the function under test).
        """
        tol = tol or self.tol
        oracle = MemoisedOracle(expected) if callable(expected) else None
        want = oracle() if oracle else expected
        if oracle and self.dtype != "float64":  # the oracle's own rounding bound in the dtype, entry by entry
            tol = rounding_tolerance(oracle.oracle, self.dtype, self.tol64 or tol, tol, ROUNDING_SAFETY)
        found = difference(got, want, tol, label)
        if oracle and self._compared is not None and of in (None, self.function):
            self._compared.append(Mismatch("", inputs=inputs, got=got, expected=want, oracle=oracle,
                                           function=self.function, tol=tol, label=label))
        if found is None:
            self._agreed = self._agreed or informative(want, inputs, tol)
            return
        if oracle:
            for row in mistakes.of(of or self.function):
                if row.documented and row.name in self.accepted \
                        and difference(got, oracle(**row.kwargs), tol, label) is None:
                    self.matched_variants.add(row.name)
                    self._agreed = self._agreed or informative(oracle(**row.kwargs), inputs, tol)
                    return
        raise Mismatch(found, inputs=inputs, got=got, expected=want, oracle=oracle if of in (None, self.function)
                       else None, function=self.function, tol=tol, label=label)

    def require_shape(self, function: str, out: Any, shape: tuple[int, ...], *, inputs: Any) -> Any:
        """out itself, failing clearly unless it is an array of `shape` (a relation computes with it)."""
        if not isinstance(out, np.ndarray) or out.shape != tuple(shape):
            what = f"an array of shape {out.shape}" if isinstance(out, np.ndarray) else f"a {type(out).__name__}"
            self.fail(f"{function} should return out of shape {tuple(shape)}; it returned {what}", inputs=inputs)
        return out

    def fail(self, summary: str, *, inputs: Any = None, mistake: str | None = None) -> NoReturn:
        """Fail with a sentence; mistake: an id of checks.engine.mistakes ("layers.dropout_forward:p_is_keep")."""
        raise CheckFailure(summary, inputs=inputs, mistake=mistakes.BY_ID[mistake] if mistake else None)

    # --- searching ------------------------------------------------------------------------------
    def falsify(self, strategy: Any, body: Callable[[Any], None], *, examples: Iterable[Any] = (),
                max_examples: int | None = None) -> None:
        """Run body(case) on cases drawn from strategy; raise the minimal failure found.

        The search is seeded with the grading seed, so a verdict replays exactly. `examples` (the textbook
        cases) run first, then the search's simplest case, then max_examples drawn from the seed: every seed
        meets the first two, so they can fail the check but never pay it. Passing needs at least the
        profile's minimum of seed-dependent examples (min_examples, at most max_examples): the budget stops
        the search and its shrinking beyond the minimum, and the minimum itself only when the calls take
        longer than slow_call seconds each; then the check is Incomplete. A hang or crash is reported on the
        input that caused it; other failures on Hypothesis's shrunk input. After a failure a values check
        looks on for right values elsewhere (seek_agreement).
        """
        failures: list[Any] = []
        hard: list[Any] = []
        deadline = time.monotonic() + self.budget
        count = max_examples or self.max_examples
        needed = min(self.min_examples, count)
        if self.dtype == "float32":
            strategy, examples = strategy.map(float32_exact), [float32_exact(case) for case in examples]
        if self.promise is not None:  # the assignment promises its students only such inputs
            strategy, examples = strategy.filter(self.promise), [case for case in examples if self.promise(case)]
        for case in examples:
            self.examples_run += 1
            try:
                _fixed_case(body, case)
            except CheckFailure as fixed_failure:
                self._look_on(strategy, body, count, deadline, fixed_failure, [case], agreement=self.seek_agreement)
                raise
        drawn, cut = 0, []  # the search's cases run (the first is its simplest, the same for every seed); cut short

        def property_(case: Any) -> None:
            nonlocal drawn
            if time.monotonic() > deadline and (failures or drawn - 1 >= needed
                                                or self.seconds_per_call > self.slow_call):
                self.out_of_time = True
                cut.append(True)
                raise _OutOfTime
            self.examples_run += 1
            drawn += 1
            if failures and current_build_context().is_final and same_case(case, failures[-1][0]):
                failures.append(failures[-1])  # Hypothesis replays the minimal failure: its verdict is known
                raise failures[-1][1]
            self._agreed = False
            try:
                body(case)
            except CheckFailure as failure:
                failures.append((case, failure))
                raise
            except SandboxError as error:
                failures.append((case, error))
                if error.kind.hard and not hard:
                    hard.append((case, error))
                raise
            if drawn > 1 and not failures and self._agreed:
                self.computed = True  # right values on an input no other seed need meet

        test = settings(
            max_examples=count + 1, database=None, deadline=None,  # the simplest case, then `count` of the seed's
            derandomize=False, verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False,
            suppress_health_check=list(HealthCheck), phases=(Phase.generate, Phase.shrink),
        )(seed(self.seed)(given(strategy)(property_)))
        try:
            test()
        except _OutOfTime:
            pass  # every example that ran passed
        except Exception:
            if not failures:
                raise
        if not failures:
            if drawn - 1 < needed and cut:
                raise Incomplete(f"incomplete: ran {max(drawn - 1, 0)} of the {needed} examples needed within "
                                 f"{self.budget:g} s; your function took {self.seconds_per_call:.2g} s per call")
            return
        case, failure = hard[0] if hard else failures[-1]
        if isinstance(failure, Mismatch):
            failure.witnesses = [f for c, f in failures[:1] if isinstance(f, Mismatch) and not same_case(c, case)]
        if not hard:
            self._look_on(strategy, body, count, deadline, failure, [case, failures[0][0]],
                          agreement=self.seek_agreement and not self.computed)
        raise _as_failure(failure, case)

    def _look_on(self, strategy: Any, body: Callable[[Any], None], count: int, deadline: float, failure: Any,
                 failed_cases: list[Any], *, agreement: bool) -> None:
        """After a failure, the rest of the seed's examples until each thing sought is found: with agreement, one
        that shows right values (computed: a near-miss wrong on some inputs keeps the relation checks it holds,
        runner.apply_gates); for a Mismatch, FRESH_WITNESSES fresh inputs to confirm a name on (the first failure
        before shrinking is one witness, but the shrinking keeps what it can of it, hyperparameters included). A fresh
        input's comparisons with the oracle all become witnesses, passed or failed: a named form must reproduce
        what the submission returned there too, right values included."""
        wants_witness = FRESH_WITNESSES if isinstance(failure, Mismatch) and failure.oracle is not None else 0
        seen = list(failed_cases)
        if not (agreement or wants_witness):
            return
        drawn = 0

        def probe(case: Any) -> None:
            nonlocal drawn, wants_witness
            drawn += 1
            if not (agreement and not self.computed and drawn > 1 or wants_witness) or time.monotonic() > deadline:
                return
            self._agreed = False
            fresh = wants_witness and not any(same_case(case, c) for c in seen)
            self._compared = [] if fresh else None
            passed = False
            try:
                body(case)
                passed = True
            except (CheckFailure, SandboxError):
                pass
            finally:
                compared, self._compared = self._compared, None
            if compared:  # a crash or a failure before any comparison says nothing of the forms
                failure.witnesses.extend(compared)
                wants_witness -= 1
            if passed and agreement and drawn > 1:
                self.computed = self.computed or self._agreed

        settings(max_examples=count + 1, database=None, deadline=None, derandomize=False, verbosity=Verbosity.quiet,
                 suppress_health_check=list(HealthCheck), phases=(Phase.generate,))(
            seed(self.seed)(given(strategy)(probe)))()


def _fixed_case(body: Callable[[Any], None], case: Any) -> None:
    """body(case) on a fixed case (a textbook example), its failure reported like the search's."""
    try:
        body(case)
    except (CheckFailure, SandboxError) as failure:
        raise _as_failure(failure, case) from None


def _as_failure(failure: CheckFailure | SandboxError, case: Any) -> CheckFailure | SandboxError:
    """The exception a failed case ends the check with: a CheckFailure on its input, or an absent function's
    SandboxError as it is."""
    if isinstance(failure, SandboxError):
        if failure.kind.absent or failure.kind in (ErrorKind.POLICY, ErrorKind.ENVIRONMENT):  # not a wrong answer
            return failure
        return CheckFailure(_sandbox_summary(failure), inputs=case)
    if failure.inputs is None:
        failure.inputs = case
    return failure


class MemoisedOracle:
    """An oracle whose forms (oracle(**mistake_kwargs)) are each computed once for its input: the accepted
    variants, and then the naming of a mistake, ask for the same ones."""

    def __init__(self, oracle: Callable[..., Any]) -> None:
        self.oracle, self.values = oracle, dict[str, Any]()

    def __call__(self, **kwargs: Any) -> Any:
        key = repr(sorted(kwargs.items()))
        if key not in self.values:
            with np.errstate(all="ignore"):  # a mistake's form may divide by 0: its NaN is compared, not warned of
                self.values[key] = self.oracle(**kwargs)
        return self.values[key]


def same_case(a: Any, b: Any) -> bool:
    """a and b hold the same values (arrays: dtype, shape and entries)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype \
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(same_case(a[k], b[k]) for k in a)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(map(same_case, a, b))
    return a == b


def float32_exact(value: Any) -> Any:
    """value with every float (and float array) rounded to float32 and held as float64: inputs a careful
    float32 implementation receives exactly, so its only error is its own rounding."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32).astype(value.dtype)
    if type(value) is float:
        return float(np.float32(value))
    if type(value) is dict:
        return {k: float32_exact(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(float32_exact(v) for v in value)
    return value


FRESH_WITNESSES = 2  # fresh inputs a name is confirmed on: one can still make two forms coincide (100ε = √ε at 1e-4)


class _OutOfTime(Exception):
    """The check's time budget ran out: the search stops with the examples run so far."""


def _sandbox_summary(error: SandboxError) -> str:
    what = {ErrorKind.TIMEOUT: "it hung", ErrorKind.CRASH: "it crashed",
            ErrorKind.BAD_RETURN: "it returned the wrong type",
            ErrorKind.EXCEPTION: "it raised an exception"}.get(error.kind, error.kind)
    return f"{what}: {error}"


def _kind(value: Any) -> str:
    if type(value) in (tuple, list):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"a {type(value).__name__}"
