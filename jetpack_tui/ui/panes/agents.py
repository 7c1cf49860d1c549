"""Agents pane (placeholder: agents by liveness)."""

from __future__ import annotations

from typing import Any

from .counts import CountsPane


class AgentsPane(CountsPane):
    PANE_ID = "agents"
    TITLE = "Agents"
    KEY = "3"
    TABLES = frozenset({"agents"})
    NOTE = "Placeholder: the agent table comes later."

    def read_counts(self, dl: Any) -> dict[str, Any]:
        return dict(dl.agents.liveness_counts())
