# Write to the protocol pipe directly: a message that answers no request, a reply of the wrong
# form, and a callback the call never offered.
import gc
import struct


def _channel():
    worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker" and hasattr(o, "channel_out"))
    return worker, __import__("sys").modules["_dlgrade_protocol"]


def sgd(w, dw, config=None):
    _plant()
    worker, protocol = _channel()
    worker.channel_out.write(protocol.encode({"value": (w - 0.01 * dw, {"learning_rate": 0.01}), "id": -1}))
    worker.channel_out.flush()
    return w * 0, config or {}


def sgd_momentum(w, dw, config=None):
    _plant()
    worker, protocol = _channel()
    worker.channel_out.write(protocol.encode({"callback": [1, 2], "args": "x", "id": worker.request_id}))
    worker.channel_out.write(struct.pack("<II", 5, 0) + b"nope!")
    worker.channel_out.flush()
    return w * 0, config or {}
