"""Starts bubblewrap for a grader that runs as root, so that no process of the worker is root on the host.

Run by sandbox.client as `python -I -S launcher.py SPEC` (SPEC: JSON, see isolation.Bubblewrap.launch);
it uses the standard library only and ends by exec'ing bwrap, so the grader's child is bwrap itself.

1. A user namespace whose only uid and gid, 1000 inside, are the worker's unprivileged host id
   (isolation.WORKER_ID): made by a child that unshares it, mapped here (root may map any id),
   held as a file descriptor bwrap joins (`--userns FD`) and switches to (`--uid 1000`). bwrap's
   own user namespace would map the worker to the uid that starts bwrap: root.
2. A private mount namespace, invisible to the host, holding what the worker's uid could not reach
   or bwrap cannot make: each folder of the view bound under a staging tmpfs (an interpreter under
   /root, mode 700, stays readable through it), and the worker's /tmp and /dev/shm as tmpfs mounts
   with both a size and an inode bound (bwrap's --size sets no nr_inodes).
"""
import ctypes
import json
import os
import sys

CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
MS_NOSUID, MS_NODEV = 0x2, 0x4
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def mount(source, target, fstype, flags, options=None):
    _check(_libc.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), options.encode() if options else None), f"mount {target}")


def user_namespace(uid, gid, inside):
    """A file descriptor of a new user namespace mapping `inside` to uid:gid, and nothing else."""
    ready_read, ready_write = os.pipe()
    hold_read, hold_write = os.pipe()
    child = os.fork()
    if child == 0:  # single-threaded here: this process runs nothing but the launcher
        os.close(ready_read)
        os.close(hold_write)
        code = 0 if _libc.unshare(CLONE_NEWUSER) == 0 else 1
        os.write(ready_write, b"r")
        os.read(hold_read, 1)
        os._exit(code)
    os.close(ready_write)
    os.close(hold_read)
    try:
        os.read(ready_read, 1)
        for name, outside in (("uid_map", uid), ("gid_map", gid)):
            with open(f"/proc/{child}/{name}", "w") as file:
                file.write(f"{inside} {outside} 1\n")
        return os.open(f"/proc/{child}/ns/user", os.O_RDONLY)
    finally:
        os.close(hold_write)
        os.close(ready_read)
        os.waitpid(child, 0)


def private_mounts(spec):
    """The staging tree of the module's docstring, at spec['at'] (an empty folder of the grader's)."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here reaches the host's mount table
    at = spec["at"]
    mount("tmpfs", at, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=4096")
    for index, source in enumerate(spec["view"]):
        target = os.path.join(at, str(index))
        if os.path.isdir(source):
            os.mkdir(target)
        else:
            open(target, "w").close()
        mount(source, target, None, MS_BIND | MS_REC)
    for name, options in spec["tmpfs"].items():
        target = os.path.join(at, name)
        os.mkdir(target)
        mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)


def main():
    spec = json.loads(sys.argv[1])
    userns = user_namespace(spec["uid"], spec["gid"], spec["inside"])
    private_mounts(spec)
    os.set_inheritable(userns, True)
    argv = spec["argv"]
    os.execv(argv[0], [argv[0], "--userns", str(userns), *argv[1:]])


if __name__ == "__main__":
    main()
