"""Reusable widgets and modal screens of the dashboard, one per module."""
