"""``dl.memories`` (placeholder until memories land)."""

from __future__ import annotations

from .context import StoreContext


class Memories:
    def __init__(self, ctx: StoreContext, *, embedder=None) -> None:
        self._engine = ctx.engine
