"""``dl.reservations`` (placeholder until file reservations land)."""

from __future__ import annotations

from .context import StoreContext


class Reservations:
    def __init__(self, ctx: StoreContext) -> None:
        self._engine = ctx.engine
