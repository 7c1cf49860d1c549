"""Tasks pane (stub while the board is being built)."""

from __future__ import annotations

from typing import Any

from ..counts import CountsPane


class TasksPane(CountsPane):
    PANE_ID = "tasks"
    TITLE = "Tasks"
    KEY = "2"
    TABLES = frozenset({"tasks"})

    def read_counts(self, dl: Any) -> dict[str, Any]:
        return dl.tasks.counts_by_status()
