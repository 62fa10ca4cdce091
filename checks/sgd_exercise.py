"""Checks of sgd_exercise (being written)."""
