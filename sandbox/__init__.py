"""Running untrusted submissions: a worker process in an OS sandbox, a plain-data wire format, a loader.

Knows how to import and call a submission safely; knows nothing of formulas or grading.
"""
if "." not in __name__:  # this folder imported by its bare name (not dlgrade.X) would load it twice
    raise ImportError(f"import dlgrade.sandbox, not {__name__}: this folder is the subpackage dlgrade.sandbox")
from .client import Handle, Reply, RngSeed, Sandbox, SandboxError, check_account, prove_sandbox, pwd_entry
from .isolation import IsolationUnavailable, bubblewrap
from .protocol import ErrorKind
from .submission import Submission, SubmissionError, resolve

__all__ = ["ErrorKind", "Handle", "IsolationUnavailable", "Reply", "RngSeed", "Sandbox", "SandboxError", "Submission",
           "SubmissionError", "bubblewrap", "check_account", "prove_sandbox", "pwd_entry", "resolve"]
