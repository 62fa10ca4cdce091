"""The grader's side of the sandbox: one persistent worker process per submission.

    with Sandbox(submission, call_timeout=5.0, import_timeout=20.0) as box:
        reply = box.call("optim", "sgd", (w, dw, {"learning_rate": 0.1}))
        reply.value  # plain data only (see protocol.py)

The worker runs inside the OS sandbox of isolation.py (bubblewrap) unless the Sandbox is made
with trusted=True (then it is only a separate process). Every failure of the submission comes
back as a SandboxError whose `kind` says what happened; nothing the worker sends or does raises
anything else here. A reply is bounded in size by what the call sent (REPLY_FACTOR times the
request, plus REPLY_BASE_* bytes) and in nesting by protocol.MAX_DEPTH, checked before it is
decoded; decoded, it costs the grader at most protocol.decoded_bound of those bytes (reply_bounds),
and decoding stops at the call's deadline. It must answer the request it follows (its id) with the
keys that request allows; the answers to a batch of calls name their calls (ids the grader chose),
in the order sent.
A call that hangs is killed after its timeout and the worker restarted; from then on that
function fails at once ("dead"), so one hang costs one timeout, not one per check. A worker
that dies is restarted on the next call; a function that kills it twice is dead.
A notebook (or a single file) is sent to the worker one cell at a time, each within the import timeout:
a cell that hangs or kills the worker is skipped and the worker restarted without it (_run_cells).
"""
import dataclasses
import importlib.util
import os
import pwd
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import cgroups, isolation, protocol
from .protocol import Callback, ErrorKind, Handle, RngSeed

WORKER = Path(__file__).with_name("worker.py")
BLOCKED_IMPORTS = ("dlgrade",)
CRASHES_BEFORE_DEAD = 2
HUNG_CELLS_BEFORE_STOP = 3       # notebook cells that hang or end the worker before the rest is not run
MAX_CELL_NOTES = 20              # notebook cells reported by name; the rest are counted
REPLY_BASE_HEADER = 4 * 2**20    # a reply's JSON may be this much larger than its request's …
REPLY_BASE_BUFFERS = 32 * 2**20  # … and its arrays this much larger,
REPLY_FACTOR = 16                # on top of this many times the request's size
MEMORY_POLL = 0.5                # seconds between looks at the worker's cgroup for a process its memory bound killed
STOP_WAIT = 5.0                  # seconds to wait for a killed worker's namespace to empty
START_TIMEOUT = 60.0             # seconds a worker may take to start (NumPy's import, before any submission code):
                                 # the grader's cost on a busy machine, not charged to the submission's timeouts
_EXITED = "exited"  # the selector's mark of the started process's pidfd
_ERROR_KEYS = (ErrorKind.NOT_IMPLEMENTED.value, ErrorKind.MISSING.value, ErrorKind.BAD_RETURN.value)
_POLICY_KEYS = {"package", "use", "where"}

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
    def __init__(self, submission, *, call_timeout, import_timeout, memory_bytes=None, blocked=BLOCKED_IMPORTS,
                 user=None, trusted=False, hidden=(), forbidden=(), memory_bound_bytes=None):
        """Timeouts in seconds (a grading profile's settings). user: the unprivileged account the worker
        runs as, the grader running as root (sandboxed: bwrap is started as it). trusted: no OS sandbox,
        only a separate process (--trust-submission). hidden: more host paths the worker must not see
        (profiles, output files). forbidden: import names of packages the submission may not use: hidden from
        the worker's view, a stand-in under each name (trusted: an import hook only); a use of one fails its
        call with ErrorKind.POLICY. memory_bytes, memory_bound_bytes: isolation.Limits' own, when given.
        Raises isolation.IsolationUnavailable when the sandbox cannot run here."""
        self.submission = submission
        self.call_timeout, self.import_timeout = call_timeout, import_timeout
        given = {"memory_bytes": memory_bytes, "memory_bound_bytes": memory_bound_bytes}
        limits = isolation.Limits(**{k: v for k, v in given.items() if v is not None})
        self._cgroups = cgroups.find_or_reason()[0]  # where each worker's cgroup is made (None: nowhere)
        self._cgroup = None
        self.memory_peak = None  # the most memory one worker held (bytes), where its cgroup counted it
        self.blocked, self.forbidden = tuple(blocked), tuple(sorted(set(forbidden)))
        self._process, self._pidfd, self._selector = None, None, None
        self._start_files = None  # isolation.Start of the running sandboxed worker
        self._loaded = {}        # module -> function names, in the running worker
        self._broken = {}        # module -> SandboxError (import failed; not retried)
        self._dead = {}          # (module, function) -> SandboxError
        self._skipped_cells = {}  # notebook cell -> why it is not run (it hung or ended the worker; kept across starts)
        self._raised_cells = {}   # notebook cell -> the failed reply of a cell that raised (in the running worker)
        self._cells_ran = None    # in the running worker, the cells run so far (None: not run yet)
        self._cells_failure = None  # no cell ran through: the first one's failed reply, or why it was skipped
        self._crashes = {}
        self._next_id = 0
        self.notes = []          # sentences for the report (a scratch folder that could not be removed)
        self.environment = {}    # what the submission runs under, as its worker says: {"python": …, "numpy": …}
        self.calls = 0
        self.restarts = 0
        self._workdir, self._worker, self._account, self._workspace = None, WORKER, {}, None
        if trusted:
            self.isolation, self._limits = None, limits
            self._workdir = tempfile.mkdtemp(prefix=f"dlgrade-worker-{os.getpid()}-")  # see submission.scratch_folder
            if user is not None:
                self._run_as(user)
        else:
            account = pwd_entry(user) if user is not None else None
            box = isolation.choose(account.pw_uid if account else None, account.pw_gid if account else None,
                                   tuple(map(str, hidden)))
            self.isolation = dataclasses.replace(box, limits=limits, forbidden=self.forbidden)
            self._limits = limits
            if not isinstance(box, isolation.Bubblewrap):  # the Landlock tier: folders of its own
                self._workspace = self.isolation.workspace(submission.root if submission.layout == "package" else None)

    @property
    def description(self):
        """Which isolation the worker has, in words (the report's header)."""
        if self.isolation is None:
            return "none (--trust-submission): a separate process of the grader's user" + \
                (f", run as uid {self._account['user']}" if self._account else "") + f"; {self.bounds}"
        return f"{self.isolation.describe()}; {self.bounds}"

    @property
    def bounds(self):
        """The memory, process and CPU bounds of a worker with all it starts, and what enforces them."""
        return cgroups.describe_bounds(self._limits.memory_bound_bytes, self._limits.processes)

    def _run_as(self, user):
        """Trusted mode: the worker runs as `user` from its scratch folder, with its own copy of its two
        files, so the grader's folder can be closed to it (chmod -R go-rwx)."""
        account = check_account(user, [self.submission.root] if self.submission.layout == "package" else [])
        scratch = Path(self._workdir)
        for name in isolation.WORKER_FILES:
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
        if self._workspace is not None:
            problem = self._workspace.close()
            if problem:
                self.notes.append(f"the worker's folder {self._workspace.base} could not be removed ({problem})")
            self._workspace = None
        if self._workdir is not None:
            problem = remove_folder(self._workdir)
            if problem:
                self.notes.append(f"the worker's scratch folder {self._workdir} could not be removed ({problem})")
            self._workdir = None

    def _start(self):
        self._loaded, self._cells_ran = {}, None
        env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "DLGRADE_WORKER_LIMITS": self._limits.environment(self.isolation is not None)}
        pipes = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
                     start_new_session=True)
        try:
            if self._cgroups is not None:  # joined by the child before it executes anything
                self._cgroup = self._cgroups.create(self._limits.memory_bound_bytes, self._limits.processes)
                pipes["preexec_fn"] = self._cgroup.join
            if self.isolation is None:
                env.update(DLGRADE_WORKER_CWD=self._workdir, HOME=self._workdir,
                           PATH=os.environ.get("PATH", "/usr/bin:/bin"))
                self._process = subprocess.Popen([sys.executable, "-I", "-B", str(self._worker)], env=env,
                                                 cwd=self._workdir, **pipes, **self._account)
            else:
                self._start_sandboxed(env, pipes)
        except (OSError, cgroups.Unavailable, subprocess.SubprocessError) as exc:
            if self._process is not None:
                self._process.kill()
                self._process.wait()
                self._process = None
            if self._start_files is not None:
                self._start_files.close()
                self._start_files = None
            self._remove_cgroup()
            why = getattr(exc, "strerror", "") or exc
            raise SandboxError(ErrorKind.CRASH, f"the worker could not be started ({why})") from None
        if self._cgroup is not None:
            self._cgroup.started()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        try:  # the process the grader started ending is news too: its children may still hold the pipe open
            self._selector.register(os.pidfd_open(self._process.pid), selectors.EVENT_READ, _EXITED)
        except OSError:  # already gone (its reply, if any, is in the pipe), or a kernel without pidfds
            pass
        init = dict(self.submission.worker_init(), op="init", blocked=list(self.blocked))
        if self.forbidden:
            init.update(forbidden=list(self.forbidden), standin_hook=self.isolation is None)
        if self._workspace is not None and init["layout"] == "package":
            init["root"] = self._workspace.translate(init["root"])
        elif self.isolation is not None and init["layout"] == "package":
            init["root"] = isolation.INSIDE_SUBMISSION
        reply = self._exchange(init, START_TIMEOUT, {})
        if "value" not in reply:
            self.restarts += 1
            self._stop()
            raise _error_from(reply, ErrorKind.CRASH, "the worker did not start: ")
        self.environment = reply["value"] or {}

    def _start_sandboxed(self, env, pipes):
        if self._workspace is not None:
            self._process = self._workspace.start(env, pipes)
            self._pidfd = os.pidfd_open(self._process.pid)  # the worker itself: the launcher executes it
            return
        self._start_files = start = isolation.Start(self.isolation)
        try:
            root = self.submission.root if self.submission.layout == "package" else None
            argv = self.isolation.command(start, uid=isolation.FIRST_UID + self.restarts % 60000,
                                          submission_root=root, environment=env)
            self._process = subprocess.Popen(argv, env={}, pass_fds=start.fds, **pipes,
                                             **self.isolation.popen_account())
        finally:
            start.close_child_ends()
        started = isolation.info(start.info_read, START_TIMEOUT)
        if "child-pid" in started:
            try:
                self._pidfd = os.pidfd_open(int(started["child-pid"]))
            except (OSError, AttributeError):  # already gone, or a kernel without pidfds
                self._pidfd = None

    def _stop(self):
        if self._process is None:
            return
        if self._pidfd is not None:  # the namespace's first process: when it is gone, all of them are
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except OSError:
                pass
            with selectors.DefaultSelector() as gone:  # a pidfd is readable once its process has ended
                gone.register(self._pidfd, selectors.EVENT_READ)
                gone.select(STOP_WAIT)
            os.close(self._pidfd)
            self._pidfd = None
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._process.wait()
        if self._start_files is not None:
            self._start_files.close()
            self._start_files = None
        if self._workspace is not None:  # no PID namespace: the killed group must be gone before the next worker
            self._workspace.wait_for_group(self._process.pid, STOP_WAIT)
        for stream in (self._process.stdin, self._process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        for key in list(self._selector.get_map().values()):
            if key.data is _EXITED:
                os.close(key.fd)
        self._selector.close()
        self._process = None
        self._remove_cgroup()

    def _remove_cgroup(self):
        """Whatever is left in the worker's cgroup is killed and the cgroup removed; its peak kept."""
        if self._cgroup is None:
            return
        problem = self._cgroup.remove()
        if problem:
            self.notes.append(f"the worker's {problem}")
        if self._cgroup.peak_bytes is not None:
            self.memory_peak = max(self.memory_peak or 0, self._cgroup.peak_bytes)
        self._cgroup = None

    def _exit_description(self):
        try:
            code = self._process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            code = None
        if self._cgroup is not None and self._cgroup.out_of_memory():
            bound = self._limits.memory_bound_bytes >> 20
            return f"the worker was killed: it held more than {bound} MiB, its memory bound"
        return isolation.describe_exit(code, sandboxed=isinstance(self.isolation, isolation.Bubblewrap))

    # --- exchanging messages ----------------------------------------------------------------
    def _reader(self, deadline):
        fd = self._process.stdout.fileno()

        def read(n):
            while True:
                wait = deadline.remaining() if self._cgroup is None else min(deadline.remaining(), MEMORY_POLL)
                ready = {key.data for key, _ in self._selector.select(wait)}
                if None in ready:  # the pipe: data, or its end
                    return os.read(fd, min(n, protocol.READ_CHUNK))
                if _EXITED in ready or (self._cgroup is not None and self._cgroup.out_of_memory()):
                    raise EOFError  # it ended, or lost a process to its memory bound, with nothing more to say
        return read

    def _write(self, data, deadline):
        """Write all of data before the deadline (a worker that stops reading cannot block the grader)."""
        fd = self._process.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(data)
        with selectors.DefaultSelector() as writable:
            writable.register(fd, selectors.EVENT_WRITE)
            while view:
                if not writable.select(deadline.remaining()):
                    continue
                try:
                    view = view[os.write(fd, view[:1 << 20]):]
                except BlockingIOError:
                    continue

    def _exchange(self, request, timeout, callbacks):
        """Send one request and answer the worker's callbacks until its reply comes."""
        deadline = cgroups.CallDeadline(timeout, self._cgroup)  # hung: by the worker's own CPU time where counted
        self._next_id += 1
        request = dict(request, id=self._next_id)
        try:
            data = protocol.encode(request)
            bounds = reply_bounds(data)
            self._write(data, deadline)
            while True:
                reply = protocol.read_message(self._reader(deadline), *bounds, deadline.wall_end)
                deadline.remaining()  # raises TimeoutError when it came too late
                _check_reply(reply, request)
                self._check_scratch()
                if "callback" not in reply:
                    return reply
                self._answer_callback(reply, callbacks, deadline)
        except TimeoutError:
            self.restarts += 1
            self._stop()
            raise SandboxError(ErrorKind.TIMEOUT, deadline.describe()) from None
        except (EOFError, OSError, protocol.ProtocolError) as exc:
            what = str(exc) if isinstance(exc, protocol.ProtocolError) else self._exit_description()
            self.restarts += 1
            self._stop()
            raise SandboxError(ErrorKind.CRASH, f"the submission's process failed: {what}") from None

    def _check_scratch(self):
        """The Landlock tier's scratch folder is a folder of the host, not a bounded tmpfs: measured after each
        message, a worker past Limits.scratch_bytes is stopped as one that broke the protocol."""
        if self._workspace is not None and self._workspace.scratch_used(self._limits.scratch_bytes) > \
                self._limits.scratch_bytes:
            raise protocol.ProtocolError(f"it wrote more than {self._limits.scratch_bytes >> 20} MiB in its "
                                         f"scratch folder")

    def _answer_callback(self, message, callbacks, deadline):
        function = callbacks.get(message["callback"])
        if function is None:
            raise protocol.ProtocolError("it asked for a callback this call did not offer")
        try:
            value = function(*message["args"])
            data = protocol.encode({"value": value, "id": message["id"]})
        except Exception as exc:  # the grader's function refused the student's argument
            data = protocol.encode({"error": f"{type(exc).__name__}: {exc}", "id": message["id"]})
        self._write(data, deadline)

    # --- the API ------------------------------------------------------------------------------
    def functions(self, module):
        """Names of the callables in a submission module; raises SandboxError if it cannot load."""
        if module in self._broken:
            raise self._broken[module]
        if self._process is None:
            self._start()
        if module not in self._loaded:
            try:
                if self.submission.layout == "cells" and self._cells_ran is None:
                    self._run_cells()
                if isinstance(self._cells_failure, str):  # its first cell hung or ended the worker
                    raise SandboxError(ErrorKind.IMPORT_ERROR, self._cells_failure)
                reply = self._cells_failure or self._exchange({"op": "load", "module": module}, self.import_timeout,
                                                              {})
            except SandboxError as exc:
                self._broken[module] = SandboxError(
                    ErrorKind.IMPORT_ERROR, f"importing {module} failed: {exc.message}")
                raise self._broken[module] from None
            if "value" not in reply:
                prefix = "" if ErrorKind.MISSING.value in reply else f"importing {module} failed: "
                self._broken[module] = _error_from(reply, ErrorKind.IMPORT_ERROR, prefix, self.forbidden,
                                                   f"importing {module}", self.submission)
                raise self._broken[module]
            self._loaded[module] = reply["value"]
        return self._loaded[module]["functions"]

    def _run_cells(self):
        """Run the notebook's (or file's) cells one at a time, each within the import timeout. A cell that raises
        is noted and the next one runs; a cell that hangs or ends the worker is skipped from then on: the worker
        is restarted and runs the cells again without it, so the functions defined before and after it are
        graded. After HUNG_CELLS_BEFORE_STOP such cells the rest is not run (each costs a timeout). When no cell
        ran through, the submission did not load: _cells_failure is the first cell's failure, for every module."""
        cells, index = self.submission.cells, 0
        self._raised_cells, self._cells_ran, self._cells_failure = {}, [], None
        while index < len(cells):
            if index in self._skipped_cells or not cells[index].strip():
                index += 1
                continue
            if len(self._skipped_cells) >= HUNG_CELLS_BEFORE_STOP and index > max(self._skipped_cells):
                self._skipped_cells[index] = f"not run: {HUNG_CELLS_BEFORE_STOP} cells before it hung or ended " \
                                             f"the worker"
                index += 1
                continue
            try:
                reply = self._exchange({"op": "cell", "index": index}, self.import_timeout, {})
            except SandboxError as exc:  # the worker was stopped: start again without this cell
                self._skipped_cells[index] = exc.message
                self._start()
                self._raised_cells, self._cells_ran, index = {}, [], 0
                continue
            if "value" in reply:
                self._cells_ran.append(index)
            else:
                self._raised_cells[index] = reply
            index += 1
        failed = sorted([*self._skipped_cells, *self._raised_cells])
        if failed and not self._cells_ran:
            first = failed[0]
            self._cells_failure = self._raised_cells.get(first) or self._skipped_cells[first]

    @property
    def skipped_cells(self):
        """The notebook's cells that did not run (they hung or ended the worker), by name."""
        return [f"{self.submission.filename}[cell {index}]" for index in sorted(self._skipped_cells)]

    def warnings(self, module):
        """The cells of a notebook that raised (the others still count) or were skipped, by name and first line."""
        if self.submission.layout != "cells" or len(self.submission.cells) < 2:
            return []
        notes = []
        for index in sorted([*self._skipped_cells, *self._raised_cells]):
            first_line = next((line.strip() for line in self.submission.cells[index].splitlines() if line.strip()),
                              "")[:60]
            name = f"{self.submission.filename}[cell {index}] ({first_line!r})"
            if index in self._skipped_cells:
                notes.append(f"{name} was skipped: {self._skipped_cells[index]}; the cells before and after it ran")
            else:
                error = _error_from(self._raised_cells[index], ErrorKind.EXCEPTION, "", self.forbidden, name)
                notes.append(f"{name} raised {error}")
        if len(notes) > MAX_CELL_NOTES:
            notes[MAX_CELL_NOTES:] = [f"and {len(notes) - MAX_CELL_NOTES} more cells raised or were skipped"]
        return notes

    def call(self, module, function, args=(), kwargs=None, *, keep=(), return_args=False, timeout=None, target=None,
             assign=None):
        """Call module.function(*args, **kwargs) in the worker.

        Python callables among the args run here, in the grader, when the student calls them.
        keep: positions of the returned tuple to leave in the worker as Handles ([-1]: all of it).
        return_args: also send back the arguments as they are after the call (in-place edits).
        target: a Handle (an object kept, such as an instance of module's class): function is then
        "Class.method", and the method of that object is called, after assign ({attribute: {key: value}})
        set those entries of its dict attributes (a network's params).
        """
        key = (module, function)
        if key in self._dead:
            raise self._dead[key]
        self.functions(module)
        callbacks = {}
        request = {"op": "call", "module": module, "function": function,
                   "args": [_mark_callables(a, callbacks) for a in args],
                   "kwargs": {k: _mark_callables(v, callbacks) for k, v in (kwargs or {}).items()},
                   "keep": list(keep), "return_args": return_args, **_on_target(target, assign)}
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
        error = _error_from(reply, ErrorKind.EXCEPTION, "", self.forbidden, f"{module}.{function}", self.submission)
        if error.kind in (ErrorKind.MISSING, ErrorKind.NOT_IMPLEMENTED):
            self._dead[key] = error  # deterministic: no need to ask again
        raise error

    def call_batch(self, module, function, calls, *, timeout=None, target=None, assigns=None):
        """module.function on each (args, kwargs) of calls, in one round trip: a list of a Reply per call and,
        when one fails, its SandboxError in its place (the calls after it are not made). The batch may take
        the calls' timeouts together. No callables among the arguments (each callback is a round trip).

        Each call carries an id chosen here, and its answer must carry it back, in the order sent: the
        list of calls is the grader's, not the worker's, whose code the submission can change. A reply
        that ends before every call was answered, with no failure to end it, leaves the rest failed
        ("the worker answered 1 of 6 calls"), never dropped; an extra, repeated or reordered answer
        fails the whole batch (a malformed reply). target, and assigns (one assign per call): as call's."""
        key = (module, function)
        if key in self._dead:
            raise self._dead[key]
        self.functions(module)
        if not calls:
            return []
        callbacks = {}
        ids = [self._next_id + 1 + k for k in range(len(calls))]
        self._next_id += len(calls)
        request = {"op": "call_batch", "calls": [
            {"call": call_id, "module": module, "function": function,
             "args": [_mark_callables(a, callbacks) for a in args],
             "kwargs": {k: _mark_callables(v, callbacks) for k, v in kwargs.items()}, "keep": [], "return_args": False,
             **_on_target(target, assign)}
            for call_id, (args, kwargs), assign in zip(ids, calls, assigns or [None] * len(calls))]}
        if callbacks:
            raise ValueError("call_batch sends plain data only; call a function that takes a callable with call")
        self.calls += len(calls)
        try:
            reply = self._exchange(request, (timeout or self.call_timeout) * len(calls), {})
        except SandboxError as exc:
            self._crashes[key] = self._crashes.get(key, 0) + 1
            if exc.kind is ErrorKind.TIMEOUT or self._crashes[key] >= CRASHES_BEFORE_DEAD:
                self._dead[key] = SandboxError(exc.kind, f"{exc.message}; not called again")
            raise
        if "value" not in reply:
            raise _error_from(reply, ErrorKind.EXCEPTION, "", self.forbidden, f"{module}.{function}", self.submission)
        results = []
        for answer in reply["value"]:
            if "value" in answer:
                results.append(Reply(answer["value"]))
                continue
            error = _error_from(answer, ErrorKind.EXCEPTION, "", self.forbidden, f"{module}.{function}",
                                self.submission)
            if error.kind in (ErrorKind.MISSING, ErrorKind.NOT_IMPLEMENTED):
                self._dead[key] = error
            results.append(error)
        if not isinstance(results[-1], SandboxError):  # no failure ended the batch: every call has its answer
            unanswered = SandboxError(ErrorKind.CRASH, f"the worker answered {len(results)} of {len(calls)} "
                                                       f"calls of one batch; this one got no answer")
            results += [unanswered] * (len(calls) - len(results))
        return results

    def drop_handles(self):
        if self._process is not None:
            try:
                self._exchange({"op": "drop_handles"}, self.call_timeout, {})
            except SandboxError:
                pass


def reply_bounds(request):
    """(header bytes, array bytes) a reply to the encoded request may have; protocol.decoded_bound of them is
    the most memory its decoding takes in the grader."""
    header, total = protocol.sizes(request)
    return REPLY_BASE_HEADER + REPLY_FACTOR * header, REPLY_BASE_BUFFERS + REPLY_FACTOR * total


def _check_reply(reply, request):
    """Refuse (ProtocolError) a message that is not an answer the request allows, or not to this request."""
    if type(reply) is not dict or reply.get("id") != request["id"]:
        raise protocol.ProtocolError("it sent a message that answers no request of the grader")
    keys = set(reply) - {"id"}
    op = request["op"]
    if op == "call_batch" and keys == {"value"}:
        _check_batch(reply["value"], request)
        return
    if "callback" in keys and op != "call":
        raise protocol.ProtocolError(f"it asked for a callback during {op}, outside any call")
    if op == "call" and keys == {"callback", "args"}:
        if type(reply["callback"]) is not int or type(reply["args"]) is not list:
            raise protocol.ProtocolError("it sent a malformed callback")
        return
    answers = [k for k in ("value", "error", ErrorKind.POLICY.value, *_ERROR_KEYS) if k in keys]
    extra = keys - {"value", "error", ErrorKind.POLICY.value, *_ERROR_KEYS, "args_after"}
    if len(answers) != 1 or extra or ("args_after" in keys and (op != "call" or type(reply["args_after"]) is not list)):
        raise protocol.ProtocolError(f"it sent a reply of the wrong form to {op}")
    if "error" in keys and not (type(reply["error"]) is dict and all(type(v) is str for v in reply["error"].values())):
        raise protocol.ProtocolError(f"it sent a malformed error to {op}")
    if any(k in keys and type(reply[k]) is not str for k in _ERROR_KEYS):
        raise protocol.ProtocolError(f"it sent a malformed error to {op}")
    if ErrorKind.POLICY.value in keys and not (type(reply["policy"]) is dict and set(reply["policy"]) == _POLICY_KEYS
                                               and all(type(v) is str for v in reply["policy"].values())):
        raise protocol.ProtocolError(f"it sent a malformed error to {op}")
    if "value" in keys and op in ("drop_handles", "cell") and reply["value"] is not None:
        raise protocol.ProtocolError(f"it sent a reply of the wrong form to {op}")
    if "value" in keys and op == "init" and not (reply["value"] is None or type(reply["value"]) is dict and all(
            type(k) is str and type(v) is str and len(v) < 100 for k, v in reply["value"].items())):
        raise protocol.ProtocolError(f"it sent a reply of the wrong form to {op}")
    if "value" in keys and op == "load":
        value = reply["value"]
        if not (type(value) is dict and set(value) == {"functions", "warnings"}
                and all(type(v) is list and all(type(s) is str for s in v) for v in value.values())):
            raise protocol.ProtocolError("it sent a reply of the wrong form to load")


def _check_batch(answers, request):
    """Refuse (ProtocolError) answers to call_batch that are not, in order, one per call sent, each carrying its
    call's id; fewer are allowed (a failure ends a batch, or the worker lost calls: call_batch fails those)."""
    sent = [call["call"] for call in request["calls"]]
    if type(answers) is not list or not answers \
            or any(type(a) is not dict or type(a.get("call")) is not int or "callback" in a or "args_after" in a
                   for a in answers):
        raise protocol.ProtocolError("it sent a reply of the wrong form to call_batch")
    answered = [a["call"] for a in answers]
    if len(answered) > len(sent):
        raise protocol.ProtocolError(f"it sent {len(answered)} answers to a batch of {len(sent)} calls")
    if answered != sent[:len(answered)]:
        raise protocol.ProtocolError(f"its answers do not follow the {len(sent)} calls of the batch in order "
                                     f"(a repeated, reordered or unknown call)")
    for answer in answers:
        _check_reply({k: v for k, v in answer.items() if k != "call"} | {"id": request["id"]},
                     {"op": "call", "id": request["id"]})
    if any("value" not in a for a in answers[:-1]):
        raise protocol.ProtocolError("it went on with a batch after a call had failed")


def prove_sandbox(user=None):
    """Try the OS sandbox once (as `user`) before grader processes fork, so they inherit the proof; raises
    isolation.IsolationUnavailable or PermissionError saying why it cannot run."""
    account = pwd_entry(user) if user is not None else None
    isolation.choose(account.pw_uid if account else None, account.pw_gid if account else None)


def pwd_entry(user):
    """The passwd entry of `user` (a name or uid); PermissionError when there is none, or when the grader is
    not root (only root can start a worker as another account)."""
    if os.geteuid() != 0:
        raise PermissionError("running the worker as another user needs the grader to run as root")
    try:
        return pwd.getpwnam(user) if isinstance(user, str) else pwd.getpwuid(user)
    except KeyError:
        raise PermissionError(f"no account {user!r}") from None


def check_account(user, readable=()):
    """The passwd entry of `user` if a worker can run as it and read `readable`; PermissionError saying why not."""
    account = pwd_entry(user)
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


def remove_folder(path):
    """Remove a folder the worker may have made hard to remove (modes cleared); '' or why it failed."""
    def writable_again(function, name, _exc):
        os.chmod(os.path.dirname(name) or name, 0o700)
        if os.path.isdir(name) and not os.path.islink(name):
            os.chmod(name, 0o700)
        function(name)
    try:
        shutil.rmtree(path, onerror=writable_again)
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


def _on_target(target, assign):
    """The fields of a call of a kept object's method (Sandbox.call's target and assign); none for a function."""
    return {} if target is None else {"target": target, "assign": assign or {}}


def _mark_callables(value, callbacks):
    if callable(value):
        callbacks[len(callbacks)] = value
        return Callback(len(callbacks) - 1)
    if type(value) in (list, tuple):
        return type(value)(_mark_callables(v, callbacks) for v in value)
    if type(value) is dict:
        return {k: _mark_callables(v, callbacks) for k, v in value.items()}
    return value


def missing_from_environment(module, submission):
    """Why a module the submission's code did not find is the grading environment's problem, in words; "" when
    it is the submission's. The worker only names the module: a third-party package counts when it is installed
    nowhere the grader can see (this process runs the same Python) and the submission has no module of that
    name; a module of the course's own package counts when it is a compiled extension (a .pyx) left unbuilt."""
    if not module or submission is None or type(module) is not str:
        return ""
    top, _, rest = module.partition(".")
    root = Path(submission.root) if submission.layout == "package" else None
    if root is not None and top == (submission.package or "submission"):  # the worker's name of a plain folder
        built = rest and (root / (rest.replace(".", "/") + ".pyx")).is_file()
        return f"{module} is a compiled extension ({rest.rpartition('.')[2]}.pyx) that is not built in the " \
               f"grading environment" if built else ""
    if not top.isidentifier() or (root is not None and ((root / f"{top}.py").exists() or (root / top).is_dir())):
        return ""
    try:
        installed = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        installed = True
    return "" if installed else f"the grading environment has no package {top!r} (No module named {module!r})"


def _error_from(reply, default_kind, prefix, forbidden=(), what="", submission=None):
    """The SandboxError of a worker's failed reply. A use of a forbidden package ("policy") is taken as one only
    when the package is one this Sandbox hides (the worker is not trusted to say what is forbidden), and
    reads "optim.adam used torch (torch.optim.Adam at optim.py:12)"; either way the call failed. A module
    not found is the grading environment's problem only where missing_from_environment says so."""
    if ErrorKind.POLICY.value in reply:
        use = reply[ErrorKind.POLICY.value]
        at = f" at {use['where'][:200]}" if use["where"] else ""
        if use["package"] in forbidden:
            return SandboxError(ErrorKind.POLICY, f"{what} used {use['package']} ({use['use']}{at})")
        return SandboxError(default_kind, f"{prefix}ImportError: {use['use']}{at}")
    for kind in (ErrorKind.NOT_IMPLEMENTED, ErrorKind.MISSING, ErrorKind.BAD_RETURN):
        if kind.value not in reply:
            continue
        if kind is ErrorKind.NOT_IMPLEMENTED:
            detail = f": {reply[kind.value]}" if reply[kind.value] else ""
            return SandboxError(kind, f"raises NotImplementedError{detail}")
        return SandboxError(kind, prefix + str(reply[kind.value]))
    error = reply.get("error") if type(reply.get("error")) is dict else {}
    lacking = missing_from_environment(error.get("missing", ""), submission)
    if lacking:
        return SandboxError(ErrorKind.ENVIRONMENT, f"{prefix}{lacking}", str(error.get("where", "")))
    return SandboxError(default_kind, f"{prefix}{error.get('type', 'Error')}: {error.get('message', '')}",
                        str(error.get("where", "")))
