"""Reservations pane (placeholder: count once ``dl.reservations.count`` exists)."""

from __future__ import annotations

from typing import Any

from .counts import CountsPane, optional_count


class ReservationsPane(CountsPane):
    PANE_ID = "reservations"
    TITLE = "Reservations"
    KEY = "5"
    TABLES = frozenset({"file_reservations", "leases"})
    NOTE = "Placeholder: file reservations and leases come later."

    def read_counts(self, dl: Any) -> dict[str, Any]:
        return {"reservations": optional_count(dl.reservations)}
