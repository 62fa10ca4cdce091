# A wrong, stateless Adam (every step as if it were the first: the m, v and t it is given are thrown away)
# that finds the batch of calls its worker is serving, in the worker's frames, and changes it. The test
# puts TRICK = "…" before this file (a whole optim.py, or a notebook's one cell):
#   none:    the same wrong Adam, no trick (the score to beat)
#   shorten: delete the calls after the first, so the reply holds 1 answer for n calls
#   pad:     add a copy of the first answer, so the reply holds n + 1 answers
#   repeat:  answer the last call but one with the first call's answer (one id twice, one missing)
#   reorder: reverse the answers
import sys

import numpy as np

DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def _serving():
    """The locals of the worker's op_call_batch frame: its request (the batch) and replies (its answers)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "op_call_batch":
        frame = frame.f_back
    return frame.f_locals if frame is not None else None


def _tamper():
    batch = _serving()
    if batch is None:
        return
    calls, replies = batch["request"]["calls"], batch["replies"]
    last = len(replies) == len(calls) - 1
    if TRICK == "shorten" and not replies:
        del calls[1:]
    elif TRICK == "pad" and last:
        replies.append(dict(replies[0]))
    elif TRICK == "repeat" and last and len(replies) > 1:
        replies[-1] = replies[0]
    elif TRICK == "reorder" and last:
        replies.reverse()


def adam(w, dw, config=None):
    _tamper()
    config = {**DEFAULTS, **{k: v for k, v in (config or {}).items() if k not in ("m", "v", "t")}}
    b1, b2 = config["beta1"], config["beta2"]
    m, v = (1 - b1) * dw, (1 - b2) * dw * dw
    next_w = w - config["learning_rate"] * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + config["epsilon"])
    return next_w, dict(config, m=m, v=v, t=1)
