"""One module per area of the spec: its checks and its named mistakes (see checks/__init__.py)."""
from ..engine.spec import declare_modules

# The spec's modules in its order (STUDENT_API.md): every report and listing follows it.
declare_modules(("optim", "schedules", "layers", "losses", "init", "gradient_check", "sgd_exercise", "training", "net"))
