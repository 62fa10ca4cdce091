"""The oracle's net in float32 (see _float32.py)."""
from ._float32 import export
from ._oracle import net as _oracle

globals().update(export(_oracle))
