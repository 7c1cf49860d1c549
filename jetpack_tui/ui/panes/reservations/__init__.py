"""Reservations pane: who reserved which paths, and where they collide."""

from .pane import ReservationsPane

__all__ = ["ReservationsPane"]
