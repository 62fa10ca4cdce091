"""One module per area of the spec: its checks and its named mistakes (see checks/__init__.py)."""
from dlgrade.reference import error_bounds

from ..engine.spec import declare_modules, declare_rounding

# The spec's modules in its order (STUDENT_API.md): every report and listing follows it.
declare_modules(("optim", "schedules", "layers", "losses", "init", "gradient_check", "sgd_exercise", "training", "net"))

# Under a column other than float64, the tolerance of a comparison with the oracle is its own rounding bound.
declare_rounding(lambda compute, dtype: error_bounds.split(error_bounds.evaluate(compute, dtype)))
