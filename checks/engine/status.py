"""The one vocabulary of a check's outcome, used by the runner and every report; it imports nothing of dlgrade's,
so a report reads it without loading the sandbox."""
import enum


class Status(str, enum.Enum):
    """A check's outcome; it reads as its word: str(), f-strings and JSON give the value."""

    PASSED = "passed"
    FAILED = "failed"                    # a wrong answer, a hang or a crash on some input
    INCOMPLETE = "incomplete"            # too slow: fewer than the profile's minimum of examples ran in time
    NOT_IMPLEMENTED = "not_implemented"  # the function is a stub
    MISSING = "missing"                  # the submission has no such function
    ERROR = "error"                      # the grader itself failed (a bug to report)
    POLICY = "policy"                    # it used what the course's library policy forbids (scored 0)
    ENVIRONMENT = "environment"          # the grading environment lacks a package it needs: not counted at all
    DEPENDS = "depends"                  # failed where a function it relies on fails its own checks: not counted

    @property
    def absent(self):
        """Nothing was there to grade (scored 0, reported apart from wrong answers)."""
        return self in (Status.NOT_IMPLEMENTED, Status.MISSING)

    @property
    def counts_as_failure(self):
        return self in (Status.FAILED, Status.INCOMPLETE, Status.ERROR, Status.POLICY)

    def __str__(self):
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)
