"""The one vocabulary of a check's outcome, used by the runner and every report."""
from dlgrade.sandbox import ErrorKind
from dlgrade.sandbox.protocol import StrEnum


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"                    # a wrong answer, a hang or a crash on some input
    INCOMPLETE = "incomplete"            # too slow: fewer than the profile's minimum of examples ran in time
    NOT_IMPLEMENTED = "not_implemented"  # the function is a stub
    MISSING = "missing"                  # the submission has no such function
    ERROR = "error"                      # the grader itself failed (a bug to report)
    POLICY = "policy"                    # it used what the course's library policy forbids (scored 0)

    @property
    def absent(self):
        """Nothing was there to grade (scored 0, reported apart from wrong answers)."""
        return self in (Status.NOT_IMPLEMENTED, Status.MISSING)

    @property
    def counts_as_failure(self):
        return self in (Status.FAILED, Status.INCOMPLETE, Status.ERROR, Status.POLICY)

    @classmethod
    def of_sandbox_error(cls, kind):
        """A check ended by a SandboxError of `kind`: absent when the function is, refused by the library
        policy, else failed."""
        return {ErrorKind.NOT_IMPLEMENTED: cls.NOT_IMPLEMENTED, ErrorKind.MISSING: cls.MISSING,
                ErrorKind.POLICY: cls.POLICY}.get(kind, cls.FAILED)
