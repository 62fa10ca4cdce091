"""The worker's file system and IPC view in the second tier, through Landlock (landlockpy).

Landlock lets a process confine itself, and everything it starts, without privilege and without
namespaces, so it works in the containers (Docker's default seccomp profile) where bubblewrap cannot
start. The ruleset handles every file system right the kernel knows and allows back only:

    read (and execute)   the paths of isolation.worker_view() that are visible, the worker's two files,
                         the submission snapshot and a few devices (/dev/null, /dev/zero, /dev/urandom)
    read and write       the worker's scratch folder

A Landlock rule allows a whole hierarchy and cannot be undone below it, so a visible folder holding a
hidden path (site-packages holding dlgrade's files, or a package a course forbids) is allowed entry
by entry, leaving the hidden ones (and whatever links into them) out. With ABI >= 4 it refuses TCP
bind and connect; with ABI >= 6 the worker can signal and reach abstract UNIX sockets only within its
own domain; from ABI 1 it can trace no process outside it.

landlockpy (0BSD, no dependencies, ctypes over the three system calls) is the binding: it knows
every ABI up to 11 and drops what the running kernel lacks (best effort), where `landlock` stops
at ABI 5 (no network rights, no scopes) and `py-landlock` at ABI 7.
"""
import os

__all__ = ["DEVICES", "abi_version", "describe", "read_rules", "ruleset"]

DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
NETWORK_ABI = 4  # TCP bind and connect handled
SCOPE_ABI = 6    # signals and abstract UNIX sockets scoped to the domain


def abi_version():
    """The kernel's Landlock ABI, 0 where Landlock is missing, disabled, or refused (a seccomp filter)."""
    try:
        import landlockpy
        return landlockpy.abi_version()
    except (ImportError, OSError):
        return 0


def read_rules(view):
    """(readable, listed) from isolation.worker_view()'s (path, visible) pairs: each visible path is readable
    whole or, where a hidden path lies inside it, entry by entry; the folders split so are only listed
    (Python's import lists a folder before it opens a file in it). A listing right reaches every folder below,
    so the names in a hidden folder can be listed, never its files read."""
    hidden = [os.path.realpath(path) for path, visible in view if not visible]
    readable, listed = [], []
    for path, visible in view:
        if visible:
            _allow_around(path, hidden, readable, listed)
    return readable, listed


def _allow_around(path, hidden, readable, listed):
    real = os.path.realpath(path)
    if any(_within(real, h) for h in hidden):
        return
    inside = [h for h in hidden if _within(h, real)]
    if not inside:
        readable.append(path)
        return
    listed.append(path)
    with os.scandir(path) as entries:
        for entry in entries:
            _allow_around(entry.path, inside, readable, listed)


def _within(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def ruleset(read, write, listed=()):
    """A landlockpy Ruleset (not yet enforced) allowing `read` for reading and executing, `listed` for
    listing, `write` for everything but devices; the paths are opened now (by the caller's account,
    before it drops it)."""
    from landlockpy import AccessFS, AccessNet, Ruleset, Scope
    rules = Ruleset(handled_net=AccessNet.BIND_TCP | AccessNet.CONNECT_TCP,
                    scoped=Scope.SIGNAL | Scope.ABSTRACT_UNIX_SOCKET)
    reading = AccessFS.READ_FILE | AccessFS.READ_DIR | AccessFS.EXECUTE
    writing = reading | AccessFS.WRITE_FILE | AccessFS.TRUNCATE | AccessFS.MAKE_REG | AccessFS.MAKE_DIR | \
        AccessFS.REMOVE_FILE | AccessFS.REMOVE_DIR | AccessFS.REFER
    try:
        for path in read:
            rules.allow_path(path, reading if os.path.isdir(path) else reading & ~AccessFS.READ_DIR)
        for path in listed:
            rules.allow_path(path, AccessFS.READ_DIR)
        for path in write:
            rules.allow_path(path, writing)
    except BaseException:
        rules.close()
        raise
    return rules


def describe(abi):
    """What the kernel's Landlock ABI gives the worker, in words."""
    parts = [f"Landlock ABI {abi}: reads only the interpreter, its libraries and the submission, writes only "
             f"its scratch folder, traces no process outside its domain"]
    if abi >= NETWORK_ABI:
        parts.append("TCP bind and connect refused")
    if abi >= SCOPE_ABI:
        parts.append("signals and abstract UNIX sockets only within its domain")
    return "; ".join(parts)
