"""Mail pane (placeholder: message count once ``dl.messages.count`` exists)."""

from __future__ import annotations

from typing import Any

from .counts import CountsPane, optional_count


class MailPane(CountsPane):
    PANE_ID = "mail"
    TITLE = "Mail"
    KEY = "4"
    TABLES = frozenset({"messages"})
    NOTE = "Placeholder: threads and messages come later."

    def read_counts(self, dl: Any) -> dict[str, Any]:
        return {"messages": optional_count(dl.messages)}
