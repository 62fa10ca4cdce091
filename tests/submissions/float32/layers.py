"""The oracle's layers in float32 (see _float32.py)."""
from ._float32 import export
from ._oracle import layers as _oracle

globals().update(export(_oracle))
