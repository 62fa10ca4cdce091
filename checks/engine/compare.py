"""Compare what a submission returned with what was expected, and say where they differ."""
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_SHOWN = 24


def difference(got, expected, tol, label="result", *, nan_matches_nan=False):
    """None if got matches expected within tol, else a sentence saying where they differ.

    Structures recurse: tuples/lists by position, dicts by the expected keys (extra keys are
    the submission's business). Arrays must have the expected shape; values must satisfy
    |got − expected| ≤ atol + rtol·|expected|; infinities must match exactly. NaN never
    matches, except with nan_matches_nan (a mistake's form that yields NaN, as the submission did).
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{label}: expected a tuple of {len(expected)} values, got {_kind(got)}"
        if len(got) != len(expected):
            return f"{label}: expected {len(expected)} values, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            found = difference(g, e, _part(tol, i), f"{label}[{i}]" if label else f"value {i}",
                               nan_matches_nan=nan_matches_nan)
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{label}: expected a dict, got {_kind(got)}"
        for key, e in expected.items():
            if key not in got:
                return f"{label}: key {key!r} is missing"
            found = difference(got[key], e, _part(tol, key), f"{label}[{key!r}]" if label else str(key),
                               nan_matches_nan=nan_matches_nan)
            if found:
                return found
        return None
    if isinstance(expected, str) or expected is None:
        return None if got == expected else f"{label}: expected {expected!r}, got {_short(got)}"
    if isinstance(expected, bool):
        return None if type(got) in (bool, np.bool_) and got == expected else \
            f"{label}: expected {expected}, got {_short(got)}"
    return _array_difference(got, expected, tol, label, nan_matches_nan)


def informative(expected, inputs, tol):
    """expected holds a value that no trivial answer matches within tol, so agreeing with it shows a
    computation: an array of 2 entries or more that is not one value throughout (zeros, ones, a constant)
    nor an input array of its shape, or a number that is not a whole number (0, 1, a count) nor a number
    found in the inputs (an input handed back). Agreeing with the rest may be luck or an input returned."""
    tol = tol.fallback if isinstance(tol, EntryTolerance) else tol
    givens = _leaves(inputs)
    seen = np.concatenate([np.asarray(g, dtype=float).ravel() for g in givens]) if givens else np.zeros(0)
    for leaf in _leaves(expected):
        flat = np.asarray(leaf, dtype=float).ravel()
        if np.asarray(leaf).dtype.kind != "f" or flat.size == 0 or not np.all(np.isfinite(flat)):
            continue
        if flat.size == 1:
            value = flat[0]
            trivial = np.concatenate([[0.0, 1.0, np.round(value)], seen])
            if not np.any(np.isclose(trivial, value, rtol=tol.rtol, atol=tol.atol)):
                return True
            continue
        if difference(np.full_like(flat, flat[0]), flat, tol) is None:
            continue
        if any(np.shape(g) == np.shape(leaf) and difference(g, leaf, tol) is None for g in givens):
            continue
        return True
    return False


def _leaves(value):
    """The arrays and numbers inside value (dicts, tuples and lists searched; bools are not numbers)."""
    if isinstance(value, dict):
        return [a for v in value.values() for a in _leaves(v)]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _leaves(v)]
    if isinstance(value, (bool, np.bool_)):
        return []
    return [value] if isinstance(value, (np.ndarray, int, float, np.integer, np.floating)) else []


def _array_difference(got, expected, tol, label, nan_matches_nan):
    expected = np.asarray(expected)
    if got is None or isinstance(got, (str, dict, tuple, list)):
        return f"{label}: expected {_describe_array(expected)}, got {_kind(got)}"
    got = np.asarray(got)
    if got.dtype.kind not in "biuf":
        return f"{label}: expected real numbers, got dtype {got.dtype}"
    if got.shape != expected.shape:
        return f"{label}: expected shape {expected.shape}, got shape {got.shape}"
    g, e = got.astype(float), expected.astype(float)
    tol = tol.fallback if isinstance(tol, EntryTolerance) else tol
    if isinstance(tol, RoundingBound) and tol.atol.shape != e.shape:
        tol = tol.fallback
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~(np.isclose(g, e, rtol=tol.rtol, atol=tol.atol, equal_nan=nan_matches_nan) | (g == e))
    if not bad.any():
        return None
    count, index = int(bad.sum()), np.unravel_index(np.argmax(bad), bad.shape)
    where = f"[{', '.join(map(str, index))}]" if got.ndim else ""
    size = f" ({count} of {bad.size} entries differ)" if bad.size > 1 else ""
    note = ""
    if got.dtype != np.float64 and expected.dtype.kind == "f" and not isinstance(tol, RoundingBound):
        note = f"; your array is {got.dtype}, compute in float64"
    if not np.isfinite(g[index]) and np.isfinite(e[index]):
        note += "; got a non-finite value where a finite one was expected"
    return (f"{label}{where}: expected {_num(e[index])}, got {_num(g[index])}{size}"
            f" [tolerance {tol.describe(index) if isinstance(tol, RoundingBound) else tol.describe()}]{note}")


# --- tolerances from the computation: the oracle's rounding bound in the dtype under test --------------------


@dataclass(frozen=True)
class RoundingBound:
    """One output's tolerance entry by entry: |got − expected| ≤ atol, atol = safety × the first-order bound of
    the formula's rounding error in the dtype (reference.error_bounds) + the float64 tolerance (never tighter)."""
    atol: np.ndarray
    fallback: Any    # the table's tolerance, where the shapes disagree (the comparison says so itself)
    dtype: str
    safety: float
    rtol: float = 0.0

    def describe(self, index=()):
        return (f"atol={float(self.atol[index]):.3g} here: {self.safety:g} × the bound of {self.dtype} rounding "
                "in the formula + the float64 tolerance")


@dataclass(frozen=True)
class EntryTolerance:
    """A tolerance shaped like the expected value: a RoundingBound per array where the bound was followed, the
    table's tolerance (fallback) where it was not (a plain Python number, NumPy code outside the namespace)."""
    tree: Any
    fallback: Any

    def at(self, key):
        part = self.tree[key]
        if isinstance(part, (dict, tuple, list)):
            return EntryTolerance(part, self.fallback)
        return part


def _part(tol, key):
    if not isinstance(tol, EntryTolerance):
        return tol
    try:
        return tol.at(key)
    except (KeyError, IndexError, TypeError):
        return tol.fallback


def _num(x):
    return f"{float(x):.10g}"


def _kind(value):
    if isinstance(value, np.ndarray):
        return _describe_array(value)
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"{type(value).__name__} {_short(value)}"


def _describe_array(array):
    return "a scalar" if array.ndim == 0 else f"an array of shape {array.shape}"


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def like_expected(got, expected):
    """got, with dicts cut to the keys expected has (the rest is the submission's business): what is shown beside
    the expected value."""
    if isinstance(got, dict) and isinstance(expected, dict):
        return {k: like_expected(got[k], expected[k]) for k in expected if k in got}
    if isinstance(got, (tuple, list)) and isinstance(expected, (tuple, list)) and len(got) == len(expected):
        return type(got)(like_expected(g, e) for g, e in zip(got, expected))
    return got


def show(value):
    """A compact, exact-enough rendering of an input or output for feedback."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=8, separator=", ", threshold=MAX_SHOWN,
                               max_line_width=100, floatmode="maxprec")
        return text if value.ndim <= 1 or value.size <= MAX_SHOWN else f"{text}  (shape {value.shape})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(show(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.10g}"
    return repr(value)
