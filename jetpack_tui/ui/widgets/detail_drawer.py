"""The detail drawer: the selected row in full, beside the table.

It shows a :class:`rich.text.Text` built by the pane (through
:mod:`jetpack_tui.ui.safe_text`, capped at 64 KB per value), scrolls when
focused, and keeps the last content while new detail loads.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static


class DetailDrawer(VerticalScroll, can_focus=True):
    def compose(self) -> ComposeResult:
        yield Static(Text("Select a row to see its detail.", style="italic"), classes="drawer-body")

    _content: Text | None = None

    def show(self, content: Text, *, keep_scroll: bool = False) -> None:
        """Show ``content``; nothing happens when it is what is shown already
        (a repaint and relayout of a long detail costs tens of milliseconds)."""
        if self._content is not None and content == self._content:
            return
        self._content = content
        y = self.scroll_y
        self.query_one(".drawer-body", Static).update(content)
        if keep_scroll:
            self.call_after_refresh(self.scroll_to, y=y, animate=False)
        else:
            self.scroll_home(animate=False)
