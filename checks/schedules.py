"""Checks of schedules (being written)."""
