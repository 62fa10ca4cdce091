"""The oracle's optim in float32 (see _float32.py)."""
from ._float32 import export
from ._oracle import optim as _oracle

globals().update(export(_oracle))
