"""Every tolerance the checks use, in one table: |got − expected| ≤ atol + rtol·|expected|.

Rows are what a check compares; columns are the precision the submission computes in (the
profile's `dtype`: float64 for students, float32 for adapters of float32 libraries). The
base is torch.testing's defaults (float64: rtol 1e-7, atol 1e-7; float32: rtol 1.3e-6,
atol 1e-5). A row that widens them says why. Checks name a row; they never carry a literal.

Under a column other than float64, a comparison with the oracle does not use its row's column: its
tolerance is computed, entry by entry, from the formula itself (checks.engine.rounding.rounding_tolerance:
ROUNDING_SAFETY × the first-order bound of that dtype's rounding error that reference.error_bounds follows
through the oracle, on top of the row's float64 tolerance). The float32 column stays for what has no oracle
to follow: relations between two of the submission's own outputs, finite differences, plain-NumPy oracles.
"""
from dataclasses import dataclass

DTYPES = ("float64", "float32")
# h of the grader's central differences of a forward computed in each precision, as the "finite_difference" row
# assumes: rounding u·|f|/h (u = 1.1e-16, 6e-8) and truncation h²·|f'''|/6 both stay below its tolerance.
DIFFERENCE_STEPS = {"float64": 1e-6, "float32": 1e-2}
DIFFERENCE_STEP = DIFFERENCE_STEPS["float64"]
STEP_RATIO = 10.0        # the second step of a two-step comparison, when the estimate at the first disagrees
FALSE_ALARM_RATE = 1e-6  # α of every statistical test: a correct submission fails one with this probability
STATISTICS_SEED = 20_240_601  # base of the fixed seeds of statistical checks (plus the grading seed)
# × the first-order rounding bound of the formula (reference.error_bounds): the bound is a worst case to first
# order; the factor covers the second-order terms and an elementary function's last-ulp error beyond u.
ROUNDING_SAFETY = 2.0


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def describe(self):
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


@dataclass(frozen=True)
class Row:
    float64: Tolerance
    float32: Tolerance
    why: str


TOLERANCES = {
    "float64": Row(Tolerance(1e-7, 1e-7), Tolerance(1.3e-6, 1e-5), "torch.testing's defaults: rounding only"),
    "adaptive": Row(
        Tolerance(1e-6, 1e-8), Tolerance(1e-5, 1e-5),
        "adaptive optimizers divide by √r + ε; where r ≈ ε² the quotient amplifies rounding, so rtol is 10× "
        "the default while atol stays tight enough to tell where ε sits (float32: w − η·step rounds to a few "
        "ulp(|w| ≤ 10) ≈ 1e-6 when the two nearly cancel, and where ε sits still moves the step by ≫ 1e-5)"),
    "normalization": Row(
        Tolerance(1e-6, 1e-7), Tolerance(1e-2, 1e-3),
        "x̂ = (x − μ)/√(σ² + ε) cancels in x − μ and amplifies by 1/σ; two correct orders of summation differ "
        "by ~1e-9 relative (float64) on inputs with σ ≪ |μ|; in float32 μ itself rounds by 6e-8·|μ|, which "
        "|μ|/σ up to 2e4 (offset 100, spread 5e-3) amplifies to ~1e-3 relative in x̂ and dx"),
    "large_offset": Row(
        Tolerance(1e-6, 1e-6), Tolerance(1e-1, 1e-1),
        "x = c + δ·noise with |c|/δ up to 1e6: two-pass statistics keep x̂ to ε·|c|/δ ≈ 1e-10 in float64, while "
        "the one-pass E[x²] − E[x]² loses ε·c²/σ² ≈ 1e-4; in float32 μ rounds by ε₃₂·|c| ≈ 6e-4 ≫ δ·1e-2, "
        "so the float32 column is the formula's own rounding bound (× ROUNDING_SAFETY), this row where none is"
        " followed"),
    "relative": Row(
        Tolerance(1e-6, 0), Tolerance(1e-3, 0),
        "values as small as 1e-304 (a confident, correct logit's loss e^(−z)): only a relative bound tells a loss "
        "computed to full precision from one rounded to 0; float64 log1p keeps ~1e-16 relative; float32 underflows "
        "past z ≈ 87, where the float32 column's rounding bound (its underflow term) compares what float32 holds"),
    "finite_difference": Row(
        Tolerance(1e-5, 1e-6), Tolerance(1e-2, 1e-3),
        f"a central difference with h = {DIFFERENCE_STEPS['float64']:g} has truncation O(h²)·f''' and rounding "
        "O(ε_mach·|f|/h): ≈ 1e-10·|f| in float64, ≈ 1e-1·|f| in float32, where only gross errors can be told apart"),
    "gradient_check": Row(
        Tolerance(1e-8, 1e-8), Tolerance(1e-3, 1e-3),
        "the student's central difference on a quadratic is exact up to rounding ε_mach·|f|/h ≈ 1e-10 (float64)"),
    "exercise": Row(Tolerance(0, 5e-7), Tolerance(0, 5e-7), "the textbook prints the worked exercise to 6 decimals"),
    "exact": Row(Tolerance(0, 0), Tolerance(0, 0), "integer results (counts, indices) must be equal"),
    "statistic": Row(Tolerance(0, 0), Tolerance(0, 0),
                     f"random outputs are judged by hypothesis tests at α = {FALSE_ALARM_RATE:g}, with fixed seeds"),
}


def tolerance(name, dtype="float64"):
    return getattr(TOLERANCES[name], dtype)
