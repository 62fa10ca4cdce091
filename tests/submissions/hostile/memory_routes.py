# Hold host memory by each route that a per-process address-space limit and a tmpfs size do not count.
# hold(route, mib) tries to hold `mib` MiB by that route until the call returns, and returns the MiB it held.
import ctypes
import fcntl
import os
import signal
import socket

_KEPT = []  # what holds the memory: open descriptors, children
_CHUNK = 2**20


def hold(route, mib):
    held = _ROUTES[route](mib)
    return float(held)


def _memory_files(mib):
    held = 0
    try:
        for _ in range(mib // 16):
            fd = os.memfd_create("hold")
            _KEPT.append(fd)
            for _ in range(16):
                os.write(fd, b"x" * _CHUNK)
                held += 1
    except OSError:
        pass
    return held


def _shared_memory(mib):
    """System V segments of 16 MiB: attached, touched, detached; they stay until removed (or the namespace ends)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    libc.shmdt.argtypes = (ctypes.c_void_p,)
    held, size = 0, 16 * _CHUNK
    for _ in range(mib // 16):
        segment = libc.shmget(0, ctypes.c_size_t(size), 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
        if segment < 0:
            break
        address = libc.shmat(segment, None, 0)
        if address in (None, ctypes.c_void_p(-1).value):
            break
        ctypes.memset(address, 1, size)
        libc.shmdt(ctypes.c_void_p(address))
        held += 16
    return held


def _fill(descriptor_pairs, writer):
    held = 0
    for pair in descriptor_pairs:
        while True:
            try:
                held += writer(pair)
            except (BlockingIOError, OSError):
                break
    return held


def _over_children(mib, make):
    """Children that each fill buffers nobody reads (made by `make`), and stay; the parent counts what they held."""
    per_child = max(1, mib // 8)
    read, write = os.pipe()
    for _ in range(8):
        pid = os.fork()
        if pid == 0:
            _stay(write, make, per_child)
        _KEPT.append(pid)
    os.close(write)
    total = 0
    with os.fdopen(read) as counts:
        for line in counts:
            total += int(line) // _CHUNK
    return total


def _stay(channel, make, amount):
    """A child: make what it holds, tell the parent how many bytes, and stay until killed."""
    try:
        os.write(channel, f"{make(amount)}\n".encode())
        os.close(channel)
        while True:
            signal.pause()
    finally:
        os._exit(0)


def _buffers(mib):
    """Pipes (a user's pipe pages are capped, so) then socket pairs, filled and never read, over 8 children."""
    def make(budget):
        held = 0
        for opened, writer, most in ((_pipe, lambda fd: os.write(fd, b"x" * 65536), 48),
                                     (_socket, lambda s: s.send(b"x" * 65536), 100)):
            for _ in range(most):  # within the open-files limit, for both
                if held >= budget * _CHUNK:
                    break
                try:
                    end = opened()
                except OSError:
                    break
                held += _fill([end], writer)
        return held
    return _over_children(mib, make)


def _pipe():
    read, write = os.pipe()
    _KEPT.append(read)
    try:
        fcntl.fcntl(write, 1031, _CHUNK)  # F_SETPIPE_SZ
    except OSError:
        pass
    os.set_blocking(write, False)
    return write


def _socket():
    left, right = socket.socketpair()
    _KEPT.append(right)
    left.setblocking(False)
    return left


def _children(mib):
    """Four children, each touching a quarter: each far under the per-process address-space limit."""
    read, write = os.pipe()
    quarter = mib // 4
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            _stay(write, lambda n: _CHUNK * len([bytearray(b"x" * _CHUNK) for _ in range(n)]), quarter)
        _KEPT.append(pid)
    os.close(write)
    with os.fdopen(read) as counts:
        return sum(int(line) for line in counts) // _CHUNK


def _empty_files(count):
    """`count` empty files in /tmp: inodes and dentries, in no tmpfs size. Returns how many were made."""
    os.makedirs("/tmp/many", exist_ok=True)
    made = 0
    try:
        for i in range(count):
            os.close(os.open(f"/tmp/many/{i}", os.O_CREAT | os.O_WRONLY, 0o600))
            made += 1
    except OSError:
        pass
    return made


_ROUTES = {"memory_files": _memory_files, "shared_memory": _shared_memory, "buffers": _buffers,
           "children": _children, "empty_files": _empty_files}
