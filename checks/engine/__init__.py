"""Runs any check and knows no formula: the registry, a check's context, comparisons, strategies, the runner."""
