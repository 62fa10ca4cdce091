"""Checks of schedules.py: learning-rate schedules, scalars in and a scalar out.

Each schedule agrees with the oracle over generated (lr0, rate, epoch) and never rises with
the epoch for decay rates in range; step decay is constant within each window of epochs_drop
epochs and drops by drop_rate exactly at the multiples. A Python float, a numpy scalar or a
0-d array are all accepted as the returned value.
"""
import numpy as np
from hypothesis import strategies as st

from dlgrade.reference import schedules as oracle

from ..engine.mistakes import rows
from ..engine.registry import check
from ..engine.strategies import floats

# --- named mistakes and documented variants: oracle keywords that reproduce a form ------------

MISTAKES = [
    *rows("schedules.step_decay",
          ("no_floor", "uses epoch/epochs_drop without rounding down: the rate must drop in steps",
           {"floor": False})),
    *rows("schedules.inverse_sqrt_decay",
          ("no_sqrt", "divides by epoch instead of √epoch", {"sqrt": False})),
]

MONOTONE_EPOCHS = 12

# Arguments after lr0, by schedule: decay rates in range and epochs (inverse_sqrt_decay at epoch ≥ 1).
# lr0 ≥ 0.1 and mild decay keep every rate well above the float64 row's atol.
_LR0 = floats(0.1, 10.0)
ARGUMENTS = {
    "time_based_decay": {"decay_rate": floats(0.0, 1.0), "epoch": st.integers(0, 200)},
    "step_decay": {"drop_rate": floats(0.1, 1.0), "epochs_drop": st.integers(1, 20), "epoch": st.integers(0, 200)},
    "exponential_decay": {"k": floats(0.0, 0.1), "t": st.integers(0, 50) | floats(0.0, 50.0)},
    "power_decay": {"d": floats(0.5, 1.0), "epoch": st.integers(0, 50)},
    "inverse_sqrt_decay": {"d": floats(0.0, 2.0), "epoch": st.integers(1, 1000)},
}
EPOCH = {"exponential_decay": "t"}
TEXTBOOK = {
    "time_based_decay": [{"lr0": 0.1, "decay_rate": 0.01, "epoch": 10}],
    "step_decay": [{"lr0": 0.1, "drop_rate": 0.5, "epochs_drop": 10, "epoch": e} for e in (0, 9, 10, 25)],
    "exponential_decay": [{"lr0": 0.1, "k": 0.1, "t": 10}],
    "power_decay": [{"lr0": 0.1, "d": 0.9, "epoch": 10}],
    "inverse_sqrt_decay": [{"lr0": 0.1, "d": 1.0, "epoch": e} for e in (1, 4, 10)],
}


def cases(name):
    drawn = st.fixed_dictionaries({"lr0": _LR0, **ARGUMENTS[name]})
    return drawn.map(lambda case: {key: case[key] for key in ("lr0", *ARGUMENTS[name])})


def positional(name, case):
    """The arguments in the spec's order."""
    return [case[key] for key in ("lr0", *ARGUMENTS[name])]


def rate(ctx, name, case):
    return ctx.call(f"schedules.{name}", *positional(name, case))


def scalar_rate(ctx, name, case):
    """The rate as a float; fails unless the submission returned a finite real scalar."""
    value = rate(ctx, name, case)
    real = not isinstance(value, (str, dict, tuple, list)) and np.ndim(value) == 0 \
        and np.asarray(value).dtype.kind in "biuf"
    if not (real and np.isfinite(value)):
        ctx.fail(f"schedules.{name} should return a finite real scalar; it returned {value!r:.80}", inputs=case)
    return float(value)


def _register(name):
    epoch = EPOCH.get(name, "epoch")
    first = "epoch ≥ 1" if name == "inverse_sqrt_decay" else "epoch ≥ 0"

    @check(f"schedules.{name}", "oracle", title="agrees with the oracle", points=2,
           doc=f"the rate equals the spec's formula over generated lr0, decay rates and {first}")
    def agrees(ctx):
        def body(case):
            ctx.expect(rate(ctx, name, case), lambda **m: getattr(oracle, name)(*positional(name, case), **m),
                       inputs=case, label="rate")
        ctx.falsify(cases(name), body, examples=TEXTBOOK[name])

    @check(f"schedules.{name}", "monotone", title="never rises with the epoch", points=1, kind="metamorphic",
           examples=0.5, doc=f"for decay rates in range, the rate at {epoch} + 1 is at most the rate at {epoch}")
    def monotone(ctx):
        def body(case):
            start = case[epoch]
            previous = scalar_rate(ctx, name, case)
            for e in range(start + 1, start + MONOTONE_EPOCHS):
                current = scalar_rate(ctx, name, dict(case, **{epoch: e}))
                if not current <= previous * (1 + ctx.tol.rtol):
                    ctx.fail(f"the rate rises from {previous:.10g} at {epoch} {e - 1} to "
                             f"{current:.10g} at {epoch} {e}", inputs=dict(case, **{epoch: e}))
                previous = current
        ctx.falsify(cases(name).map(lambda case: dict(case, **{epoch: int(case[epoch])})), body)


for _name in ARGUMENTS:
    _register(_name)


@check("schedules.step_decay", "step_windows", title="constant within a window, drops at multiples of epochs_drop",
       points=1, kind="metamorphic",
       doc="the rate is the same for epochs k·E … (k+1)·E − 1 and is multiplied by drop_rate at (k+1)·E")
def step_windows(ctx):
    windows = st.fixed_dictionaries({"lr0": _LR0, "drop_rate": floats(0.1, 0.9), "epochs_drop": st.integers(1, 6),
                                     "window": st.integers(0, 5)})

    def body(case):
        start, size = case["window"] * case["epochs_drop"], case["epochs_drop"]

        def at(epoch):
            return {"lr0": case["lr0"], "drop_rate": case["drop_rate"], "epochs_drop": size, "epoch": epoch}

        at_start = scalar_rate(ctx, "step_decay", at(start))
        for e in range(start + 1, start + size):
            ctx.expect(rate(ctx, "step_decay", at(e)), at_start, inputs=at(e), label=f"as at epoch {start}, the rate")
        end = start + size
        ctx.expect(rate(ctx, "step_decay", at(end)), case["drop_rate"] * at_start, inputs=at(end),
                   label=f"drop_rate × the rate at epoch {start}, the rate")

    ctx.falsify(windows, body, examples=[{"lr0": 0.1, "drop_rate": 0.5, "epochs_drop": 3, "window": 1}])
