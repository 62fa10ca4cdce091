"""The second tier: a worker confined by Landlock, seccomp and its own uid, where bubblewrap cannot start.

Containers (Docker's and containerd's default seccomp profiles, so Gradescope, most CI and Kubernetes)
refuse the namespaces bubblewrap needs, but allow Landlock. There the grader starts each worker
through this module's launcher (`python confine.py`, run as the grader's account), which:

    1. builds the Landlock ruleset (sandbox/landlock.py) from isolation.worker_view(): the paths are
       opened while the launcher still has the grader's rights;
    2. as root, drops to the worker's account: isolation.WORKER_ID (or --worker-user), no supplementary
       groups; as a normal user, the worker stays that user;
    3. sets no_new_privs, enforces the ruleset, loads sandbox/seccomp.py's filter with deny_network
       (no socket but AF_UNIX) and a filter of this tier's own: no setsid/setpgid, so every process of
       the worker stays in the process group the grader kills;
    4. asks for SIGKILL when the grader dies, and executes the worker.

What the worker's account cannot reach on its own (an interpreter in a 0700 home: pyenv under /root)
the grader opens (O_PATH) and passes down; the worker names it /proc/self/fd/N/…: the descriptor
leads to that folder only, and the account's rights still hold below it.

Without a PID namespace the worker could see other processes, but Landlock leaves /proc out of its
view, refuses tracing outside its domain, and (ABI >= 6) signals too; a process of the grader's
account that is not the grader is not protected from a worker of the same account below ABI 6, so as a
normal user the tier needs ABI 6. Each worker writes only its own scratch folder; files are bounded by
RLIMIT_FSIZE and the folder by Limits.scratch_bytes, measured after each call.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SAME_USER_ABI = 6                      # signal scoping: what keeps a worker of the grader's own uid from it
LAUNCHER = Path(__file__).resolve()
SPEC_VARIABLE = "DLGRADE_CONFINE"
ENTRY_BYTES = 4096                     # what an entry of the scratch folder counts for at least (a block)

__all__ = ["Confined", "Workspace", "confined"]


@dataclass(frozen=True)
class Confined:
    """A way to start workers in the second tier; user/group: the worker's account (None: the grader's)."""
    abi: int
    user: int | None = None
    group: int | None = None
    hidden: tuple = ()
    limits: object = None
    forbidden: tuple = ()   # import names of packages the worker must not see: unreadable, a stand-in under each

    def describe(self):
        from .landlock import describe
        who = f"uid {self.user}, gid {self.group}, no supplementary groups" if self.user is not None else \
            f"the grader's own uid {os.getuid()}"
        return (f"Landlock tier (bubblewrap cannot start here): {who}; no_new_privs; seccomp filter, no network "
                f"sockets; {describe(self.abi)}; scratch folder up to {self.limits.scratch_bytes >> 20} MiB, "
                f"checked after each call; {self.limits.describe()}. Not provided: a PID namespace (process ids "
                f"are visible, /proc is not), a private /tmp (the scratch folder is on the host's disk)")

    def workspace(self, submission_root=None):
        return Workspace(self, submission_root)


class Workspace:
    """The folders and descriptors of one Sandbox's workers: the worker's two files (read-only), a fresh
    scratch folder per worker start, and O_PATH descriptors of what the worker's account cannot reach."""

    def __init__(self, box, submission_root=None):
        from .isolation import WORKER_FILES, site_folders, worker_view
        self.box, self.scratch, self.starts = box, None, 0
        self.base = tempfile.mkdtemp(prefix=f"dlgrade-confined-{os.getpid()}-")  # see submission.scratch_folder
        os.chmod(self.base, 0o711)  # the worker's account enters it, lists nothing
        self.worker_dir = os.path.join(self.base, "worker")
        os.mkdir(self.worker_dir, 0o755)
        for name in WORKER_FILES:
            shutil.copy(Path(__file__).with_name(name), self.worker_dir)
            os.chmod(os.path.join(self.worker_dir, name), 0o644)
        self.view = worker_view(box.hidden, box.forbidden)
        self.standins = os.path.join(self.base, "standins")  # first on the worker's path (isolation.package_view)
        for name in box.forbidden:
            os.makedirs(os.path.join(self.standins, name), 0o755)
            shutil.copy(Path(__file__).with_name("standin.py"), os.path.join(self.standins, name, "__init__.py"))
            os.chmod(os.path.join(self.standins, name, "__init__.py"), 0o644)
        self.submission_root = submission_root
        self.site = site_folders()
        self.fds = {}
        wanted = [path for path, visible in self.view if visible] + [self.base]
        if submission_root is not None:
            wanted.append(str(submission_root))
        for path in wanted:
            if not reachable(path, box.user, box.group):
                self.fds[os.path.realpath(path)] = os.open(path, os.O_PATH | os.O_DIRECTORY)

    def translate(self, path):
        """The name under which the worker reaches `path` (itself, or below a passed descriptor)."""
        real = os.path.realpath(path)
        for root, fd in self.fds.items():
            if real == root or real.startswith(root + "/"):
                return f"/proc/self/fd/{fd}{real[len(root):]}"
        return str(path)

    def start(self, environment, pipes, code=None):
        """Popen of a new worker (the previous one stopped): a fresh scratch folder, the launcher's spec.
        code: a program to run instead of the worker (python -c)."""
        from .landlock import DEVICES
        self._drop_scratch()
        self.starts += 1
        self.scratch = os.path.join(self.base, f"scratch-{self.starts}")
        os.mkdir(self.scratch, 0o700)
        if self.box.user is not None:
            os.chown(self.scratch, self.box.user, self.box.group)
        executable, home = sys.executable, {}
        if self.translate(sys.executable) != sys.executable:  # through a descriptor: tell Python where it is
            executable = self.translate(os.path.realpath(sys.executable))
            home = {"PYTHONHOME": self.translate(sys.base_prefix)}
            libdir = sysconfig.get_config_var("LIBDIR")
            if libdir and self.translate(libdir) != libdir:
                home["LD_LIBRARY_PATH"] = self.translate(libdir)
        scratch = self.translate(self.scratch)
        env = {"PATH": "/usr/bin:/bin", "HOME": scratch, "LANG": "C.UTF-8", "DLGRADE_WORKER_CWD": scratch,
               "DLGRADE_WORKER_PATH": os.pathsep.join(map(self.translate, self._path())), **home, **dict(environment)}
        flags = ["-s", "-S", "-B"] if home else ["-I", "-S", "-B"]
        own = [self.worker_dir, *DEVICES, *([str(self.submission_root)] if self.submission_root is not None else [])]
        spec = {"view": [[p, v] for p, v in self.view] + [[p, True] for p in own if os.path.exists(p)],
                "write": [self.scratch], "user": self.box.user, "group": self.box.group, "cwd": scratch,
                "argv": [executable, *flags, *(["-c", code] if code else
                                                [self.translate(os.path.join(self.worker_dir, "worker.py"))])],
                "env": env, "path": self.site, "grader": os.getpid()}
        return subprocess.Popen([sys.executable, "-I", "-S", "-B", str(LAUNCHER)],
                                env={SPEC_VARIABLE: json.dumps(spec)}, pass_fds=tuple(self.fds.values()), **pipes)

    def _path(self):
        """The worker's import path: the stand-ins of forbidden packages first, then site-packages."""
        return [self.standins] * bool(self.box.forbidden) + self.site

    def scratch_used(self, bound):
        """Bytes the scratch folder holds (each entry at least ENTRY_BYTES), counted up to just past `bound`."""
        used, folders = 0, [self.scratch] if self.scratch else []
        while folders and used <= bound:
            try:
                with os.scandir(folders.pop()) as entries:
                    for entry in entries:
                        info = entry.stat(follow_symlinks=False)
                        used += max(info.st_blocks * 512, ENTRY_BYTES)
                        if stat.S_ISDIR(info.st_mode):
                            folders.append(entry.path)
            except OSError:
                continue
        return used

    @staticmethod
    def wait_for_group(group, timeout):
        """Wait (at most timeout seconds) until no process of the killed process group is left, not even one
        that init has yet to reap: each would still count against the next worker's process limit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.01)

    def _drop_scratch(self):
        if self.scratch is not None:
            from .client import remove_folder
            remove_folder(self.scratch)
            self.scratch = None

    def close(self):
        """Remove the folders and close the descriptors; '' or why the folder could not be removed."""
        from .client import remove_folder
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}
        return remove_folder(self.base)


def reachable(path, uid, gid):
    """Whether the account uid:gid (no supplementary groups) can walk to `path` by its name; None: the
    grader's own account, which can."""
    if uid is None:
        return True
    real = Path(os.path.realpath(path))
    for folder in (*reversed(real.parents), real):
        try:
            info = folder.stat()
        except OSError:
            return False
        if not stat.S_ISDIR(info.st_mode):
            continue
        bit = stat.S_IXUSR if info.st_uid == uid else stat.S_IXGRP if info.st_gid == gid else stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def confined(user=None, group=None, hidden=(), limits=None):
    """The second tier, once proven to start a worker with NumPy here; raises IsolationUnavailable saying
    why not. user/group: the worker's account (None: isolation.WORKER_ID as root, the grader's own otherwise)."""
    from .isolation import WORKER_ID, IsolationUnavailable, Limits
    from .landlock import abi_version
    abi = abi_version()
    if abi < 1:
        raise IsolationUnavailable("Landlock is not available (Linux 5.13 or newer with landlock in its lsm= list, "
                                   "and not refused by a seccomp filter)")
    if user is None and os.geteuid() == 0:
        user, group = WORKER_ID, WORKER_ID
    if user is None and abi < SAME_USER_ABI:
        raise IsolationUnavailable(f"Landlock ABI {abi} cannot keep a worker of the grader's own uid from "
                                   f"signalling it (ABI {SAME_USER_ABI} can); run the grader as root")
    try:
        import landlockpy  # noqa: F401
        import pyseccomp  # noqa: F401  (sandbox/seccomp.py's binding)
    except ImportError as exc:
        raise IsolationUnavailable(f"the Landlock tier needs {exc.name} (pip install dlgrade's dependencies)") \
            from None
    except OSError as exc:
        raise IsolationUnavailable(f"libseccomp cannot be loaded ({exc})") from None
    box = Confined(abi, user, group, tuple(hidden), limits or Limits())
    _prove(box)
    return box


_PROBE = ("import os, sys; sys.path += os.environ['DLGRADE_WORKER_PATH'].split(os.pathsep); import numpy; "
          "sys.stdout.write(os.environ['DLGRADE_WORKER_CWD'])")


def _prove(box):
    """Start a confined Python that imports NumPy; IsolationUnavailable with its last words if it cannot."""
    from .isolation import IsolationUnavailable
    workspace = box.workspace()
    try:
        process = workspace.start({}, dict(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           close_fds=True, start_new_session=True), _PROBE)
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        if process.returncode != 0:
            reason = (err.decode(errors="replace").strip().splitlines() or [f"exit status {process.returncode}"])[-1]
            raise IsolationUnavailable(f"the Landlock tier cannot start here ({reason[:300]})")
    except OSError as exc:
        raise IsolationUnavailable(f"the Landlock tier cannot start here ({exc.strerror or exc})") from None
    finally:
        workspace.close()


# --- the launcher: everything below runs in the process that becomes the worker ---------------------------
NO_NEW_SESSIONS = ("setsid", "setpgid")


def launch(spec, landlock, seccomp):
    """Confine this process as `spec` says (see the module's docstring) and execute the worker."""
    import ctypes
    import errno
    import signal
    readable, listed = landlock.read_rules([tuple(pair) for pair in spec["view"]])
    rules = landlock.ruleset(readable, spec["write"], listed)
    filters = [seccomp.worker_filter(deny_network=True), _session_filter(errno.EPERM)]
    if spec["user"] is not None:
        os.setgroups([])
        os.setresgid(spec["group"], spec["group"], spec["group"])
        os.setresuid(spec["user"], spec["user"], spec["user"])
    os.chdir(spec["cwd"])
    rules.restrict()  # sets no_new_privs first
    rules.close()
    for calls in filters:
        seccomp.install(calls)
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG, kept by execve
    if os.getppid() != spec["grader"]:  # the grader died before the request was made
        os._exit(1)
    os.execve(spec["argv"][0], spec["argv"], spec["env"])


def _session_filter(code):
    """setsid and setpgid refused: the worker's processes stay in the group the grader kills at the end."""
    import pyseccomp as libseccomp
    rules = libseccomp.SyscallFilter(libseccomp.ALLOW)
    for name in NO_NEW_SESSIONS:
        rules.add_rule(libseccomp.ERRNO(code), name)
    return rules


def _sibling(name):
    """sandbox/NAME.py, loaded by its path (the launcher runs as a script, with -I -S)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"_dlgrade_{name}", LAUNCHER.with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    _spec = json.loads(os.environ.pop(SPEC_VARIABLE))
    sys.path += _spec["path"]
    try:
        launch(_spec, _sibling("landlock"), _sibling("seccomp"))
    except Exception as exc:  # a sentence on stderr for the grader's probe, never a worker without its confinement
        print(f"the confined worker could not start: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
