"""The oracle: every function of the student API (docs/STUDENT_API.md) in float64.

The spec-facing modules (`optim`, `layers`, …) parse configs and keep state; the numerics
live once in `reference._core`, written against the array namespace of their inputs
(array-api-compat), so NumPy arrays give NumPy results and CuPy arrays CuPy results.
Documented variants and named mistakes are keyword-only parameters of one oracle function.
"""
if "." not in __name__:  # this folder imported by its bare name (not dlgrade.X) would load it twice
    raise ImportError(f"import dlgrade.reference, not {__name__}: this folder is the subpackage dlgrade.reference")
