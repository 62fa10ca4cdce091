"""The worker's seccomp filter: what a submission may not ask of the kernel, built with libseccomp.

The filter allows by default and denies what Docker's default profile denies to a container
without capabilities (moby/profiles/seccomp/default.json), so NumPy, torch and the like run as
they do in Docker, and the kernel surfaces containers keep closed stay closed:

    keys               keyctl, add_key, request_key
    debugging          ptrace, process_vm_readv/writev, kcmp, pidfd_getfd, process_madvise, perf_event_open
    kernel programs    bpf, userfaultfd, io_uring_setup/enter/register
    mounts             mount, umount2, pivot_root, move_mount, open_tree, fsopen, fsconfig, fsmount, fspick…
    namespaces         unshare, setns, clone with a CLONE_NEW* flag; clone3 fails with ENOSYS (as under
                       Docker) so the C library falls back to clone, whose flags the filter can read
    the machine        kexec, module loading, reboot, swapon/off, acct, the clock, syslog, quotactl, vhangup…
    handles            open_by_handle_at, name_to_handle_at
    the terminal       ioctl TIOCSTI (typing into the grader's terminal), TIOCLINUX
    personality        any but the personas Docker allows (Linux, its 32-bit and uname-2.6 variants); the
                       query (0xffffffff) is refused too, since libseccomp compares an argument once per rule
    core dumps         prctl(PR_SET_DUMPABLE, non-zero): the worker makes itself undumpable and stays so

Each denied call fails with EPERM (as the kernel answers a process without the capability), not a
kill: a library that probes a call (io_uring, perf events) falls back as it would in a container.
Only the native ABI passes: on x86-64 an i386 (int 0x80) or x32 call kills the process, since
the rules above are written for the native syscall numbers.

With deny_network, socket() of any family but AF_UNIX fails too (EAFNOSUPPORT, what a kernel
without that family answers); socketpair stays (AF_UNIX only).

Tier 2 (Landlock, no user namespaces) loads the same filter with `install` before it runs the
worker; bubblewrap reads it as BPF from a file descriptor (`--seccomp FD`, see `bpf_bytes`).
"""
import errno
import os
import tempfile

import pyseccomp as libseccomp

__all__ = ["DENIED", "worker_filter", "bpf_bytes", "export_bpf", "install", "probe"]

DENIED = (
    # keys, debugging, kernel programs
    "keyctl", "add_key", "request_key",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise",
    "perf_event_open", "bpf", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "fanotify_init", "lookup_dcookie",
    # mounts and namespaces
    "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "unshare", "setns",
    # the machine
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
    "query_module", "get_kernel_syms", "acct", "swapon", "swapoff", "reboot", "settimeofday", "stime",
    "clock_settime", "clock_adjtime", "adjtimex", "syslog", "quotactl", "quotactl_fd", "vhangup", "nfsservctl",
    "uselib", "ustat", "sysfs", "_sysctl", "iopl", "ioperm", "vm86", "vm86old",
    "mbind", "migrate_pages", "move_pages", "set_mempolicy",
    # handles
    "open_by_handle_at", "name_to_handle_at",
)
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000, "CLONE_NEWTIME": 0x00000080}
TERMINAL_IOCTLS = {"TIOCSTI": 0x5412, "TIOCLINUX": 0x541C}
PERSONALITY_BITS = 0x8 | 0x20000  # PER_LINUX32, UNAME26: with PER_LINUX (0) the personas Docker allows
PR_SET_DUMPABLE = 4
AF_UNIX = 1
_LOW_32_BITS = 0xFFFFFFFF  # ioctl's request and personality's persona are ints: the kernel reads 32 bits


def worker_filter(*, deny_network=False):
    """A libseccomp filter (pyseccomp.SyscallFilter, not yet loaded) for a worker: default allow, the
    calls of the module's docstring denied with EPERM."""
    denied = libseccomp.ERRNO(errno.EPERM)
    rules = libseccomp.SyscallFilter(libseccomp.ALLOW)
    rules.set_attr(libseccomp.Attr.ACT_BADARCH, libseccomp.KILL_PROCESS)
    for name in DENIED:
        _add(rules, denied, name)
    for flag in NAMESPACE_FLAGS.values():
        _add(rules, denied, "clone", libseccomp.Arg(0, libseccomp.MASKED_EQ, flag, flag))
    _add(rules, libseccomp.ERRNO(errno.ENOSYS), "clone3")
    for request in TERMINAL_IOCTLS.values():
        _add(rules, denied, "ioctl", libseccomp.Arg(1, libseccomp.MASKED_EQ, _LOW_32_BITS, request))
    for bit in range(32):  # one comparison per argument and rule: the other personas bit by bit
        if not (1 << bit) & PERSONALITY_BITS:
            _add(rules, denied, "personality", libseccomp.Arg(0, libseccomp.MASKED_EQ, 1 << bit, 1 << bit))
    _add(rules, denied, "personality", libseccomp.Arg(0, libseccomp.GT, _LOW_32_BITS))
    _add(rules, denied, "prctl", libseccomp.Arg(0, libseccomp.EQ, PR_SET_DUMPABLE),
         libseccomp.Arg(1, libseccomp.NE, 0))
    if deny_network:
        _add(rules, libseccomp.ERRNO(errno.EAFNOSUPPORT), "socket", libseccomp.Arg(0, libseccomp.NE, AF_UNIX))
    return rules


def _add(rules, action, name, *conditions):
    """One rule; a call this architecture does not have (umount, stime, vm86 on x86-64 …) is skipped."""
    if libseccomp.resolve_syscall(libseccomp.Arch.NATIVE, name) < 0:
        return
    rules.add_rule(action, name, *conditions)


def bpf_bytes(rules):
    """The filter as the BPF program the kernel loads (what bubblewrap's --seccomp FD reads)."""
    with tempfile.TemporaryFile() as file:
        export_bpf(rules, file.fileno())
        file.seek(0)
        return file.read()


def export_bpf(rules, fd):
    """Write the filter's BPF program to the file descriptor fd."""
    rules.export_bpf(_FileNumber(fd))


def install(rules):
    """Load the filter in this process (and what it starts); it sets no_new_privs first, which it needs."""
    rules.load()


class _FileNumber:
    """What pyseccomp's export_bpf takes: an object with fileno()."""

    def __init__(self, fd):
        self.fd = fd

    def fileno(self):
        return self.fd


def probe():
    """Whether this process runs under a seccomp filter: /proc/self/status's Seccomp field (2: a filter)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Seccomp:"):
                    return line.split()[1] == "2"
    except OSError:
        pass
    return False


if __name__ == "__main__":  # pragma: no cover - a look at the rules: python -m dlgrade.sandbox.seccomp
    worker_filter(deny_network=True).export_pfc(_FileNumber(os.dup(1)))
