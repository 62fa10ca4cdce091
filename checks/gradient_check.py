"""Checks of gradient_check (being written)."""
