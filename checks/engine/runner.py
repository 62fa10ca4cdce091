"""Grade a submission: run the selected checks through one sandboxed worker, score them.

The oracle, the comparisons and the scores stay in this process; the submission runs in the
worker. A check that fails, hangs or crashes costs only its own points; the rest go on.
"""
import contextlib
import dataclasses
import functools
import hashlib
import hmac
import multiprocessing
import re
import shlex
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from dlgrade.sandbox import ErrorKind, Sandbox, SandboxError, prove_sandbox

from ..policy import source_scan, years
from ..policy.tolerances import tolerance
from .compare import like_expected, show
from .context import CheckFailure, Context, Incomplete, Mismatch
from .registry import REGISTRY, current_id
from .spec import COURSE_ROWS, PARTNERS, PROMISES, module_rank
from .status import Status


@dataclass
class CheckResult:
    id: str
    function: str
    kind: str
    doc: str
    status: Status
    score: float
    max_score: float
    summary: str = ""
    details: dict = field(default_factory=dict)
    replay: str = ""
    seed: int = 0
    max_examples: int = 0
    examples_run: int = 0
    seconds: float = 0.0
    counterexample: object = field(default=None, repr=False, compare=False)  # the failing input's values (not saved)
    computed: bool = False  # agreed with the oracle's informative values on a seed-dependent example (the gate)
    optional: bool = False  # behaviour the spec allows, not requires: never scored, failed when not held
    title: str = ""         # the check's title, in words (its id is function/slug)
    role: str = ""          # what a pass shows (Check.pays): values, textbook or relation

    @property
    def module(self):
        return self.function.partition(".")[0]


@dataclass
class Report:
    submission: str
    profile: str
    seed: int
    results: list
    notes: list
    seconds: float
    calls: int
    restarts: int
    environment: dict = field(default_factory=dict)  # what the submission ran under: {"python": …, "numpy": …}
    isolation: str = ""      # the sandbox the worker had, in words
    sha256: str = ""         # of the submission's bytes that were graded
    search: str = ""         # where the search's seed came from, in words
    policy: str = ""         # the library policy in force, in words
    course: str = ""         # a course's year: whose conventions were applied and why, what was not graded
    environment_problems: list = field(default_factory=list)  # what the grading environment lacks (not scored)
    secret_search: bool = False  # the search's seed came from a course secret (a per-submission search)
    gradescope: dict = field(default_factory=dict)  # the profile's [gradescope]: what students see when

    @property
    def score(self):
        return round(sum(r.score for r in self.results), 9)

    @property
    def max_score(self):
        return round(sum(r.max_score for r in self.results), 9)


def select(only=()):
    """Checks in spec order (the areas' declared module order, then registration), kept if any selector (module,
    module.function or a check id) names them. A check's old prose id ("function: title") selects it too."""
    only = [current_id(s) for s in only]

    def wanted(c):  # a course's row only where its function or id is named (a course profile names them)
        course_row = c.function in COURSE_ROWS
        return (not only and not course_row) or any(s in ((c.function, c.id) if course_row else
                                                           (c.module, c.function, c.id)) for s in only)

    first_seen = {}
    for index, c in enumerate(REGISTRY):
        first_seen.setdefault(c.function, index)
    checks = [c for c in REGISTRY if wanted(c)]
    return sorted(checks, key=lambda c: (module_rank(c.module), first_seen[c.function]))


def selector_names():
    """Every name --only takes: the modules, the functions and the check ids."""
    return {c.module for c in REGISTRY} | {c.function for c in REGISTRY} | {c.id for c in REGISTRY}


def unknown_selectors(only):
    names = selector_names()
    return [s for s in only if current_id(s) not in names]


def renamed_selectors(only):
    """(old prose id, id now) for each selector that is a check's id from before ids were short: for a note."""
    return [(s, current_id(s)) for s in only if current_id(s) != s]


def function_points(profile, checks):
    """Each check's share of its function's points (the profile's, or the checks' weights); an optional
    check's is 0: it is a note, and its function's points go to the checks that are scored."""
    weights = {}
    for c in REGISTRY:
        weights[c.function] = weights.get(c.function, 0.0) + (0.0 if c.optional else c.points)
    return {c.id: 0.0 if c.optional else profile.points.get(c.function, weights[c.function]) * c.points
            / weights[c.function] for c in checks}


def grade(submission, profile, *, only=(), replay_prefix="", jobs=1, worker_user=None, trusted=False, hidden=(),
          secret=None):
    """Run the selected checks (only; else the functions the profile's layout grades); with jobs > 1,
    functions are shared among that many grader processes, each with its own worker. Every check's search
    is seeded on its own, so the verdicts do not depend on jobs. worker_user: the account the submission
    runs as (the grader must be root). trusted: no OS sandbox (--trust-submission); hidden: more paths the
    worker must not see. secret: a course secret, from which each submission's own seed is drawn
    (search_seed)."""
    profile = years.settle(profile, submission)  # a course's year: named by the profile, or read from the tree
    seed, search = search_seed(profile.seed, submission.sha256, secret)
    profile = dataclasses.replace(profile, seed=seed)
    if profile.course is not None and (absent := profile.course.absent()):
        return Report(submission.display, profile.source, profile.seed, [], [absent], 0.0, 0, 0, {}, "",
                      submission.sha256, search, describe_policy(profile.libraries, trusted))
    if profile.course is not None:  # a course's hand-in: its assignment's functions, presented as the spec's
        submission, profile = profile.course.prepare(submission, profile)
    elif not only and not profile.graded and (hint := course_suggestion(submission)):
        return Report(submission.display, profile.source, profile.seed, [], [hint], 0.0, 0, 0, {}, "",
                      submission.sha256, search, describe_policy(profile.libraries, trusted))
    checks = select(only or profile.graded)
    if only and (profile.graded or profile.course is not None):  # within what the profile (or assignment) grades
        graded = {c.id for c in select(profile.graded)}
        checks = [c for c in checks if c.id in graded]
    checks = [c for c in checks if not profile.leaves_out(c.function)]  # the course's own code, what it asks not
    shares = function_points(profile, checks)
    started = time.perf_counter()
    parts = _partition(checks, jobs)
    policy = profile.libraries
    uses = source_scan.scan(submission, sorted(policy.functions))
    job = functools.partial(_grade_part, dataclasses.replace(submission, _tmp=None), profile, shares,
                            replay_prefix, dict(user=worker_user, trusted=trusted, hidden=tuple(hidden),
                                                forbidden=policy.hidden_packages()), uses)
    if len(parts) == 1:
        outcomes = [job(parts[0])]
    else:
        if not trusted:
            prove_sandbox(worker_user)  # once, here: the forked grader processes inherit the proof
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        with ProcessPoolExecutor(len(parts), mp_context=context) as pool:
            outcomes = list(pool.map(job, parts))
    order = {c.id: i for i, c in enumerate(checks)}
    results = sorted((r for outcome in outcomes for r in outcome[0]), key=lambda r: order[r.id])
    gated = _partner_gates(results, submission, profile, replay_prefix,
                           dict(user=worker_user, trusted=trusted, hidden=tuple(hidden),
                                forbidden=policy.hidden_packages()))
    notes = list(dict.fromkeys([*submission.notes, *(n for outcome in outcomes for n in outcome[1]),
                                *_reported_uses(checks, profile, uses), *gated]))
    return Report(submission.display, profile.source, profile.seed, results, notes, time.perf_counter() - started,
                  sum(o[2] for o in outcomes), sum(o[3] for o in outcomes), outcomes[0][4], outcomes[0][5],
                  submission.sha256, search, describe_policy(policy, trusted), years.describe(profile),
                  environment_problems(results, profile), bool(secret), profile.gradescope)


def _lacking(summary):
    """(what the environment lacks, the module's name or "" for an unbuilt extension) from a check's summary."""
    what = summary.rpartition("failed: ")[2].partition(" (at ")[0]
    return what, what.partition("'")[2].partition("'")[0] if "has no package" in what else ""


def _declared(summary, profile, function=""):
    """Whether a module not found leaves its checks unscored: a package the profile declares the course's files
    import, or an unbuilt extension the profile declares the course's code needs for this function ([layout.
    extensions]). Any other name keeps its points in the maximum (not earned): the worker's code names the module,
    and a wrong function that raised ModuleNotFoundError (naming a made-up package, a .pyx the student added, or
    calling the course's extension from a stub) must not leave the total."""
    what, module = _lacking(summary)
    if module:
        return module in profile.dependencies
    extension = re.match(r"(\S+) is a compiled extension ", what)  # cs231n.im2col_cython: the package's own
    return bool(extension) and function in profile.extensions.get(extension.group(1).partition(".")[2], ())


def _functions(results):
    return ", ".join(dict.fromkeys(r.function for r in results))


def environment_problems(results, profile):
    """One line per thing the grading environment lacks: what, which checks it kept from being scored (they count
    neither for nor against the student), and how to install it; for the instructor, at the report's head."""
    lacking = {}
    for r in results:
        if r.status is Status.ENVIRONMENT:
            lacking.setdefault(_lacking(r.summary), []).append(r)
    lines = []
    for (what, module), group in lacking.items():
        package = profile.dependencies.get(module, module)
        extra = f' or pip install "dlgrade[{profile.package}]"' if module in profile.dependencies and profile.package \
            else ""
        how = f"install it (pip install {package}{extra}) and grade again" if module else "build it and grade again"
        kept, unscored = [], []
        for r in group:
            (unscored if _declared(r.summary, profile, r.function) else kept).append(r)
        if kept:  # a student could name a package or .pyx of their own, or call the course's extension from a stub
            table = "[dependencies]" if module else "[layout.extensions]"
            lines.append(f"{what}: {len(kept)} checks ({sum(r.max_score for r in kept):.4g} points) of "
                         f"{_functions(kept)} not earned; the profile does not declare it ({table}): if the course "
                         f"uses it, declare it, {how}")
        if unscored:
            points = sum(r.details.get("unscored_points", 0.0) for r in unscored)
            lines.append(f"{what}: {len(unscored)} checks ({points:.4g} points) of {_functions(unscored)} not "
                         f"scored, neither for nor against the student; {how}")
    return lines


def course_suggestion(submission):
    """The line that sends a known course's hand-in, which defines none of the spec's functions, to its profile
    ("this looks like the Deep Learning Specialization, …: grade it with --profile dls"), or ""."""
    from ...courses import detect
    return detect.suggestion(submission, {c.function.partition(".")[2] for c in REGISTRY})


def describe_policy(policy, trusted):
    """The library policy in force, in words; without the OS sandbox, how little it is then enforced."""
    words = policy.describe()
    if trusted and policy.hidden_packages():
        words += (" (--trust-submission: no sandbox hides the forbidden packages; an import hook serves their "
                  "stand-ins, which the submission could undo)")
    return words


def _refused_use(c, profile, uses):
    """The summary of a check whose function (or one it calls) uses a single function the profile refuses."""
    module, name = profile.conventions.locate(c.function)
    refused = [u for u in uses.of(module, name) if profile.libraries.functions.get(u.name) == "refuse"]
    if not refused:
        return ""
    found = ", ".join(f"{u.name} at {u.where}" for u in refused)
    return f"{c.function} uses {found}, which this course does not allow (profile: {profile.source})"


def _reported_uses(checks, profile, uses):
    """Report notes of the uses of single functions the profile only reports."""
    notes = []
    for function in dict.fromkeys(c.function for c in checks):
        module, name = profile.conventions.locate(function)
        notes += [f"{function} uses {u.name} at {u.where} (the course's policy reports it; scored as usual)"
                  for u in uses.of(module, name) if profile.libraries.functions.get(u.name) == "report"]
    return notes


def search_seed(public_seed, sha256, secret=None):
    """(seed, in words) of the search. Without a secret, the public seed: every submission meets the same
    examples. With one, seed = the first 63 bits of HMAC-SHA256(secret, sha256 of the submission): each
    submission meets its own, which no one without the secret can know before handing it in; the report
    shows the seed, so `--seed` replays the verdict (it says nothing of the secret or of other seeds)."""
    if not secret:
        return public_seed, f"public seeded search (seed {public_seed})"
    digest = hmac.new(secret.encode(), sha256.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1, "per-submission search (seed from the course secret and " \
                                                  "the submission's sha256)"


def _partition(checks, jobs):
    """Check ids in at most `jobs` parts of about equal cost; a function's checks stay together."""
    cost = {}
    for c in checks:
        cost[c.function] = cost.get(c.function, 0.0) + c.examples
    parts = [[] for _ in range(max(1, min(jobs, len(cost))))]
    loads = [0.0] * len(parts)
    for function in sorted(cost, key=cost.get, reverse=True):
        lightest = loads.index(min(loads))
        parts[lightest].append(function)
        loads[lightest] += cost[function]
    return [[c.id for c in checks if c.function in set(part)] for part in parts]


def _grade_part(submission, profile, shares, replay_prefix, sandbox, uses, check_ids):
    """(results, notes, calls, restarts, environment, isolation) of the given checks, run through one worker;
    sandbox: the Sandbox's keywords (user, trusted, hidden, forbidden); uses: the source's SourceUses."""
    by_id = {c.id: c for c in REGISTRY}
    results = []
    box = Sandbox(submission, call_timeout=profile.call_timeout, import_timeout=profile.import_timeout, **sandbox)
    with box:
        for check_id in check_ids:
            c = by_id[check_id]
            results.append(_run_one(c, box, profile, shares[c.id], replay_prefix, _refused_use(c, profile, uses)))
            box.drop_handles()
        probes = [_run_one(c, box, profile, 0.0, replay_prefix) for c in gate_probes(results)]
        apply_gates(results, probes)
        notes = list(dict.fromkeys(w for module in dict.fromkeys(by_id[i].module for i in check_ids)
                                   for w in box.warnings(module)))  # a notebook's cells, which every module shares
    return results, notes + box.notes, box.calls, box.restarts, box.environment, box.description


def gate_probes(results):
    """The values checks (registry roles) a selection left out but its results need: those of every function
    with a relation check that passed and no values check selected. They run unreported and unscored."""
    by_id = {c.id: c for c in REGISTRY}
    selected = {by_id[r.id].function for r in results if by_id[r.id].pays == "values"}
    waiting = {r.function for r in results if by_id[r.id].gated and r.status is Status.PASSED and r.max_score}
    return [c for c in REGISTRY if c.function in waiting - selected and c.pays == "values"]


def gate_open(results):
    """The function computes its values right somewhere: one of its values checks passed, agreed with the
    oracle on a seed-dependent example whose values no trivial answer matches (compare.informative), or
    failed on a named mistake (a near-miss: the values of a known slip)."""
    return any(r.status is Status.PASSED or r.computed or (r.status is Status.FAILED and "mistake" in r.details)
               for r in results)


def apply_gates(results, probes=()):
    """A passing relation check keeps its points only when its function's gate is open (gate_open over the
    function's values checks: the results' and the probes'); else it scores 0 and says why."""
    by_id = {c.id: c for c in REGISTRY}
    values = {}
    for r in [*results, *probes]:
        if by_id[r.id].pays == "values":
            values.setdefault(r.function, []).append(r)
    for r in results:
        closed = not gate_open(values.get(r.function, []))
        if by_id[r.id].gated and r.status is Status.PASSED and r.max_score and closed:
            r.score = 0.0
            why = "not scored: it holds, but it pays only when the function's values are right somewhere (on an " \
                  "input of the search, or the values of a named mistake), and none are"
            r.summary = f"{why}; {r.summary}" if r.summary else why


FAILS_ITS_OWN = (Status.FAILED, Status.NOT_IMPLEMENTED, Status.MISSING, Status.POLICY)  # a partner that fails


def relied_on(result, profile, reach):
    """The submission's functions (spec names) a failed check of a function built on others relied on: those its
    partners declaration names for the input it failed on, which the submission's code of that function reaches
    (reach: the names it refers to, source_scan.reached)."""
    partners = PARTNERS[result.function](result.id, result.counterexample)
    return [p for p in partners if profile.conventions.locate(p)[1] in reach]


def _partner_gates(results, submission, profile, replay_prefix, sandbox):
    """Apply the partner gates (apply_partner_gates); the report's notes. A partner this grade did not select is
    probed only when a failed check relies on it and no partner it relies on is known to fail: its checks run
    unreported and unscored, in a worker of their own, until one fails."""
    waiting = [r for r in results if r.function in PARTNERS and r.status is Status.FAILED and r.max_score]
    if not waiting:
        return []
    reach = {f: source_scan.reached(submission, profile.conventions.locate(f)[1])
             for f in {r.function for r in waiting}}
    relied = {r.id: relied_on(r, profile, reach[r.function]) for r in waiting}
    graded = {r.function for r in results}
    failing = {r.function for r in results if r.status in FAILS_ITS_OWN and not r.optional}
    probes = []
    with contextlib.ExitStack() as stack:
        box = None
        for partners in relied.values():
            for partner in partners:
                if partner in failing:
                    break  # one culprit is enough to know the check is not the function's own to answer for
                if partner in graded:
                    continue
                graded.add(partner)
                if box is None:
                    box = stack.enter_context(Sandbox(submission, call_timeout=profile.call_timeout,
                                                      import_timeout=profile.import_timeout, **sandbox))
                for c in REGISTRY:
                    if c.function == partner and not c.optional:
                        probes.append(_run_one(c, box, profile, 0.0, replay_prefix))
                        box.drop_handles()
                        if probes[-1].status in FAILS_ITS_OWN:
                            failing.add(partner)
                            break
                if partner in failing:
                    break
    return apply_partner_gates(results, relied, probes)


def apply_partner_gates(results, relied, probes=()):
    """A failed check that relied on a function of the submission's (relied: {check id: [spec functions]}) which
    fails its own checks is not graded: status DEPENDS, neither paid nor counted in the maximum (the bug is charged
    once, by that function's own checks; the points stay in details). A check that passes is paid as usual: the
    function computed its values right. The notes for the report, one per function gated."""
    failing = {r.function for r in [*results, *probes] if r.status in FAILS_ITS_OWN and not r.optional}
    gated = {}
    for r in results:
        culprits = [p for p in relied.get(r.id, ()) if p in failing]
        if r.status is not Status.FAILED or not culprits:
            continue
        r.summary = f"not graded: depends on {', '.join(culprits)}, which {_fail(culprits)} own checks (one bug " \
                    f"is charged once, where its own checks judge it); this check found: {r.summary}"
        r.status, r.score, r.details = Status.DEPENDS, 0.0, dict(r.details, unscored_points=r.max_score,
                                                                 depends_on=culprits)
        gated.setdefault(r.function, []).append(r)
        r.max_score = 0.0
    failed_alone = {r.function for r in results if r.status is Status.FAILED}
    for r in results:  # a relation that held, unpaid for want of right values (apply_gates), none failed alone
        if r.function in set(gated) - failed_alone and r.status is Status.PASSED and r.max_score and not r.score:
            culprits = _culprits(gated[r.function])
            r.status, r.details = Status.DEPENDS, dict(r.details, unscored_points=r.max_score, depends_on=culprits)
            r.summary = f"not graded: it holds, but {r.function}'s values depend on {', '.join(culprits)}, which " \
                        f"{_fail(culprits)} own checks"
            gated[r.function].append(r)
            r.max_score = 0.0
    return [f"{function}: {len(group)} checks ({sum(r.details['unscored_points'] for r in group):.4g} points) not "
            f"graded, neither for nor against the student: they failed relying on "
            f"{', '.join(_culprits(group))}, which {_fail(_culprits(group))} own checks"
            for function, group in gated.items()]


def _culprits(group):
    return list(dict.fromkeys(p for r in group for p in r.details["depends_on"]))


def _fail(culprits):
    return "fails its" if len(culprits) == 1 else "fail their"


def _run_one(c, box, profile, max_score, replay_prefix, refused=""):
    """The CheckResult of one check; refused: why the library policy refuses it unrun (a forbidden function
    in the source)."""
    max_examples = profile.max_examples_for(c)
    ctx = Context(box, c.function, tolerance(c.tol, profile.dtype), max_examples, profile.seed,
                  profile.accepted(c.function), profile.check_budget, profile.min_examples_for(c), profile.slow_call,
                  profile.dtype, profile.conventions.for_check(), seek_agreement=c.pays == "values",
                  promise=promise_of(profile, c.function), tol64=tolerance(c.tol))
    replay = f"{replay_prefix} --only {shlex.quote(c.id)} --seed {profile.seed}".strip()
    course_name = profile.conventions.course_names.get(c.function)  # a course's hand-in: its own name first
    base = dict(id=c.id, title=f"{course_name}: {c.title}" if course_name else c.title, function=c.function,
                kind=c.kind, doc=c.doc, max_score=max_score,
                optional=c.optional, replay=replay, role=c.pays,
                seed=profile.seed, max_examples=max_examples)
    started = time.perf_counter()
    status, summary, details, counterexample = Status.PASSED, "", {}, None
    try:
        module, name = ctx.conventions.locate(c.function)
        if refused:
            raise SandboxError(ErrorKind.POLICY, refused)
        if name not in box.functions(module):
            course_name = ctx.conventions.course_names.get(c.function)
            skipped = f" ({', '.join(box.skipped_cells)} did not run: see the notes)" if box.skipped_cells else ""
            raise SandboxError(ErrorKind.MISSING, f"the hand-in defines no {course_name} (the spec's {c.function})"
                               f"{skipped}" if course_name else f"the submission has no function {name} in {module}"
                               f"{skipped}")
        c.run(ctx)
        notes = list(ctx.notes)
        if ctx.matched_variants:
            notes.append("matches the documented variant " + ", ".join(sorted(ctx.matched_variants))
                         + ", which this profile accepts")
        if ctx.out_of_time:
            notes.append(f"searched {ctx.examples_run} examples: the check's {profile.check_budget:g} s "
                         f"budget ran out (a faster implementation gets the full search)")
        if c.optional:
            notes.insert(0, "optional, not scored: the spec allows this behaviour, it does not require it; it holds")
        summary = "; ".join(notes)
        if ctx.matched_variants:
            details = {"variants": sorted(ctx.matched_variants)}
    except CheckFailure as failure:
        status, summary = Status.FAILED, failure.summary
        details = _failure_details(failure, ctx.conventions, c.function)
        if ctx.conventions.meaning(c.function):  # said once, where the course's meaning differs from the spec's
            summary = f"{summary} ({ctx.conventions.meaning(c.function)})"
        counterexample = failure.inputs
        course_input = ctx.conventions.course_input and ctx.conventions.course_input(c.function, failure.inputs)
        if course_input:  # a course's hand-in: the input as its own function received it, the spec's beside it
            details = {"input": {k: show(v) for k, v in course_input.items()}, "spec_input": details.pop("input"),
                       **details}
        if c.optional:  # allowed, not required: said, never scored, and failed (no report calls it passed)
            summary = f"optional, not scored: not held (the spec allows it, not requires it): {summary}"
        elif isinstance(failure, Mismatch) and not profile.show_expected:
            summary = f"{failure.label or 'the result'} is wrong on this input"
            del details["expected"]
    except Incomplete as incomplete:
        status, summary = Status.INCOMPLETE, incomplete.summary
    except SandboxError as error:
        status = _status_of(error.kind)
        summary = str(error)
        if error.kind is ErrorKind.POLICY and not refused:
            summary += f", which this course does not allow (profile: {profile.source})"
    except Exception as exc:  # a bug of the grader's: report it, never a traceback, and go on
        status, summary = Status.ERROR, f"internal grader error ({type(exc).__name__}: {exc}); please report it"
    if status is Status.ENVIRONMENT and _declared(summary, profile, c.function):  # the environment's: not counted
        details, base["max_score"] = {"unscored_points": max_score}, 0.0
    return CheckResult(**base, status=status, score=max_score if status is Status.PASSED else 0.0,
                       summary=summary, details=details, examples_run=ctx.examples_run,
                       seconds=time.perf_counter() - started, counterexample=counterexample, computed=ctx.computed)


def promise_of(profile, function):
    """case -> whether it keeps every input promise the profile makes of the function ([domain]); None: none."""
    kept = [PROMISES[name][function] for name in profile.promises if function in PROMISES[name]]
    return (lambda case: all(holds(case) for holds in kept)) if kept else None


def _status_of(kind):
    """The status of a check ended by a SandboxError of `kind`: absent when the function is, refused by the library
    policy, else failed."""
    return {ErrorKind.NOT_IMPLEMENTED: Status.NOT_IMPLEMENTED, ErrorKind.MISSING: Status.MISSING,
            ErrorKind.POLICY: Status.POLICY, ErrorKind.ENVIRONMENT: Status.ENVIRONMENT}.get(kind, Status.FAILED)


def _failure_details(failure, conventions, function):
    """input (as the submission received it), expected, got, and the named mistake in the course's terms."""
    details = {}
    if failure.inputs is not None:
        inputs = conventions.shown(function, failure.inputs)
        details["input"] = {k: show(v) for k, v in inputs.items()} if isinstance(inputs, dict) else show(inputs)
    if isinstance(failure, Mismatch):
        details["expected"] = show(failure.expected)
        details["got"] = show(like_expected(failure.got, failure.expected))
        failure.mistake = failure.name_mistake()
    if failure.mistake is not None:
        details["diagnosis"] = f"{failure.mistake.kind} '{failure.mistake.name}': this implementation " \
                               f"{conventions.mistake_says(failure.mistake)}"
        details["mistake"] = failure.mistake.id
    return details
