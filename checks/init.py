"""Checks of init (being written)."""
