"""Reports of a grading run: the terminal, Markdown, JSON, JUnit XML, one HTML page and Gradescope's
results.json; the class report of a batch (classreport.py).

Every writer takes the runner's Report (results with status, score, summary, details, replay)
and knows nothing of how checks are computed.
"""
from .formats import FORMATS, gradescope, render

__all__ = ["FORMATS", "gradescope", "render"]
