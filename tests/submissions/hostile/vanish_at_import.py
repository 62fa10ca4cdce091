# While the grader waits for the module to import: the worker vanishes (HOST["unsolicited"] false), or
# it sends a message nobody asked for (a callback with a dict for its id) and then carries on.
import gc
import os

if HOST.get("unsolicited"):
    _worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker" and hasattr(o, "channel_out"))
    _worker.channel_out.write(__import__("sys").modules["_dlgrade_protocol"].encode(
        {"callback": {"a": 1}, "args": [], "id": _worker.request_id}))
    _worker.channel_out.flush()
else:
    os._exit(0)
