"""Memory pane (placeholder: count once ``dl.memories.count`` exists)."""

from __future__ import annotations

from typing import Any

from .counts import CountsPane, optional_count


class MemoryPane(CountsPane):
    PANE_ID = "memory"
    TITLE = "Memory"
    KEY = "6"
    TABLES = frozenset({"memories"})
    NOTE = "Placeholder: memories and search come later."

    def read_counts(self, dl: Any) -> dict[str, Any]:
        return {"memories": optional_count(dl.memories)}
