"""Shown when an operator action was refused because the row changed since
the operator saw it: what changed (seen → now).  Nothing was overwritten."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ..actions import diff_rows
from ..safe_text import cell, clean


def _shown(name: str, value: Any) -> Any:
    """Epoch columns (``*_at``) as UTC times; everything else as stored."""
    if name.endswith("_at") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return value


class ConflictScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", id="conflict.close")]

    def __init__(self, action: str, target: str, seen: Any, current: Any, reason: str) -> None:
        super().__init__()
        self.action = action
        self.target = target
        self.reason = reason
        self.changes = diff_rows(seen, current)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box -danger"):
            yield Static(Text(f"{self.action} refused: {clean(self.target)} changed since you saw it"),
                         classes="modal-title")
            yield Static(Text(clean(self.reason) + "\nNothing was changed. What is different now:"),
                         classes="modal-body")
            table: DataTable = DataTable(id="conflict-table", cursor_type="row")
            table.add_columns("field", "you saw", "now")
            for name, before, after in self.changes:
                table.add_row(Text(name), cell(_shown(name, before), limit=60), cell(_shown(name, after), limit=60))
            if not self.changes:
                table.add_row(Text("(no field differs)"), Text(""), Text(""))
            yield table
            yield Static(Text("esc: close", style="dim"))

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
