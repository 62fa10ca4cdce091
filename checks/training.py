"""Checks of training (being written)."""
