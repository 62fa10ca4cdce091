"""Checks of layers (being written)."""
