import torch  # noqa: F401  (stray imports of coursework: never used)
import torch.nn as nn  # noqa: F401
import torch.nn.functional as F  # noqa: F401
from torch.optim import Adam  # noqa: F401
