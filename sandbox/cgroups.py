"""One cgroup per worker: the kernel's own count of its memory, its processes and its CPU time.

An address-space limit is per process and a tmpfs size counts only bytes, so memory files
(memfd_create), System V segments, unread pipe and socket buffers, inodes and dentries, and
children each under the limit all escape them. A cgroup's memory controller charges every one of
these to the cgroup of the process that made them, kernel memory included; its pids controller
counts every process and thread, whatever its uid or session. So each worker, and everything it
starts, runs in a cgroup of its own:

    memory   the worker's bound (Limits.memory_bound_bytes), swap included (memsw / swap.max = 0)
    pids     Limits.processes, plus bwrap's own two
    cpu      the same weight as every other worker: 120 busy processes of one submission share one
             worker's part of the CPU, not 120 parts (cpu.shares / cpu.weight)
    cpuacct  the worker's CPU time, over all its processes: what judges a call "hung" (CallDeadline)

Where: cgroup v2 when the grader's own cgroup offers the memory and pids controllers and can be
written (root; a container given a writable cgroup; a systemd scope with Delegate=yes), else the
v1 memory and pids hierarchies (and cpu, cpuacct where mounted) that many hosts still mount. The
worker cgroups are children of the grader's own, so any bound on the grader holds for its workers
too. The child process joins its cgroup before it executes anything (Worker.join, Popen's
preexec_fn, through files the grader opened), so nothing of the worker ever runs outside it. When
the worker ends, whatever is left in its cgroup is killed and the cgroup removed; cgroups of a grader
that died (its pid in the name) are removed by the next one. Where no cgroup can be had, `find`
raises Unavailable saying why, and the sandbox says so (see describe_unavailable).

Only the standard library: this module is loaded by path in tests run as another user.
"""
import functools
import itertools
import os
import re
import signal
import time

PREFIX = "dlgrade-"
BWRAP_TASKS = 2           # bwrap and the namespace's init, beside the worker's own processes
WALL_FACTOR = 3           # a call may take this many times its CPU budget on the wall clock (sleeping, blocked)
KILL_TRIES = 200          # rounds of SIGKILL over a cgroup's processes before giving up on removing it
_NAMES = itertools.count()


class Unavailable(Exception):
    """No cgroup can be made for a worker here; the message says why."""


class Hierarchy:
    """A folder in which worker cgroups are made (the grader's own cgroup in one hierarchy) and what it controls."""

    def __init__(self, folder, version, controllers):
        folder = os.path.normpath(folder)
        self.folder, self.version, self.controllers = folder, version, frozenset(controllers)

    def __repr__(self):
        return f"Hierarchy({self.folder!r}, v{self.version}, {sorted(self.controllers)})"


class Controllers:
    """Where worker cgroups are made: one Hierarchy on v2, one per mounted controller set on v1."""

    def __init__(self, hierarchies):
        self.hierarchies = tuple(hierarchies)
        self.version = self.hierarchies[0].version
        self.controllers = frozenset().union(*(h.controllers for h in self.hierarchies))

    def describe(self):
        return f"cgroup v{self.version}: {', '.join(sorted(self.controllers))}"

    def create(self, memory_bytes, processes):
        """A new WorkerGroup bounded to memory_bytes and `processes` tasks (plus bwrap's own)."""
        name = f"{_owner()}-{next(_NAMES)}"
        group = WorkerGroup([os.path.join(h.folder, name) for h in self.hierarchies], self.version)
        try:
            for folder in group.folders:
                os.mkdir(folder, 0o755)
            group.bound(memory_bytes, processes + BWRAP_TASKS)
            group.open()
        except OSError as exc:
            group.remove()
            raise Unavailable(f"a worker cgroup could not be made ({exc.strerror or exc})") from None
        return group


class WorkerGroup:
    """One worker's cgroup (a folder per hierarchy). join() runs in the worker's process before it executes."""

    def __init__(self, folders, version):
        self.folders, self.version = folders, version
        self.memory_bytes = None
        self._procs = []          # open cgroup.procs files, written by join() in the child
        self._cpu = None          # the open file of its CPU time, read at each wait of a call (one pread)
        self.peak_bytes = None    # the most it held, read when removed
        self.killed_for_memory = False

    # --- set-up ---------------------------------------------------------------------------
    def bound(self, memory_bytes, tasks):
        self.memory_bytes = memory_bytes
        if self.version == 2:
            self._write("memory.max", memory_bytes)
            self._write("memory.swap.max", 0, optional=True)
            self._write("memory.oom.group", 1, optional=True)  # an OOM kill ends the whole worker, not one child
            self._write("pids.max", tasks)
            self._write("cpu.weight", 100, optional=True)
            return
        self._write("memory.limit_in_bytes", memory_bytes)
        self._write("memory.memsw.limit_in_bytes", memory_bytes, optional=True)  # swap counted too
        self._write("memory.swappiness", 0, optional=True)
        self._write("pids.max", tasks)
        self._write("cpu.shares", 1024, optional=True)

    def open(self):
        self._procs = [os.open(os.path.join(folder, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC)
                       for folder in self.folders]
        cpu = self._path("cpu.stat" if self.version == 2 else "cpuacct.usage")
        self._cpu = os.open(cpu, os.O_RDONLY | os.O_CLOEXEC) if cpu else None

    def join(self):
        """Move the calling process into this cgroup (Popen's preexec_fn: the child, before it executes).
        Through files the grader opened, so it works after the child changed to an unprivileged uid."""
        for fd in self._procs:
            os.write(fd, b"0")

    def started(self):
        """The child has joined (Popen returned): the grader needs the files no more."""
        for fd in self._procs:
            os.close(fd)
        self._procs = []

    # --- reading --------------------------------------------------------------------------
    def cpu_seconds(self):
        """CPU time of every process that ran in the cgroup so far; None where it is not counted."""
        if self._cpu is None:
            return None
        text = os.pread(self._cpu, 4096, 0).decode()
        if self.version == 2:
            found = re.search(r"^usage_usec (\d+)$", text, re.M)
            return int(found.group(1)) / 1e6 if found else None
        return int(text) / 1e9 if text.strip() else None

    def out_of_memory(self):
        """Whether the kernel killed a process of the worker for reaching its memory bound."""
        if self.killed_for_memory:
            return True
        text = self._read("memory.events" if self.version == 2 else "memory.oom_control") or ""
        found = re.search(r"^oom_kill (\d+)$", text, re.M)
        self.killed_for_memory = bool(found and int(found.group(1)) > 0)
        return self.killed_for_memory

    def peak(self):
        """The most memory the cgroup held (bytes); None where the kernel does not say."""
        text = self._read("memory.peak" if self.version == 2 else "memory.max_usage_in_bytes")
        return int(text) if text and text.strip().isdigit() else None

    # --- the end --------------------------------------------------------------------------
    def remove(self):
        """Kill what is left in the cgroup and remove it; '' or why it could not be removed."""
        self.started()
        if self._cpu is not None:
            os.close(self._cpu)
            self._cpu = None
        if any(os.path.isdir(f) for f in self.folders):
            self.out_of_memory()
            self.peak_bytes = self.peak()
        return _remove(self.folders)

    def _path(self, name):
        for folder in self.folders:
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        return None

    def _read(self, name):
        path = self._path(name)
        try:
            with open(path) as file:
                return file.read()
        except (OSError, TypeError):
            return None

    def _write(self, name, value, optional=False):
        path = self._path(name)
        if path is None:
            if optional:
                return
            raise OSError(f"no {name}")
        try:
            with open(path, "w") as file:
                file.write(str(value))
        except OSError:
            if not optional:
                raise


class CallDeadline:
    """When a call is "hung": after `seconds` of the worker's own CPU time (all its processes, counted by its
    cgroup) or WALL_FACTOR times that on the wall clock, whichever comes first. A busy neighbour slows the
    worker's clock, it does not spend its budget. Without a CPU count (no cgroup), after `seconds` of wall clock.

    remaining() is what to wait before asking again; it raises TimeoutError once the call is hung."""

    def __init__(self, seconds, group=None):
        self.seconds, self.group = seconds, group
        self._start = time.monotonic()
        self._cpu_start = group.cpu_seconds() if group is not None else None
        self.wall_end = self._start + seconds * (WALL_FACTOR if self._cpu_start is not None else 1)

    def remaining(self):
        now = time.monotonic()
        wall_left = self.wall_end - now
        if wall_left <= 0:
            raise TimeoutError
        if self._cpu_start is None:
            return wall_left
        unspent = self.seconds / _cpus() - (now - self._start)  # before this, it cannot have spent its budget
        if unspent > 0:
            return unspent
        used = self.group.cpu_seconds()
        cpu_left = self.seconds - (used - self._cpu_start if used is not None else 0.0)
        if cpu_left <= 0:
            raise TimeoutError
        # its CPU time grows at most as fast as all the CPUs it may run on together
        return min(wall_left, max(cpu_left / _cpus(), 0.01))

    def describe(self):
        if self._cpu_start is None:
            return f"did not finish within {self.seconds:g} s"
        return f"did not finish within {self.seconds:g} s of its CPU time ({self.seconds * WALL_FACTOR:g} s wall)"


@functools.lru_cache(maxsize=None)
def _cpus():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# --- finding where cgroups can be made -----------------------------------------------------------

@functools.lru_cache(maxsize=None)
def find():
    """Controllers where this process can make worker cgroups (stale ones of dead graders removed), or
    Unavailable saying why not. Once per process: a forked grader process inherits the answer."""
    reasons = []
    for finder in (_find_v2, _find_v1):
        try:
            controllers = finder()
        except Unavailable as exc:
            reasons.append(str(exc))
            continue
        for hierarchy in controllers.hierarchies:
            remove_stale(hierarchy.folder)
        return controllers
    raise Unavailable("; ".join(reasons))


def find_or_reason():
    """(Controllers, '') or (None, why no cgroup can be had here)."""
    try:
        return find(), ""
    except Unavailable as exc:
        return None, str(exc)


def _mounts():
    """(mount point, its root in the hierarchy, fs type, super options) of each cgroup mount."""
    found = []
    try:
        with open("/proc/self/mountinfo") as file:
            for line in file:
                left, _, right = line.partition(" - ")
                fields, tail = left.split(), right.split()
                if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                    found.append((_unescape(fields[4]), _unescape(fields[3]), tail[0], set(tail[2].split(","))))
    except OSError:
        pass
    return found


def _unescape(path):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def _own_paths():
    """{controller list (a frozenset; empty for v2): this process's cgroup path} from /proc/self/cgroup."""
    paths = {}
    try:
        with open("/proc/self/cgroup") as file:
            for line in file:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                paths[frozenset(c for c in controllers.split(",") if c)] = path
    except (OSError, ValueError):
        pass
    return paths


def _folder(mount_point, mount_root, path):
    """The folder of cgroup `path` under a mount of the hierarchy's `mount_root`; None if outside it."""
    if mount_root != "/" and not (path == mount_root or path.startswith(mount_root.rstrip("/") + "/")):
        return None
    relative = path[len(mount_root.rstrip("/")):] if mount_root != "/" else path
    return os.path.join(mount_point, relative.lstrip("/"))


def _find_v2():
    own = _own_paths().get(frozenset())
    mounts = [m for m in _mounts() if m[2] == "cgroup2"]
    if own is None or not mounts:
        raise Unavailable("no cgroup v2 hierarchy")
    folder = next(filter(None, (_folder(point, root, own) for point, root, _, _ in mounts)), None)
    if folder is None or not os.path.isdir(folder):
        raise Unavailable(f"the grader's cgroup v2 {own} is not mounted here")
    offered = set((_read(os.path.join(folder, "cgroup.controllers")) or "").split())
    if not {"memory", "pids"} <= offered:
        raise Unavailable(f"cgroup v2 offers no memory and pids controllers to the grader's cgroup {own}")
    if not os.access(os.path.join(folder, "cgroup.subtree_control"), os.W_OK):
        raise Unavailable(f"the grader's cgroup v2 {own} is not writable by it (run it under "
                          "`systemd-run --scope -p Delegate=yes`, or give its container a writable cgroup)")
    wanted = {"memory", "pids"} | ({"cpu"} & offered)
    enabled = set((_read(os.path.join(folder, "cgroup.subtree_control")) or "").split())
    if not wanted <= enabled:
        folder = _enable(folder, wanted - enabled, own)
    return Controllers([Hierarchy(folder, 2, wanted)])


def _enable(folder, controllers, own):
    """Turn controllers on for folder's children. A cgroup with processes cannot have them (the v2 rule of no
    internal processes), unless it is the root: when the grader is alone in its cgroup (a delegated scope, a
    container), it moves into a leaf of its own first."""
    text = " ".join(f"+{c}" for c in sorted(controllers))
    try:
        _write(os.path.join(folder, "cgroup.subtree_control"), text)
        return folder
    except OSError:
        pass
    others = {int(p) for p in (_read(os.path.join(folder, "cgroup.procs")) or "").split()} - {os.getpid()}
    if others:
        raise Unavailable(f"the grader's cgroup v2 {own} holds other processes, so it cannot have worker cgroups "
                          "(run the grader in a cgroup of its own: `systemd-run --scope -p Delegate=yes`)")
    leaf = os.path.join(folder, f"{_owner()}-grader")
    try:
        os.makedirs(leaf, exist_ok=True)
        _write(os.path.join(leaf, "cgroup.procs"), "0")
        _write(os.path.join(folder, "cgroup.subtree_control"), text)
    except OSError as exc:
        raise Unavailable(f"the grader's cgroup v2 {own} cannot have worker cgroups ({exc.strerror or exc})") from None
    return folder


def _find_v1():
    own = _own_paths()
    mounts = [m for m in _mounts() if m[2] == "cgroup"]
    hierarchies = {}
    for controller in ("memory", "pids", "cpu", "cpuacct"):
        for point, root, _, options in mounts:
            if controller not in options:
                continue
            path = next((p for names, p in own.items() if controller in names), None)
            folder = _folder(point, root, path) if path is not None else None
            if folder is not None and os.path.isdir(folder):
                hierarchies.setdefault(folder, set()).add(controller)
                break
    have = set().union(*hierarchies.values()) if hierarchies else set()
    if not {"memory", "pids"} <= have:
        raise Unavailable(f"no cgroup v1 {' and '.join(sorted({'memory', 'pids'} - have))} controller mounted")
    if not all(os.access(folder, os.W_OK) for folder in hierarchies):
        raise Unavailable("the grader's cgroup v1 folders are not writable by it (it is not root)")
    return Controllers([Hierarchy(folder, 1, controllers) for folder, controllers in hierarchies.items()])


# --- removing ------------------------------------------------------------------------------------

def _owner():
    """dlgrade-<pid namespace>-<pid>: whose cgroups these are (graders in other PID namespaces may share a v1
    hierarchy; their pids mean nothing here)."""
    return f"{PREFIX}{_pid_namespace()}-{os.getpid()}"


def _pid_namespace():
    try:
        return re.sub(r"\D", "", os.readlink("/proc/self/ns/pid")) or "0"
    except OSError:
        return "0"


def remove_stale(folder):
    """Remove the worker cgroups under folder whose grader (of this PID namespace, the pid in the name) is gone."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        found = re.fullmatch(re.escape(PREFIX) + r"(\d+)-(\d+)-(\d+|grader)", name)
        if found and found.group(1) == _pid_namespace() and not alive(int(found.group(2))):
            _remove([os.path.join(folder, name)])


def remove_mine():
    """Kill and remove every worker cgroup of this process (it is stopping without closing its sandboxes)."""
    controllers, _ = find_or_reason()
    for hierarchy in controllers.hierarchies if controllers else ():
        try:
            names = os.listdir(hierarchy.folder)
        except OSError:
            continue
        _remove([os.path.join(hierarchy.folder, n) for n in names if n.startswith(f"{_owner()}-")])


def alive(pid):
    """Whether a process of this pid exists (perhaps another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _remove(folders):
    """Kill every process in the folders (cgroup.kill on v2 where it exists, else SIGKILL to each until none is
    left: the pids bound keeps a fork race finite) and remove them; '' or why not."""
    folders = [f for f in folders if os.path.isdir(f)]
    for folder in folders:
        try:
            _write(os.path.join(folder, "cgroup.kill"), "1")
        except OSError:
            pass
    problem = ""
    for _ in range(KILL_TRIES):
        pids = set()
        for folder in folders:
            pids.update(int(p) for p in (_read(os.path.join(folder, "cgroup.procs")) or "").split())
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        problem = ""
        for folder in list(folders):
            try:
                os.rmdir(folder)
                folders.remove(folder)
            except FileNotFoundError:
                folders.remove(folder)
            except OSError as exc:
                problem = exc.strerror or str(exc)
        if not folders:
            return ""
        time.sleep(0.01)
    return f"its cgroup {folders[0]} could not be removed ({problem})"


def _read(path):
    try:
        with open(path) as file:
            return file.read()
    except OSError:
        return None


def _write(path, text):
    with open(path, "w") as file:
        file.write(text)


# --- in words ------------------------------------------------------------------------------------

def describe_bounds(memory_bytes, processes):
    """The header's sentence on a worker's bounds in force and how they are enforced, or why no cgroup bounds it."""
    controllers, reason = find_or_reason()
    if controllers is None:
        return (f"no cgroup here ({reason}): memory bounded only per process (its address space) and by the tmpfs "
                "sizes; System V segments end with the worker's IPC namespace; a call is hung after its timeout on "
                "the wall clock")
    have = controllers.controllers
    cpu = "; one CPU weight per worker, however many processes it starts" if "cpu" in have else ""
    hung = (f"; a call is hung after its timeout of the worker's own CPU time (or {WALL_FACTOR} times it on the "
            "wall clock)" if "cpuacct" in have or controllers.version == 2 else "")
    return (f"memory bound {memory_bytes >> 20} MiB and {processes} processes for the worker with all it starts, "
            f"counted by the kernel ({controllers.describe()}){cpu}{hung}")
