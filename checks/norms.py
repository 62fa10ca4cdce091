"""Checks of norms (being written)."""
