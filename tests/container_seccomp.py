"""Run a command as in a container with Docker's default seccomp profile, as far as dlgrade's sandboxes care:

    python tests/container_seccomp.py COMMAND [ARG…]

The profile (moby/profiles/seccomp/default.json, for a container without CAP_SYS_ADMIN) refuses new
namespaces, mounts and setns with EPERM and answers clone3 with ENOSYS (so the C library falls back to
clone, whose flags a filter can read); it allows Landlock's system calls. Under it bubblewrap cannot start
and the grader must choose the Landlock tier by itself. Built with pyseccomp, as sandbox/seccomp.py.
"""
import errno
import os
import sys

import pyseccomp as libseccomp

REFUSED = ("unshare", "setns", "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsmount")
NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80


def container_filter():
    rules = libseccomp.SyscallFilter(libseccomp.ALLOW)
    for name in REFUSED:
        rules.add_rule(libseccomp.ERRNO(errno.EPERM), name)
    for bit in range(32):
        if NAMESPACE_FLAGS & (1 << bit):
            rules.add_rule(libseccomp.ERRNO(errno.EPERM), "clone", libseccomp.Arg(0, libseccomp.MASKED_EQ, 1 << bit,
                                                                                   1 << bit))
    rules.add_rule(libseccomp.ERRNO(errno.ENOSYS), "clone3")
    return rules


if __name__ == "__main__":
    container_filter().load()
    os.execvp(sys.argv[1], sys.argv[1:])
