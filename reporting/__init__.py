"""Reports of a grading run: the terminal, Markdown, JSON, JUnit XML, one HTML page and Gradescope's
results.json; the class report of a batch (classreport.py).

Every writer takes the runner's Report (results with status, score, summary, details, replay)
and knows nothing of how checks are computed.
"""
if "." not in __name__:  # this folder imported by its bare name (not dlgrade.X) would load it twice
    raise ImportError(f"import dlgrade.reporting, not {__name__}: this folder is the subpackage dlgrade.reporting")
from .formats import FORMATS, gradescope, gradescope_not_graded, render

__all__ = ["FORMATS", "gradescope", "gradescope_not_graded", "render"]
