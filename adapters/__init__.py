"""Adapters: third-party libraries presented as the spec's functions, graded like a submission.

`python grader.py adapters/torch --only optim` grades torch.optim against the oracle.
"""
