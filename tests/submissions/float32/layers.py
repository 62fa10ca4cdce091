"""The oracle's layers in float32 (see _float32.py), with the normalizations written by hand (_norms.py)."""
from . import _norms
from ._float32 import export, in_float32
from ._oracle import layers as _oracle

globals().update(export(_oracle))
globals().update({name: in_float32(getattr(_norms, name)) for name in _norms.NAMES})
