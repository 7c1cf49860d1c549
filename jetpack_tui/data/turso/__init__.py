"""Turso mode of the DataLayer (being built)."""
