"""Overview pane (placeholder: counts of tasks by status and agents by liveness)."""

from __future__ import annotations

from typing import Any

from .counts import CountsPane


class OverviewPane(CountsPane):
    PANE_ID = "overview"
    TITLE = "Overview"
    KEY = "1"
    TABLES = frozenset({"tasks", "agents", "messages", "file_reservations", "memories"})
    NOTE = "Placeholder: the full overview comes later."

    def read_counts(self, dl: Any) -> dict[str, Any]:
        counts: dict[str, Any] = {f"tasks {k}": v for k, v in sorted(dl.tasks.counts_by_status().items())}
        counts.update({f"agents {k}": v for k, v in dl.agents.liveness_counts().items()})
        return counts
