"""The oracle's init in float32 (see _float32.py)."""
from ._float32 import export
from ._oracle import init as _oracle

globals().update(export(_oracle))
