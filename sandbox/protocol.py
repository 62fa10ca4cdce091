"""Wire format between the grader and its worker: plain data only, never pickles.

A message is a JSON header plus raw array buffers:
    u32 header length | u32 buffer count | header (UTF-8 JSON) | per buffer: u64 length | bytes

Values allowed on the wire: None, bool, int, float, str, list, tuple, dict with str keys,
numpy.ndarray of bool/int/uint/float/complex dtype, numpy scalars of those kinds, and three
markers the sandbox understands: Handle (an object kept in the worker), Callback (a function
that runs in the grader) and RngSeed (a numpy Generator built in the worker).

`decode` trusts nothing: it rebuilds every array with numpy.frombuffer from an allow-listed
dtype and a checked size, so whatever the worker sends, the grader holds only plain data. Each
buffer is named by one array at most and becomes that array without a copy, so the arrays of a
decoded message hold no more bytes than came on the wire, and the bounds a reader sets
(read_message) bound the decoded message too (see DECODED_PER_HEADER_BYTE).
This module imports only the standard library and NumPy: the worker loads it by file path.
"""
import enum
import json
import math
import re
import struct
import time
from dataclasses import dataclass

import numpy as np

MAX_MESSAGE_BYTES = 1 << 28
MAX_DEPTH = 64  # lists, tuples and dicts nested deeper are not plain data a formula returns
MIN_ARRAY_NODE = 16  # bytes of header an array or scalar takes at least: {"$scalar":0,"dtype":"<f8"}
READ_CHUNK = 1 << 20  # the most a reader returns at once (the client's deadline-aware reader)
DECODED_PER_HEADER_BYTE = 64  # the grader's bytes per byte of JSON header, parsed and decoded (~45 at worst,
                              # measured on CPython 3.11: lists nested in lists, one per two bytes)
_ARRAY_KINDS = frozenset("biufc")


class StrEnum(str, enum.Enum):
    """An enum of strings whose members read as their value in str(), f-strings and JSON: Python 3.11's
    enum.StrEnum, which 3.10 lacks."""

    def __str__(self):
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)


class ErrorKind(StrEnum):
    """What went wrong with a call into the submission: the one vocabulary of sandbox errors.

    A worker's reply names the first three as keys ({"missing": why}, …), a use of a forbidden package
    under "policy" ({"package", "use", "where"}), and any other failure of the call under "error"; the
    rest are the client's own findings.
    """
    MISSING = "missing"                  # no such module or function
    NOT_IMPLEMENTED = "not_implemented"  # the function raises NotImplementedError (a stub)
    BAD_RETURN = "bad_return"            # it returned something that is not plain data, or the wrong structure
    EXCEPTION = "exception"              # it raised
    IMPORT_ERROR = "import_error"        # its module could not be imported
    TIMEOUT = "timeout"                  # it did not answer within its deadline
    CRASH = "crash"                      # its process died or sent a malformed message
    DEPENDENCY = "dependency"            # a check also calls another function, which is missing
    POLICY = "policy"                    # it used a package the course's library policy forbids (a stand-in raised)
    ENVIRONMENT = "environment"          # it needs a package the grading environment lacks (or an unbuilt extension)

    @property
    def absent(self):
        """The function (or its module) is not there to grade: not a wrong answer."""
        return self in (ErrorKind.MISSING, ErrorKind.NOT_IMPLEMENTED, ErrorKind.IMPORT_ERROR, ErrorKind.DEPENDENCY)

    @property
    def hard(self):
        """The process hung or died: the input that caused it is reported as it was."""
        return self in (ErrorKind.TIMEOUT, ErrorKind.CRASH)


class ProtocolError(Exception):
    """A message that is not plain data of the allowed types."""


@dataclass(frozen=True)
class Handle:
    """An object that stays in the worker (a student's cache); the grader sees only its id."""
    id: int


@dataclass(frozen=True)
class Callback:
    """A grader-side function the student's code may call (e.g. the f of a gradient check)."""
    id: int


@dataclass(frozen=True)
class RngSeed:
    """Stands for numpy.random.default_rng(seed) on the worker's side."""
    seed: int


def _allowed_dtype(dtype):
    return dtype.kind in _ARRAY_KINDS and not dtype.hasobject and dtype.fields is None


def _encode(value, buffers, depth=0):
    kind = type(value)
    if depth > MAX_DEPTH:
        raise ProtocolError(f"a value nested deeper than {MAX_DEPTH} levels")
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**53 else {"$bigint": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [_encode(v, buffers, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [_encode(v, buffers, depth + 1) for v in value]}
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise ProtocolError("a dict with non-string keys")
        return {"$dict": {k: _encode(v, buffers, depth + 1) for k, v in value.items()}}
    if kind is np.ndarray:
        if not _allowed_dtype(value.dtype):
            raise ProtocolError(f"an array of dtype {value.dtype}")
        buffers.append(np.ascontiguousarray(value).tobytes())
        return {"$array": len(buffers) - 1, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        if not _allowed_dtype(value.dtype):
            raise ProtocolError(f"a numpy scalar of dtype {value.dtype}")
        buffers.append(np.asarray(value).tobytes())
        return {"$scalar": len(buffers) - 1, "dtype": value.dtype.str}
    if kind is Handle:
        return {"$handle": value.id}
    if kind is Callback:
        return {"$callback": value.id}
    if kind is RngSeed:
        return {"$rng": value.seed}
    raise ProtocolError(describe_type(value))


def describe_type(value):
    """`an object of type pkg.Name` (says when it only pretends to be an ndarray)."""
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, np.ndarray):
        return f"an instance of {name}, a subclass of numpy.ndarray (return a plain ndarray)"
    return f"an object of type {name}"


def encode(message):
    """Serialize a message (a dict) to bytes; raises ProtocolError for disallowed values."""
    buffers = []
    header = json.dumps(_encode(message, buffers), allow_nan=False).encode()
    parts = [struct.pack("<II", len(header), len(buffers)), header]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    return b"".join(parts)


class _Decoder:
    """Rebuilds one message's values. Each buffer may be named by one array or scalar only, so the arrays
    decoded hold no more bytes than the buffers that came on the wire (they are views of them, not copies);
    every CHECK_EVERY values the deadline (time.monotonic()) is checked, raising TimeoutError."""

    CHECK_EVERY = 4096

    def __init__(self, buffers, deadline):
        self.buffers, self.deadline = buffers, deadline
        self.named, self.values = set(), 0

    def value(self, node):
        self.values += 1
        if self.values % self.CHECK_EVERY == 0 and time.monotonic() > self.deadline:
            raise TimeoutError
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:  # rebuilt in place: the parsed JSON and the values are never both held whole
            for i, v in enumerate(node):
                node[i] = self.value(v)
            return node
        if type(node) is not dict or len(node) == 0:
            raise ProtocolError("malformed message")
        if "$tuple" in node:
            if type(node["$tuple"]) is not list:
                raise ProtocolError("malformed message")
            return tuple(self.value(node["$tuple"]))
        if "$dict" in node:
            return {str(k): self.value(v) for k, v in node["$dict"].items()}
        if "$array" in node or "$scalar" in node:
            return self.array(node)
        if "$bigint" in node:
            return int(node["$bigint"])
        if "$float" in node:
            return float(node["$float"])
        if "$handle" in node:
            return Handle(int(node["$handle"]))
        if "$callback" in node:
            return Callback(int(node["$callback"]))
        if "$rng" in node:
            return RngSeed(int(node["$rng"]))
        raise ProtocolError("malformed message")

    def array(self, node):
        dtype = np.dtype(str(node["dtype"]))
        if not _allowed_dtype(dtype):
            raise ProtocolError(f"an array of dtype {dtype}")
        index = int(node.get("$array", node.get("$scalar")))
        if index in self.named:
            raise ProtocolError("a buffer named by two arrays (each array sends its own)")
        self.named.add(index)
        raw = self.buffers[index]
        shape = () if "$scalar" in node else tuple(int(n) for n in node["shape"])
        if any(n < 0 for n in shape) or math.prod(shape) * dtype.itemsize != len(raw):
            raise ProtocolError("an array whose size does not match its shape")
        array = np.frombuffer(raw, dtype=dtype).reshape(shape)
        if "$scalar" in node:
            return array[()]
        return array if array.flags.writeable else array.copy()  # a bytes buffer (not off the wire) is read-only


def decode(header, buffers, deadline=math.inf):
    """Rebuild a message from its header bytes and buffers; raises ProtocolError, or TimeoutError once
    time.monotonic() passes deadline.

    The nesting is measured on the raw bytes before any JSON is parsed, so a deep message costs
    one linear scan, never a deep recursion."""
    deepest = 2 * MAX_DEPTH + 4  # each value level is at most two JSON levels ({"$tuple": [ …)
    # as deep as that takes as many opening brackets: most messages are cleared by counting them (fast)
    if header.count(b"[") + header.count(b"{") > deepest and nesting(header) > deepest:
        raise ProtocolError(f"a message nested deeper than {MAX_DEPTH} levels")
    try:
        return _Decoder(buffers, deadline).value(json.loads(header.decode()))
    except (ProtocolError, TimeoutError):
        raise
    except Exception as exc:  # any malformed input is the same protocol failure
        raise ProtocolError(f"malformed message ({type(exc).__name__})") from None


_ESCAPES, _STRINGS = re.compile(rb"\\.", re.DOTALL), re.compile(rb'"[^"]*"')
_OPEN, _CLOSE = b"[{", b"]}"


def nesting(header):
    """The deepest bracket nesting of a JSON text (its strings left out), in linear time over its bytes."""
    bare = _STRINGS.sub(b"", _ESCAPES.sub(b"", header)).translate(None, _NOT_BRACKETS)
    steps = np.where(np.isin(np.frombuffer(bare, dtype=np.uint8), np.frombuffer(_OPEN, np.uint8)), 1, -1)
    return int(np.cumsum(steps).max(initial=0))


_NOT_BRACKETS = bytes(b for b in range(256) if b not in _OPEN + _CLOSE)


def read_exact(read, n):
    """Read n bytes with read(k) -> bytes; raises EOFError when the stream ends first."""
    chunks, left = [], n
    while left:
        chunk = read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(read, max_header=MAX_MESSAGE_BYTES, max_buffers=MAX_MESSAGE_BYTES, deadline=math.inf):
    """Read one message with read(k) -> bytes (a file's read, or a deadline-aware reader).

    A header or buffers larger than the bounds are refused before they are read, and so are more buffers
    than the header could name (each takes at least MIN_ARRAY_NODE bytes of it). Each buffer is read into
    its own bytearray, which the array that names it (only one may) then uses as it is: the values decoded
    hold no more array bytes than max_buffers, and decoding stops at the deadline (TimeoutError)."""
    header_len, n_buffers = struct.unpack("<II", read_exact(read, 8))
    if header_len > max_header:
        raise ProtocolError(f"a message larger than this call can return ({header_len} bytes of header)")
    if n_buffers > header_len // MIN_ARRAY_NODE:
        raise ProtocolError(f"a message of {n_buffers} arrays in {header_len} bytes of header")
    header = read_exact(read, header_len)
    buffers, total = [], 0
    for _ in range(n_buffers):
        (size,) = struct.unpack("<Q", read_exact(read, 8))
        total += size
        if total > max_buffers:
            raise ProtocolError(f"a message larger than this call can return (over {max_buffers} bytes of arrays)")
        buffers.append(read_into(read, size))
    return decode(header, buffers, deadline)


def decoded_bound(max_header, max_buffers):
    """The most memory (bytes) that reading and decoding one message within these bounds takes: its arrays
    are its buffers (no copies), its other values DECODED_PER_HEADER_BYTE per byte of header at most, plus
    the read's one chunk in flight."""
    return max_buffers + DECODED_PER_HEADER_BYTE * max_header + READ_CHUNK


def read_into(read, n):
    """n bytes read with read(k) -> bytes into one bytearray (no second copy); EOFError when the stream ends."""
    data = bytearray(n)
    view, filled = memoryview(data), 0
    while filled < n:
        chunk = read(n - filled)
        if not chunk:
            raise EOFError
        view[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
    return data


def sizes(data):
    """(header bytes, total bytes) of an encoded message."""
    return struct.unpack("<I", data[:4])[0], len(data)
