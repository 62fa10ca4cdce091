"""numpy-ml 0.1.2, its last release (2020), imports collections.Hashable, which Python 3.10 removed:
the alias is restored (to collections.abc.Hashable, the same class) before numpy_ml is imported."""
import collections
import collections.abc
import warnings

collections.Hashable = collections.abc.Hashable

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # numpy-ml warns that optional dependencies are absent
    from numpy_ml.neural_nets import activations, layers, losses, optimizers  # noqa: E402, F401
    from numpy_ml.neural_nets.wrappers import wrappers  # noqa: E402, F401
