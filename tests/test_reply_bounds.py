"""Replies bounded after decoding, not only on the wire (issue 14, item 6).

Each buffer of a message becomes at most one array, without a copy, so what a reply costs the grader decoded
is bounded by what the reader allowed on the wire: protocol.decoded_bound(max_header, max_buffers). The
tests measure that with tracemalloc (every shape of hostile header, at its bound) and, end to end, with
the grader's peak RSS (resource.getrusage) in a subprocess that receives tests/submissions/hostile/
amplified_reply.py's 33 MB reply: one 32 MiB buffer named by 100 arrays.
"""
import io
import json
import struct
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from dlgrade.sandbox import protocol
from tests.grading import ROOT

MAX_HEADER = 256 * 2**10
MAX_BUFFERS = 4 * 2**20


def message(header, buffers=()):
    parts = [struct.pack("<II", len(header), len(buffers)), header]
    for buffer in buffers:
        parts += [struct.pack("<Q", len(buffer)), buffer]
    return b"".join(parts)


def filled(unit, size=MAX_HEADER):
    """A reply whose value is a list of as many `unit`s as fit in `size` bytes of header."""
    head, tail = b'{"$dict":{"id":1,"value":[', b"0]}}"
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def scalars(size=MAX_HEADER):
    """As many one-byte scalars as fit, each with its own buffer."""
    nodes, used = [], 30
    while used + 40 < size:
        nodes.append(b'{"$scalar":%d,"dtype":"|u1"}' % len(nodes))
        used += len(nodes[-1]) + 1
    header = b'{"$dict":{"id":1,"value":[' + b",".join(nodes) + b"]}}"
    return header, [b"\x01"] * len(nodes)


def keys(size=MAX_HEADER):
    """A dict of as many short keys as fit."""
    pairs, used = [], 40
    while used + 12 < size:
        pairs.append(b'"%x":0' % len(pairs))
        used += len(pairs[-1]) + 1
    return b'{"$dict":{"id":1,"value":{"$dict":{' + b",".join(pairs) + b"}}}}"


HEADERS = {
    "empty lists": filled(b"[],"), "lists in lists": filled(b"[[]],"),
    "deep lists": filled(b"[" * 30 + b"]" * 30 + b","),
    "lists of strings": filled(b'[""],'), "dicts": filled(b'{"$dict":{}},'), "tuples": filled(b'{"$tuple":[]},'),
    "floats": filled(b"0.5,"), "ints": filled(b"7,"), "handles": filled(b'{"$handle":1},'),
    "generators": filled(b'{"$rng":1},'),
    "keys": keys(),
}


def peak_of_reading(data, max_header=MAX_HEADER, max_buffers=MAX_BUFFERS):
    """(the message or the ProtocolError, the most bytes traced while reading and decoding it)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        try:
            stream = io.BytesIO(data)  # read as the grader reads a pipe: at most READ_CHUNK bytes at once
            value = protocol.read_message(lambda n: stream.read(min(n, protocol.READ_CHUNK)), max_header, max_buffers)
        except protocol.ProtocolError as exc:
            value = exc
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return value, peak


@pytest.mark.parametrize("shape", HEADERS)
def test_a_header_at_its_bound_decodes_within_the_stated_bound(shape):
    header = HEADERS[shape]
    assert MAX_HEADER - 64 <= len(header) <= MAX_HEADER
    value, peak = peak_of_reading(message(header))
    assert isinstance(value, dict), value
    assert peak <= protocol.decoded_bound(MAX_HEADER, 0), f"{peak / len(header):.0f} bytes per header byte"


def test_arrays_at_their_bound_decode_within_the_stated_bound():
    header, buffers = scalars()
    arrays, left = 4, MAX_BUFFERS - len(buffers)
    length = left // arrays // 8
    nodes = [{"$array": len(buffers) + k, "dtype": "<f8", "shape": [length]} for k in range(arrays)]
    header = header.replace(b"]}}", b"," + json.dumps(nodes).encode()[1:-1] + b"]}}")
    buffers = buffers + [bytes(8 * length)] * arrays
    value, peak = peak_of_reading(message(header, buffers), max_header=len(header))
    assert isinstance(value, dict) and value["value"][-1].shape == (length,), value
    assert peak <= protocol.decoded_bound(len(header), MAX_BUFFERS)


def test_decoded_arrays_are_writable_and_their_own():
    data = protocol.encode({"value": [np.arange(6.0).reshape(2, 3), np.float32(2.5)]})
    first, second = protocol.read_message(io.BytesIO(data).read)["value"]
    first[0, 0] = 7.0  # a check may edit what it got
    assert first.tolist() == [[7.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and second == np.float32(2.5)


def test_a_buffer_named_twice_is_refused_before_it_is_copied():
    node = {"$array": 0, "dtype": "<f8", "shape": [2**20]}
    header = json.dumps({"$dict": {"id": 1, "value": [node] * 100}}).encode()
    value, peak = peak_of_reading(message(header, [bytes(8 * 2**20)]), max_buffers=8 * 2**20)
    assert isinstance(value, protocol.ProtocolError) and "named by two arrays" in str(value)
    assert peak < 2 * 8 * 2**20  # the buffer, not 100 copies of it


def test_more_buffers_than_the_header_can_name_are_refused_before_they_are_read():
    header = b'{"$dict":{"id":1,"value":0}}'
    data = struct.pack("<II", len(header), 2**32 - 1) + header  # 4 billion empty buffers would follow
    value, peak = peak_of_reading(data)
    assert isinstance(value, protocol.ProtocolError) and "arrays in" in str(value)


def test_decoding_stops_at_the_deadline():
    with pytest.raises(TimeoutError):
        protocol.decode(HEADERS["empty lists"], [], deadline=0.0)


GRADER = """
import json, resource, sys
import numpy as np
from dlgrade.sandbox import IsolationUnavailable, Sandbox, SandboxError, client, protocol, resolve

submission = resolve(sys.argv[1])
try:
    box = Sandbox(submission, call_timeout=60.0, import_timeout=60.0)
except IsolationUnavailable:
    box = Sandbox(submission, call_timeout=60.0, import_timeout=60.0, trusted=True)
with box:
    box.functions("optim")
    args = (np.zeros(3), np.ones(3), {})
    request = protocol.encode({"op": "call", "module": "optim", "function": "sgd", "args": list(args), "kwargs": {},
                               "keep": [], "return_args": False, "id": 10**6})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        box.call("optim", "sgd", args)
        said = "answered"
    except SandboxError as exc:
        said = f"{exc.kind}: {exc}"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"grew": after - before, "bound": protocol.decoded_bound(*client.reply_bounds(request)),
                  "said": said}))
"""


def test_the_graders_peak_memory_stays_within_the_bound_under_an_amplified_reply(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "optim.py").write_text((ROOT / "tests/submissions/hostile/amplified_reply.py").read_text())
    run = subprocess.run([sys.executable, "-c", GRADER, str(folder)], capture_output=True, text=True, cwd=ROOT,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["said"].startswith("crash") and "named by two arrays" in seen["said"], seen
    assert seen["grew"] <= seen["bound"], f"grew by {seen['grew'] >> 20} MiB, bound {seen['bound'] >> 20} MiB"
