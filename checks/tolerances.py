"""Every tolerance the checks use, in one table: |got − expected| ≤ atol + rtol·|expected|.

The base is torch.testing's float64 default (rtol 1e-7, atol 1e-7). A row that widens it
says why. Checks name a row; they never carry a literal tolerance.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float
    why: str

    def describe(self):
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


TOLERANCES = {
    "float64": Tolerance(1e-7, 1e-7, "torch.testing's float64 default: rounding only"),
    "float32": Tolerance(1.3e-6, 1e-5, "torch.testing's float32 default (adapters of float32 libraries)"),
    "adaptive": Tolerance(
        1e-6, 1e-8,
        "adaptive optimizers divide by √r + ε; where r ≈ ε² the quotient amplifies rounding, "
        "so rtol is 10× the float64 default while atol stays tight enough to tell ε's placement"),
    "normalization": Tolerance(
        1e-6, 1e-7,
        "x̂ = (x − μ)/√(σ² + ε) cancels in x − μ and amplifies by 1/σ; two correct orders of "
        "summation differ by ~1e-9 relative on inputs with σ ≪ |μ|"),
    "finite_difference": Tolerance(
        1e-5, 1e-6,
        "a central difference with h = 1e-6 has truncation O(h²)·f''' and rounding O(ε_mach·|f|/h) "
        "≈ 1e-10·|f|; the gap to 1e-5 covers inputs of magnitude up to 10"),
    "gradient_check": Tolerance(
        1e-8, 1e-8,
        "the student's central difference on a quadratic is exact up to rounding ε_mach·|f|/h ≈ 1e-10"),
    "exercise": Tolerance(0, 5e-7, "the textbook prints the worked exercise to 6 decimals"),
    "statistic": Tolerance(0, 0, "statistical checks use hypothesis tests at alpha (see checks.stats)"),
    "exact": Tolerance(0, 0, "integer results (counts, indices) must be equal"),
}


def tolerance(name):
    return TOLERANCES[name]
