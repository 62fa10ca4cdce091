"""dlgrade: property-based verification and grading of the formulas of deep learning.

One import namespace for the whole suite:

    dlgrade.reference   the oracle (every function of the spec, float64)
    dlgrade.checks      the engine, the course policy and the checks of each area
    dlgrade.sandbox     runs a submission in an isolated worker; knows no formula
    dlgrade.reporting   text, Markdown, JSON, JUnit and Gradescope reports
    dlgrade.adapters    third-party libraries presented as the spec's functions
    dlgrade.cli         the command line (`grader.py`, the `dlgrade` console script)

In a source checkout these packages are the repository's top-level folders; an install maps
them under this package (pyproject.toml), so no generic top-level name is put on a user's path.
"""
import os

__version__ = "0.2.0"

_here = os.path.dirname(os.path.abspath(__file__))
if not os.path.isdir(os.path.join(_here, "checks")):
    __path__.append(os.path.dirname(_here))  # a source checkout: the subpackages are the folders beside this one
