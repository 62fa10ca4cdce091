"""Checks of net (being written)."""
