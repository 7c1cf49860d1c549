"""``?``: the keys of the focused pane, the screen and the app.

Built from ``screen.active_bindings`` at the moment it opens, so it shows
the keys as remapped by the config; operator actions of a read-only
dashboard (disabled by ``check_action``) are listed as refused.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


def _owner(binding: ActiveBinding) -> tuple[int, str]:
    """(group, label): the pane's own keys first, then its widgets, the screen, the app."""
    node = binding.node
    if isinstance(node, App):
        return 3, "App"
    if isinstance(node, Screen):
        return 2, type(node).__name__.removesuffix("Screen") or "Screen"
    title = getattr(node, "TITLE", None)
    if isinstance(title, str) and title and getattr(node, "PANE_ID", None):
        return 0, title
    return 1, type(node).__name__.removeprefix("Task")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, bindings: dict[str, ActiveBinding], key_display: Callable[[Binding], str], *,
                 read_only: bool = False) -> None:
        super().__init__()
        self._listed = bindings
        self._show_key = key_display
        self._read_only = read_only

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(where, key, description, id) for every enabled binding, focused widget first."""
        seen: list[tuple[int, str, str, str, str]] = []
        for binding in self._listed.values():
            b = binding.binding
            description = b.description or b.action
            if not binding.enabled:
                if not self._read_only:
                    continue
                description += " (read-only: refused)"
            group, where = _owner(binding)
            seen.append((group, where, self._show_key(b), description, b.id or ""))
        seen.sort(key=lambda row: row[0])
        return [row[1:] for row in seen]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text("Keys (esc to close)", style="bold"), id="help-title")
            table: DataTable = DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("where", "key", "does", "binding id")
            for where, key, description, binding_id in self.rows():
                table.add_row(Text(where), Text(key), Text(description), Text(binding_id))
            yield table
