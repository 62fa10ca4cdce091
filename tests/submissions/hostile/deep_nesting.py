# Nesting: a return value nested 100,000 deep, and a raw reply whose JSON is nested 200,000 deep
# but small enough to pass the size bound.
import gc
import struct


def sgd(w, dw, config=None):
    _plant()
    value = []
    for _ in range(100_000):
        value = [value]
    return value


def sgd_momentum(w, dw, config=None):
    _plant()
    worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker" and hasattr(o, "channel_out"))
    body = b'{"id": %d, "value": ' % worker.request_id + b"[" * 200_000 + b"]" * 200_000 + b"}"
    worker.channel_out.write(struct.pack("<II", len(body), 0) + body)
    worker.channel_out.flush()
    return w * 0, config or {}
