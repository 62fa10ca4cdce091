# Find a place to write outside the scratch: every folder of the view (a new file) and every file (opened for
# appending, nothing written), /proc, /tmp and /dev/shm aside.
import json
import os

SCRATCH = ("/tmp", "/dev/shm", "/proc")


_FOUND = []  # the attack runs once; every check of sgd is told the same


def sgd(w, dw, config=None):
    _plant()
    if _FOUND:
        raise RuntimeError(_FOUND[0])
    writable, seen = [], 0
    for folder, folders, files in os.walk("/"):
        folders[:] = [f for f in folders if os.path.join(folder, f) not in SCRATCH]
        seen += 1
        probe = os.path.join(folder, ".dlgrade-probe")
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
            os.unlink(probe)
            writable.append(folder)
        except OSError:
            pass
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path) or path.startswith("/dev/"):
                continue  # /dev/null and the like are devices, written by design
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
                writable.append(path)
            except OSError:
                pass
    _FOUND.append("writable: " + json.dumps({"folders_seen": seen, "writable": writable[:50]}))
    raise RuntimeError(_FOUND[0])
