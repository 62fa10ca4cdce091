"""dlgrade: property-based verification and grading of the formulas of deep learning.

One import namespace for the whole suite:

    dlgrade.reference   the oracle (every function of the spec, float64)
    dlgrade.checks      the engine, the course policy and the checks of each area
    dlgrade.sandbox     runs a submission in an isolated worker; knows no formula
    dlgrade.reporting   text, Markdown, JSON, JUnit and Gradescope reports
    dlgrade.adapters    third-party libraries presented as the spec's functions
    dlgrade.cli         the command line (`grader.py`, the `dlgrade` console script)

Each subpackage is a top-level folder of the repository (the design card's layout), linked here by a
symbolic link (dlgrade/checks -> ../checks): one import path, `dlgrade.checks`, that static tools
(type checkers, IDEs) resolve from a checkout as from an install, where the wheel holds real files.
Importing a folder under its bare name (`import checks`) fails, saying to import `dlgrade.checks`.
"""

__version__ = "0.2.0"
