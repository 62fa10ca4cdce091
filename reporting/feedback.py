"""What every format says of a result and of a report: its symbol, its feedback lines, the report's provenance.

The formats (formats.py) and the HTML page (html.py) both read these; neither reads the other's private names.
"""
from dlgrade.checks.engine.status import Status

SYMBOL = {Status.PASSED: "✓", Status.FAILED: "✗", Status.INCOMPLETE: "…", Status.NOT_IMPLEMENTED: "·",
          Status.MISSING: "·", Status.ERROR: "!", Status.POLICY: "⊘", Status.ENVIRONMENT: "○", Status.DEPENDS: "◌"}
STATUS_WORDS = {Status.NOT_IMPLEMENTED: "not implemented", Status.MISSING: "missing", Status.ERROR: "grader error",
                Status.POLICY: "refused by the library policy",
                Status.ENVIRONMENT: "not scored: the grading environment lacks what it needs",
                Status.DEPENDS: "not counted"}


def status_words(result):
    """What a report calls a check's status: an 'environment' check whose points were kept in the maximum (a module
    the profile does not declare: the submission's to supply, runner._declared) was not earned, not unscored."""
    if result.status is Status.ENVIRONMENT and result.max_score > 0:
        return "not earned: it needs a module that is neither the submission's nor one the course declares"
    return STATUS_WORDS[result.status]


def lost(result):
    """Whether the check counts against the submission: a failure, or an 'environment' check whose points were kept."""
    return result.status.counts_as_failure or (result.status is Status.ENVIRONMENT and result.max_score > 0)


def label(result):
    """How a report names a check: its id and, beside it, its title."""
    return f"{result.id} — {result.title}" if result.title else result.id


def symbol(result):
    """✓ only for a check that held; ✗ for a failure, an optional check's too, and a check whose points were kept
    and not earned."""
    return SYMBOL[Status.FAILED] if result.status is Status.ENVIRONMENT and lost(result) else SYMBOL[result.status]


def feedback(result):
    """The feedback for one result, as plain lines: what differs, on which input, why, how to replay."""
    if result.status is Status.PASSED:
        return [result.summary] if result.summary else []
    lines = [result.summary]
    details = result.details
    if "input" in details:
        shown = details["input"]
        lines.append("input: " + (", ".join(f"{k} = {v}" for k, v in shown.items())
                                  if isinstance(shown, dict) else str(shown)))
    for key in ("expected", "got"):
        if key in details:
            lines.append(f"{key}: {details[key]}")
    if "diagnosis" in details:
        lines.append(f"diagnosis: {details['diagnosis']}")
    if any(words in result.summary for words in NUMPY2_ONLY):
        lines.append("note: only NumPy 2 raises this: int() or float() of an array with one element (NumPy 1 "
                     "allowed it with a warning); take the element with .item() or x[0]")
    if result.status is Status.FAILED:
        lines.append(f"replay: {result.replay}")
    return lines


NUMPY2_ONLY = ("only 0-dimensional arrays can be converted", "only length-1 arrays can be converted")


def provenance(report):
    """What was graded and how: the submission's hash, the isolation the worker had, the search's seed, and
    the Python and NumPy the submission ran under."""
    ran_under = ", ".join(f"{name} {report.environment[key]}" for key, name in (("python", "Python"),
                                                                               ("numpy", "NumPy"))
                          if key in report.environment)
    lines = [f"{label}: {value}" for label, value in (("sha256", report.sha256), ("isolation", report.isolation),
                                                      ("search", report.search), ("ran under", ran_under),
                                                      ("library policy", report.policy),
                                                      ("course conventions", getattr(report, "course", ""))) if value]
    return lines + [f"GRADING ENVIRONMENT: {line}" for line in getattr(report, "environment_problems", [])]
