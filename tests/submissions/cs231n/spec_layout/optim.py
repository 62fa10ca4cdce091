"""The cs231n/ code beside this folder, presented in the spec's layout by hand (tests/test_conventions.py)."""
from .cs231n.optim import adam, rmsprop, sgd, sgd_momentum  # noqa: F401
