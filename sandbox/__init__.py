"""Running untrusted submissions: a worker process, a plain-data wire format, a loader.

Knows how to import and call a submission safely; knows nothing of formulas or grading.
"""
from .client import Handle, Reply, RngSeed, Sandbox, SandboxError, check_account
from .protocol import ErrorKind
from .submission import Submission, SubmissionError, resolve

__all__ = ["ErrorKind", "Handle", "Reply", "RngSeed", "Sandbox", "SandboxError", "Submission", "SubmissionError",
           "check_account", "resolve"]
