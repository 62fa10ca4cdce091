"""Checks of losses (being written)."""
