"""The oracle's losses in float32 (see _float32.py)."""
from ._float32 import export
from ._oracle import losses as _oracle

globals().update(export(_oracle))
