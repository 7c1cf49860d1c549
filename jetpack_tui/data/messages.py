"""``dl.messages`` (placeholder until agent mail lands)."""

from __future__ import annotations

from .context import StoreContext


class Messages:
    def __init__(self, ctx: StoreContext) -> None:
        self._engine = ctx.engine
