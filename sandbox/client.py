"""The grader's side of the sandbox: one persistent worker process per submission.

    with Sandbox(submission, call_timeout=5.0, import_timeout=20.0) as box:
        reply = box.call("optim", "sgd", (w, dw, {"learning_rate": 0.1}))
        reply.value  # plain data only (see protocol.py)

Every failure of the submission comes back as a SandboxError whose `kind` says what
happened. A call that hangs is killed after its timeout and the worker restarted; from then
on that function fails at once ("dead"), so one hang costs one timeout, not one per check.
A worker that dies is restarted on the next call; a function that kills it twice is dead.
"""
import os
import pwd
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import protocol
from .protocol import Callback, ErrorKind, Handle, RngSeed

WORKER = Path(__file__).with_name("worker.py")
BLOCKED_IMPORTS = ("dlgrade",)
CRASHES_BEFORE_DEAD = 2

__all__ = ["Sandbox", "SandboxError", "Reply", "Handle", "RngSeed"]


class SandboxError(Exception):
    """What went wrong with a call into the submission; kind: an ErrorKind."""

    def __init__(self, kind, message, where=""):
        super().__init__(message)
        self.kind, self.message, self.where = ErrorKind(kind), message, where

    def __str__(self):
        return f"{self.message} (at {self.where})" if self.where else self.message


@dataclass
class Reply:
    value: object
    args_after: list | None = None


class Sandbox:
    def __init__(self, submission, *, call_timeout, import_timeout,
                 memory_bytes=4 * 2**30, blocked=BLOCKED_IMPORTS, user=None):
        """Timeouts in seconds (a grading profile's settings); user: run the worker as this (unprivileged)
        account, the grader running as root."""
        self.submission = submission
        self.call_timeout, self.import_timeout = call_timeout, import_timeout
        self.memory_bytes, self.blocked = memory_bytes, tuple(blocked)
        self._process = None
        self._loaded = {}        # module -> function names, in the running worker
        self._broken = {}        # module -> SandboxError (import failed; not retried)
        self._dead = {}          # (module, function) -> SandboxError
        self._crashes = {}
        self._workdir = tempfile.TemporaryDirectory(prefix="dlgrade-worker-")
        self._worker, self._account = WORKER, {}
        if user is not None:
            self._run_as(user)
        self.calls = 0
        self.restarts = 0

    def _run_as(self, user):
        """The worker runs as `user` from its scratch folder, with its own copy of its two files, so
        the grader's folder can be closed to it (chmod -R go-rwx)."""
        account = check_account(user, [self.submission.root] if self.submission.layout == "package" else [])
        scratch = Path(self._workdir.name)
        for name in ("worker.py", "protocol.py"):
            shutil.copy(WORKER.with_name(name), scratch / name)
        for path in (scratch, *scratch.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
        self._worker = scratch / "worker.py"
        self._account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    # --- lifecycle ----------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._stop()
        self._workdir.cleanup()

    def _start(self):
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   DLGRADE_WORKER_MEMORY_BYTES=str(self.memory_bytes), DLGRADE_WORKER_CWD=self._workdir.name,
                   HOME=self._workdir.name)
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(self._worker)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, start_new_session=True, cwd=self._workdir.name, **self._account)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        self._loaded = {}
        self._exchange(dict(self.submission.worker_init(), op="init", blocked=list(self.blocked)),
                       self.import_timeout, {})

    def _stop(self):
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            stream.close()
        self._selector.close()
        self._process = None

    def _exit_description(self):
        try:
            code = self._process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            return "the worker stopped answering"
        if code < 0:
            return f"the process was killed by {signal.Signals(-code).name}"
        return f"the process exited with status {code}"

    # --- exchanging messages ----------------------------------------------------------------
    def _read_until(self, deadline):
        fd = self._process.stdout.fileno()

        def read(n):
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                raise TimeoutError
            return os.read(fd, min(n, 1 << 20))
        return read

    def _exchange(self, request, timeout, callbacks):
        """Send one request and answer the worker's callbacks until its reply comes."""
        deadline = time.monotonic() + timeout
        try:
            self._process.stdin.write(protocol.encode(request))
            self._process.stdin.flush()
            while True:
                reply = protocol.read_message(self._read_until(deadline))
                if type(reply) is not dict:
                    raise protocol.ProtocolError("malformed reply")
                if "callback" not in reply:
                    return reply
                self._answer_callback(reply, callbacks)
        except TimeoutError:
            self.restarts += 1
            self._stop()
            raise SandboxError(ErrorKind.TIMEOUT, f"did not finish within {timeout:g} s") from None
        except (EOFError, BrokenPipeError, protocol.ProtocolError) as exc:
            what = self._exit_description() if isinstance(exc, (EOFError, BrokenPipeError)) else str(exc)
            self.restarts += 1
            self._stop()
            raise SandboxError(ErrorKind.CRASH, f"the submission's process failed: {what}") from None

    def _answer_callback(self, message, callbacks):
        function = callbacks.get(message.get("callback"))
        try:
            value = function(*message.get("args", []))
            data = protocol.encode({"value": value})
        except Exception as exc:  # the grader's function refused the student's argument
            data = protocol.encode({"error": f"{type(exc).__name__}: {exc}"})
        self._process.stdin.write(data)
        self._process.stdin.flush()

    # --- the API ------------------------------------------------------------------------------
    def functions(self, module):
        """Names of the callables in a submission module; raises SandboxError if it cannot load."""
        if module in self._broken:
            raise self._broken[module]
        if self._process is None:
            self._start()
        if module not in self._loaded:
            try:
                reply = self._exchange({"op": "load", "module": module}, self.import_timeout, {})
            except SandboxError as exc:
                self._broken[module] = SandboxError(
                    ErrorKind.IMPORT_ERROR, f"importing {module} failed: {exc.message}")
                raise self._broken[module] from None
            if "value" not in reply:
                prefix = "" if ErrorKind.MISSING.value in reply else f"importing {module} failed: "
                self._broken[module] = _error_from(reply, ErrorKind.IMPORT_ERROR, prefix)
                raise self._broken[module]
            self._loaded[module] = reply["value"]
        return self._loaded[module]["functions"]

    def warnings(self, module):
        """Cells of a notebook that raised when run (the others still count)."""
        return self._loaded.get(module, {}).get("warnings", [])

    def call(self, module, function, args=(), kwargs=None, *, keep=(), return_args=False, timeout=None):
        """Call module.function(*args, **kwargs) in the worker.

        Python callables among the args run here, in the grader, when the student calls them.
        keep: positions of the returned tuple to leave in the worker as Handles ([-1]: all of it).
        return_args: also send back the arguments as they are after the call (in-place edits).
        """
        key = (module, function)
        if key in self._dead:
            raise self._dead[key]
        self.functions(module)
        callbacks = {}
        request = {"op": "call", "module": module, "function": function,
                   "args": [_mark_callables(a, callbacks) for a in args],
                   "kwargs": {k: _mark_callables(v, callbacks) for k, v in (kwargs or {}).items()},
                   "keep": list(keep), "return_args": return_args}
        self.calls += 1
        try:
            reply = self._exchange(request, timeout or self.call_timeout, callbacks)
        except SandboxError as exc:
            self._crashes[key] = self._crashes.get(key, 0) + 1
            if exc.kind is ErrorKind.TIMEOUT or self._crashes[key] >= CRASHES_BEFORE_DEAD:
                self._dead[key] = SandboxError(exc.kind, f"{exc.message}; not called again")
            raise
        if "value" in reply:
            return Reply(reply["value"], reply.get("args_after"))
        error = _error_from(reply, ErrorKind.EXCEPTION, "")
        if error.kind in (ErrorKind.MISSING, ErrorKind.NOT_IMPLEMENTED):
            self._dead[key] = error  # deterministic: no need to ask again
        raise error

    def drop_handles(self):
        if self._process is not None:
            try:
                self._exchange({"op": "drop_handles"}, self.call_timeout, {})
            except SandboxError:
                pass


def check_account(user, readable=()):
    """The passwd entry of `user` if a worker can run as it and read `readable`; PermissionError saying why not."""
    if os.geteuid() != 0:
        raise PermissionError("running the worker as another user needs the grader to run as root")
    try:
        account = pwd.getpwnam(user) if isinstance(user, str) else pwd.getpwuid(user)
    except KeyError:
        raise PermissionError(f"no account {user!r}") from None
    try:
        probe = subprocess.run([sys.executable, "-I", "-c", "import numpy"], user=account.pw_uid,
                               group=account.pw_gid, extra_groups=[], cwd="/", capture_output=True, timeout=60)
        failed = probe.returncode != 0
    except OSError:
        failed = True
    if failed:
        raise PermissionError(f"account {account.pw_name!r} cannot run {sys.executable} with NumPy: make the "
                              f"interpreter and its site-packages readable by it")
    for path in readable:
        probe = subprocess.run([sys.executable, "-I", "-c", "import os, sys; os.listdir(sys.argv[1])", str(path)],
                               user=account.pw_uid, group=account.pw_gid, extra_groups=[], cwd="/",
                               capture_output=True, timeout=60)
        if probe.returncode != 0:
            raise PermissionError(f"account {account.pw_name!r} cannot read the submission at {path}")
    return account


def _mark_callables(value, callbacks):
    if callable(value):
        callbacks[len(callbacks)] = value
        return Callback(len(callbacks) - 1)
    if type(value) in (list, tuple):
        return type(value)(_mark_callables(v, callbacks) for v in value)
    if type(value) is dict:
        return {k: _mark_callables(v, callbacks) for k, v in value.items()}
    return value


def _error_from(reply, default_kind, prefix):
    for kind in (ErrorKind.NOT_IMPLEMENTED, ErrorKind.MISSING, ErrorKind.BAD_RETURN):
        if kind.value not in reply:
            continue
        if kind is ErrorKind.NOT_IMPLEMENTED:
            detail = f": {reply[kind.value]}" if reply[kind.value] else ""
            return SandboxError(kind, f"raises NotImplementedError{detail}")
        return SandboxError(kind, prefix + str(reply[kind.value]))
    error = reply.get("error") if type(reply.get("error")) is dict else {}
    return SandboxError(default_kind, f"{prefix}{error.get('type', 'Error')}: {error.get('message', '')}",
                        str(error.get("where", "")))
