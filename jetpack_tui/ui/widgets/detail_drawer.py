"""The detail drawer: the selected row in full, under the table.

It shows a :class:`rich.text.Text` built by the pane (through
:mod:`jetpack_tui.ui.safe_text`, capped at 64 KB per value) and keeps the
last content while new detail loads.  ``enter`` on the table goes into it;
then ``j``/``k``, arrows, page keys, ``g``/``G`` scroll it and ``esc``
goes back to the table (the pane handles ``esc``).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static


class DetailDrawer(VerticalScroll, can_focus=True):
    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="drawer.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="drawer.up"),
        Binding("g", "scroll_home", "Top", show=False, id="drawer.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="drawer.bottom"),
    ]

    _content: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a row to see its detail.", style="italic"), classes="drawer-body")

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
