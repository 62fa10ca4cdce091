"""Running untrusted submissions: a worker process in an OS sandbox, a plain-data wire format, a loader.

Knows how to import and call a submission safely; knows nothing of formulas or grading.
"""
if __name__ != "dlgrade.sandbox":  # one import path per module: a second name would load it twice
    raise ImportError(f"import dlgrade.sandbox, not {__name__}: this folder is the subpackage dlgrade.sandbox")
from .client import Handle, Reply, RngSeed, Sandbox, SandboxError, check_account, prove_sandbox, pwd_entry
from .isolation import IsolationUnavailable, bubblewrap
from .protocol import ErrorKind
from .submission import Submission, SubmissionError, resolve

__all__ = ["ErrorKind", "Handle", "IsolationUnavailable", "Reply", "RngSeed", "Sandbox", "SandboxError", "Submission",
           "SubmissionError", "bubblewrap", "check_account", "prove_sandbox", "pwd_entry", "resolve"]
