"""Run a test's command as a normal user, also when the tests run as root (CI, Gradescope-like hosts, this machine).

Why: the sandbox behaves differently for a grader run by root (launcher.py, a fixed unprivileged host uid, inode
bounds) and by a normal user (bwrap's own user namespace), and each claim of the README is tested both ways. As
root, another account usually cannot even start the interpreter: pyenv lives under /root (mode 700), a CI clone may
lie in a folder only root can enter. So, as root, a command runs

- as NORMAL_ID (uid and gid 65532, no supplementary groups, no passwd entry needed; HOME and TMPDIR a fresh folder
  of its own under /tmp, removed afterwards),
- in a private mount namespace of its own (unshare(CLONE_NEWNS) in the child, before it drops root), where every
  folder of the interpreter (sys.prefix, its site-packages: isolation.view_roots) is reachable at its own path: each
  folder on the way that other accounts cannot enter (/root) is covered by a mode-755 tmpfs holding only the bound
  folders below it (/root/.pyenv);
- with the checkout replaced at its own path by a world-readable copy made once per test process (root-owned, so the
  account cannot change it): an editable install's finder that points at the checkout resolves, and so does the
  usual `import dlgrade` from the working directory, which is the checkout.

With cgroup=True the command also starts in a cgroup delegated to the account, as `systemd-run --scope -p
Delegate=yes` gives a user (the README's advice to a normal user): a folder of its own below this process's cgroup in
each hierarchy sandbox/cgroups.py uses, it and the files to join and move processes owned by the account; the
command joins it before it drops root, and it is removed afterwards. The host's permissions and mount table are
untouched: the namespace ends with the command. When the tests run as a normal user already, a command simply runs
(as_root=True is then refused; cgroup=True gives whatever cgroup the tests already have).

API (tests/conftest.py wires it into pytest):
    NORMAL_ID                 the uid and gid a command gets when the tests run as root
    normal_id()               (uid, gid) a command runs as: NORMAL_ID as root, the caller's own otherwise
    unavailable()             '' or why commands cannot run as a normal user here (skip with it)
    run(argv, as_root=False, cgroup=False, cwd=ROOT, env=None, timeout=600, **subprocess_run_keywords)
                              subprocess.CompletedProcess of argv run as the normal user (as_root: as root, in the same
                              namespace, for a test whose grader is root but whose worker account must reach the
                              interpreter, e.g. --worker-user nobody; cgroup: in a delegated cgroup, see above)
    rerun(nodeid, as_root=False, cgroup=False, timeout=900)
                              runs one pytest node that way (a fresh pytest, -p no:cacheprovider) and raises
                              AssertionError with its output unless it passed (skipped counts as not passed)
    In conftest.py: the fixture `account` ("root" / "normal-user") parametrizes a test over both; the marker
    `open_interpreter` runs a root test inside the namespace; the marker `delegated_cgroup` gives a test's
    normal-user case a delegated cgroup. INSIDE (an environment variable) is set in every
    command, so a rerun test runs its body instead of delegating again.
"""
import atexit
import ctypes
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NORMAL_ID = 65532  # below isolation.WORKER_ID (65533, the worker's own id as root): the two must differ
INSIDE = "DLGRADE_TESTS_ACCOUNT_VIEW"
_COPY_IGNORED = shutil.ignore_patterns(".git", ".pytest_cache", ".hypothesis", ".ruff_cache")
_TMP = tempfile.gettempdir()  # the copy of the checkout and HOME live here, whatever temporary folder a test sets


def normal_id():
    return (NORMAL_ID, NORMAL_ID) if os.geteuid() == 0 else (os.geteuid(), os.getegid())


@functools.lru_cache(maxsize=None)
def unavailable():
    """'' when run() works here, else why not (a reason to skip with)."""
    if os.geteuid() != 0:
        return ""
    for folder in _interpreter_folders():
        if os.stat(folder).st_mode & 0o005 != 0o005:
            return f"{folder} is not readable by other accounts (binding it elsewhere would not change that)"
    probe = run([sys.executable, "-I", "-c", "import numpy, hypothesis, pytest"], timeout=120)
    if probe.returncode != 0:
        return f"a command as uid {NORMAL_ID} failed: {probe.stderr.strip()[-300:]}"
    return ""


def run(argv, *, as_root=False, cgroup=False, cwd=None, env=None, timeout=600, **keywords):
    """argv run as the normal user (see the module's docstring); keywords go to subprocess.run (text output by
    default). Raises subprocess.TimeoutExpired like subprocess.run."""
    keywords.setdefault("capture_output", True)
    keywords.setdefault("text", True)
    environment = dict(os.environ if env is None else env, **{INSIDE: "1"})
    if os.geteuid() != 0:
        if as_root:
            raise PermissionError("as_root needs the tests to run as root")
        return subprocess.run(argv, cwd=cwd or ROOT, env=environment, timeout=timeout, **keywords)
    home = tempfile.mkdtemp(prefix="dlgrade-tests-home-", dir=_TMP)  # short: AF_UNIX paths below it must fit
    delegated = _delegate_cgroup() if cgroup and not as_root else []
    try:
        if not as_root:  # as root, HOME and TMPDIR stay: another account (a worker's) may have to reach /tmp
            os.chown(home, NORMAL_ID, NORMAL_ID)
            environment.update(HOME=home, TMPDIR=home, USER="dlgrade-tests", LOGNAME="dlgrade-tests")
        spec = {"binds": _binds(), "covers": _covers(), "cwd": str(cwd or ROOT), "argv": [str(a) for a in argv],
                "id": None if as_root else NORMAL_ID,
                "join": [os.path.join(folder, "cgroup.procs") for folder in delegated]}
        return subprocess.run([sys.executable, "-I", "-S", __file__, json.dumps(spec)], env=environment,
                              timeout=timeout, **keywords)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if delegated:
            from dlgrade.sandbox import cgroups
            assert not cgroups._remove(delegated), f"the delegated cgroups {delegated} could not be removed"


def rerun(nodeid, *, as_root=False, cgroup=False, timeout=900):
    """Run the pytest node `nodeid` in a fresh pytest as run() runs a command; AssertionError unless it passed."""
    with tempfile.TemporaryDirectory(prefix="dlgrade-tests-result-") as place:
        os.chmod(place, 0o777)  # the account writes its JUnit report here
        report = os.path.join(place, "junit.xml")
        done = run([sys.executable, "-m", "pytest", nodeid, "-q", "-n", "0", "-p", "no:cacheprovider",  # one node
                    "--junitxml", report],
                   as_root=as_root, cgroup=cgroup, timeout=timeout)
        said = f"{nodeid} as {'root' if as_root else 'uid %d' % normal_id()[0]}:\n{done.stdout[-6000:]}{done.stderr}"
        assert os.path.exists(report), said
        cases = list(ET.parse(report).getroot().iter("testcase"))
    assert len(cases) == 1 and not any(len(case) and case[0].tag in ("failure", "error", "skipped")
                                       for case in cases) and done.returncode == 0, said


def _interpreter_folders():
    """The folders of the interpreter and its libraries outside the system's own (/usr…), as the sandbox binds them."""
    from dlgrade.sandbox import isolation
    system = isolation._SYSTEM_TOPS
    return [f for f in isolation.view_roots() if not any(isolation._within(f, top) for top in system)]


def _blocked_ancestor(path):
    """The outermost folder above `path` that other accounts cannot enter (no o+x), or None."""
    parts = Path(path).parts
    for depth in range(1, len(parts)):
        folder = os.path.join(*parts[:depth])
        if not os.stat(folder).st_mode & 0o001:
            return folder, os.path.join(*parts[:depth + 1])
    return None


def _covers():
    """The folders to cover with a mode-755 tmpfs: the outermost unreachable one above each bound target."""
    found = {_blocked_ancestor(target)[0] for _, target in _binds() if _blocked_ancestor(target)}
    return sorted(f for f in found if not any(f != g and f.startswith(g.rstrip("/") + "/") for g in found))


def _binds():
    """(source, target) pairs: the interpreter's folders at their place (from the first one below an unreachable
    folder, e.g. /root/.pyenv), and the world-readable copy of the checkout over the checkout."""
    tops = set()
    for folder in _interpreter_folders():
        blocked = _blocked_ancestor(folder)
        tops.add(blocked[1] if blocked else folder)
    binds = [(top, top) for top in tops if not any(top != t and top.startswith(t.rstrip("/") + "/") for t in tops)]
    return sorted(binds, key=lambda pair: pair[1]) + [(_readable_copy(), str(ROOT))]


def _delegate_cgroup():
    """Folders of a new cgroup, one per hierarchy sandbox/cgroups.py uses, delegated to NORMAL_ID as systemd's
    Delegate=yes does (the folder and the files that move processes and enable controllers are the account's; the
    bounds set on it stay root's); [] where this process can make none (the test then says why it skips)."""
    from dlgrade.sandbox import cgroups
    controllers, _ = cgroups.find_or_reason()
    folders = []
    for hierarchy in controllers.hierarchies if controllers else ():
        folder = tempfile.mkdtemp(prefix="dlgrade-tests-delegated-", dir=hierarchy.folder)
        folders.append(folder)
        for name in ("", "cgroup.procs", "tasks", "cgroup.threads", "cgroup.subtree_control"):
            if os.path.exists(os.path.join(folder, name)):
                os.chown(os.path.join(folder, name), NORMAL_ID, NORMAL_ID)
    return folders


_copy = None


def _readable_copy():
    """A root-owned, world-readable copy of the checkout (once per process, removed at its exit)."""
    global _copy
    if _copy is None:
        place = tempfile.mkdtemp(prefix="dlgrade-tests-tree-", dir=_TMP)
        atexit.register(shutil.rmtree, place, True)
        os.chmod(place, 0o755)
        tree = os.path.join(place, "tree")
        shutil.copytree(ROOT, tree, ignore=_COPY_IGNORED, symlinks=True)
        subprocess.run(["chmod", "-R", "a+rX,go-w", tree], check=True)
        _copy = tree
    return _copy


# --- run as `python -I -S accounts.py SPEC` (as root): the namespace, then the command --------------------------

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x2, 0x4, 0x1000, 0x4000, 0x40000


def _mount(libc, source, target, fstype, flags, options=None):
    if libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), ctypes.c_ulong(flags),
                  options and options.encode()) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source} on {target}: {os.strerror(error)}")


def _enter(spec):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"unshare(CLONE_NEWNS): {os.strerror(error)}")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)  # nothing below reaches the host's mount table
    sources = [(os.open(source, os.O_PATH | os.O_DIRECTORY), target) for source, target in spec["binds"]]
    for folder in spec["covers"]:
        _mount(libc, "tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for fd, target in sources:
        os.makedirs(target, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
        os.close(fd)
    for procs in spec["join"]:  # the delegated cgroup, before anything runs as the account
        with open(procs, "w") as file:
            file.write(str(os.getpid()))
    if spec["id"] is not None:
        os.setgroups([])
        os.setresgid(spec["id"], spec["id"], spec["id"])
        os.setresuid(spec["id"], spec["id"], spec["id"])
    os.chdir(spec["cwd"])
    os.execvp(spec["argv"][0], spec["argv"])


if __name__ == "__main__":
    _enter(json.loads(sys.argv[1]))
