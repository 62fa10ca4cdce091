"""Keras 3 on the torch backend with float64 as floatx, set before keras is first imported.

Importing keras with torch takes ~10–25 s on a small machine: `--target keras` raises the profile's
import timeout for it (dlgrade.adapters.BUNDLED).
"""
import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

keras.config.set_floatx("float64")


def tensor(array, *, grad=False):
    """A torch tensor (the backend's) with the array's values and dtype."""
    return torch.tensor(np.array(array), requires_grad=grad)


def to_numpy(value):
    return keras.ops.convert_to_numpy(value).copy()
