"""The oracle's sgd_exercise in float32 (see _float32.py)."""
from ._float32 import export
from ._oracle import sgd_exercise as _oracle

globals().update(export(_oracle))
