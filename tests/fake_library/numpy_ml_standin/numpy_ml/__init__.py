"""A stand-in for numpy-ml where it is not installed (tests/test_adapters.py): its Dropout wrapper as numpy-ml 0.1.2
behaves, backward bug included, and empty modules where the adapter imports the rest."""
