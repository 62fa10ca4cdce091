"""A module that could not be imported, told apart from a wrong answer in a stored report.

A submission whose optim.py does not parse fails every optim check with the same summary, "importing optim
failed: SyntaxError: …" (sandbox/client.py says it so). The class report counts those apart from wrong answers
(a syntax error is no evidence about Adam's formula) and the gradebook's note says it once per module.
"""
import re

_IMPORT_FAILED = re.compile(r"importing (\S+) failed: (.*)", re.S)
_FROZEN_FRAME = re.compile(r" \(at <frozen [^()]*\)$")  # where importlib raised it: nothing the student wrote


def import_failure(check):
    """(module, reason) when the check (a report's JSON dict) failed because its module could not be imported."""
    match = _IMPORT_FAILED.match(check.get("summary") or "") if check.get("status") == "failed" else None
    return (match.group(1), _FROZEN_FRAME.sub("", match.group(2).strip())) if match else None


def import_failures(checks):
    """{module: reason} of the modules the report's checks could not import, in the report's order."""
    found = {}
    for check in checks:
        failure = import_failure(check)
        if failure:
            found.setdefault(*failure)
    return found
