"""dlgrade: grade a deep-learning assignment submission against the oracle.

    python grader.py PATH [--results results.json] [--only optim.adam] [--format text|md|json|junit|html]
    python grader.py batch SUBMISSIONS --out DIR [--jobs N] [--regrade] [--dask ADDRESS]   (a whole class)
    python grader.py export-public --out DIR [--profile P]   (the students' self-check, no oracle: dlgrade/public.py)
    python grader.py gradescope --profile course.toml --out autograder.zip          (the Gradescope autograder)

PATH is a folder of modules (optim.py, layers.py, …), one .py, a .ipynb or a .zip.
Exit status: 0 when grading completed and the report was written (whatever the score), 2 on a usage
error (a bad path, or no OS sandbox here without --trust-submission); with --fail-under P, 1 when the
score is below P percent of the maximum (with --target, of the functions the library provides); 3 when
the grader itself failed (with a message, no traceback).
With --results FILE no run loses its result: a submission that cannot be read (no modules, a notebook
that is not JSON, a zip over the limits) or that the grader failed on gets FILE with score 0 and the
reason, and exit 0 (a result was written); a usage error of the grader's own (a bad flag, no sandbox)
writes FILE with the reason too, and still exits 2.
"""
import argparse
import contextlib
import io
import json
import sys

from dlgrade import catalog
from dlgrade.checks.engine import runner
from dlgrade.grading import (
    UsageError,
    add_library_sources,
    attach_trajectories,
    build_profile,
    check_isolation,
    check_worker_user,
    find_target,
    grade_submission,
    hidden_paths,
    library_sources,
    parse_args,
    stopped_by_signal,
    unknown_selector_error,
    write_atomically,
)
from dlgrade.reporting import conformance, gradescope, gradescope_not_graded, render
from dlgrade.sandbox import SubmissionError, resolve


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["batch"]:  # grader.py batch SUBMISSIONS --out DIR: a whole class (dlgrade/batch.py)
        from dlgrade import batch
        return batch.main(argv[1:])
    if argv[:1] == ["export-public"]:  # the students' public self-check bundle (dlgrade/public.py)
        from dlgrade import public
        return public.main(argv[1:])
    if argv[:1] == ["gradescope"]:  # grader.py gradescope --profile P --out Z: the autograder zip (autograder.py)
        from dlgrade import autograder
        return autograder.main(argv[1:])
    args, refused = _parse(argv)
    if refused:
        _write_not_graded(_results_option(argv), f"the autograder is set up wrong, not your submission: {refused}")
        return 2
    try:
        profile = build_profile(args)
        selectors = args.only + ([args.explain] if args.explain else [])
        unknown = unknown_selector_error(selectors)
        if unknown:
            raise unknown
        for old, now in runner.renamed_selectors(selectors):
            print(f"grader.py: note: {old!r} is the old id of check {now}; use {now}", file=sys.stderr)
        if args.list or args.explain:
            print("\n".join(catalog.explain(profile, [args.explain]) if args.explain
                            else catalog.list_checks(profile, args.only)))
            return 0
        if bool(args.path) == bool(args.target):
            raise UsageError("give the submission's PATH (a folder, a .py, a .ipynb or a .zip) or --target NAME")
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        target = find_target(args.target, profile) if args.target else None
        submission = resolve(target.path) if target else resolve(args.path, package=profile.package)
        if target:
            add_library_sources(submission, library_sources(target), args.target)
        if args.replay_path and not target:  # the report names the student's copy, as its replay lines do
            submission.display = args.replay_path
        check_worker_user(args.worker_user, submission, args.trust_submission)
        check_isolation(args, argv)
    except SubmissionError as exc:
        print(f"grader.py: error: {exc}", file=sys.stderr)
        said = str(exc).replace(args.path, args.replay_path) if args.replay_path and args.path else str(exc)
        return 0 if _write_not_graded(args.results, f"this submission cannot be graded: {said}") else 2
    except UsageError as exc:
        print(f"grader.py: error: {exc}", file=sys.stderr)
        _write_not_graded(args.results, f"the autograder is set up wrong, not your submission: {exc}")
        return 2
    try:
        report = grade_submission(args, profile, submission, jobs=args.jobs)
        if args.format == "html":  # a failing optimizer's trajectory, plotted on the page
            attach_trajectories(report, submission, profile, user=args.worker_user, trusted=args.trust_submission,
                                hidden=hidden_paths(args))
        text = render(report, args.format, color=args.format == "text" and sys.stdout.isatty())
    except Exception as exc:  # a bug of the grader's: a sentence, never a traceback, and no report
        print(f"grader.py: internal error, no report written ({type(exc).__name__}: {exc}); please report it",
              file=sys.stderr)
        reason = (f"the grader failed on this submission ({type(exc).__name__}: {exc}); this is no verdict on your "
                  "code: tell your instructor, who can grade it again")
        return 0 if _write_not_graded(args.results, reason) else 3
    finally:
        submission.cleanup()
    print(text, end="")
    if target:
        written = conformance.write(report, target, args.matrix or f"conformance-{args.target}")
        print(f"conformance matrix: {written}", file=sys.stderr)
    if args.results:
        try:
            write_atomically(args.results, json.dumps(gradescope(report), indent=2))
        except OSError as exc:
            print(f"grader.py: error: cannot write {args.results}: {exc}", file=sys.stderr)
            return 2
    if args.fail_under is not None:
        return _below(report, args.fail_under, target)
    return 0


def _below(report, percent, target):
    """--fail-under's exit status: 1 when the score is below `percent` % of the maximum. For a --target library
    the score and maximum are those of the functions it provides; one that provides none of them fails."""
    score, max_score = report.score, report.max_score
    if target:
        score, max_score, absent = conformance.provided_score(report)
        provided = len({r.function for r in report.results}) - len(absent)
        print(f"--fail-under {percent:g}: {score:.4g} / {max_score:.4g} points over the {provided} functions the "
              f"library provides" + (f" ({len(absent)} not provided, not counted)" if absent else ""), file=sys.stderr)
        if not max_score:
            return 1
    if not max_score:  # every check left unscored (the environment's): no score, so not one above the bar
        print(f"--fail-under {percent:g}: nothing was scored (0 of 0 points)", file=sys.stderr)
        return 1
    return int(score < percent / 100 * max_score * (1 - 1e-9))  # a sum of float points may end 1 ulp short


def _parse(argv):
    """(options, None), or (None, argparse's refusal) when a flag is wrong: argparse printed it and would exit 2
    before --results could be written."""
    refusal = io.StringIO()
    try:
        with contextlib.redirect_stderr(refusal):
            return parse_args(argv), None
    except SystemExit as exc:
        print(refusal.getvalue(), end="", file=sys.stderr)
        if not exc.code:  # --help
            raise
        return None, (refusal.getvalue().strip().splitlines() or ["invalid options"])[-1]


def _results_option(argv):
    """--results FILE out of a command line that argparse refused as a whole (None if it is not there)."""
    finder = argparse.ArgumentParser(add_help=False)
    finder.add_argument("--results")
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return finder.parse_known_args(argv)[0].results
    except SystemExit:  # --results without its FILE
        return None


def _write_not_graded(results, reason):
    """Gradescope's results.json with score 0 and the reason, where --results asks for one; True once written."""
    if not results:
        return False
    try:
        write_atomically(results, json.dumps(gradescope_not_graded(reason), indent=2))
    except OSError as exc:
        print(f"grader.py: error: cannot write {results}: {exc}", file=sys.stderr)
        return False
    return True


def entry_point():
    """`python grader.py …` and the `dlgrade` console script: main() with a closed pipe (| head) as success.
    SIGTERM and SIGHUP end it with nothing left behind (stopped_by_signal)."""
    import signal
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, stopped_by_signal)
    try:
        return main()
    except BrokenPipeError:  # the reader went away
        return 0


if __name__ == "__main__":
    sys.exit(entry_point())
