"""The main screen: status line, pane tabs, the panes, the footer.

Pane switching lives here (not on the App) so ``tab`` means "next pane" on
the dashboard while modal screens keep Textual's focus-next ``tab``.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Tab, Tabs

from ..panes.base import Pane
from ..panes.registry import PANES
from ..widgets.status_line import StatusLine


def _pane_bindings() -> list[Binding]:
    bindings = [
        Binding("tab", "next_pane(1)", "Next pane", show=False, id="dashboard.next_pane"),
        Binding("shift+tab", "next_pane(-1)", "Previous pane", show=False, id="dashboard.previous_pane"),
    ]
    for pane in PANES:
        bindings.append(Binding(pane.KEY, f"show_pane('{pane.PANE_ID}')", pane.TITLE, show=False,
                                id=f"dashboard.pane_{pane.PANE_ID}"))
    return bindings


class DashboardScreen(Screen):
    BINDINGS = _pane_bindings()
    AUTO_FOCUS = None  # the active pane focuses its main widget on mount

    def __init__(self, start_pane: str = "tasks") -> None:
        super().__init__(id="dashboard")
        ids = [p.PANE_ID for p in PANES]
        self.start_pane = start_pane if start_pane in ids else ids[0]

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status-line")
        yield Tabs(*[Tab(f"{p.KEY} {p.TITLE}", id=f"tab-{p.PANE_ID}") for p in PANES],
                   active=f"tab-{self.start_pane}", id="pane-tabs")
        with ContentSwitcher(initial=f"pane-{self.start_pane}", id="panes"):
            for pane_class in PANES:
                yield pane_class()
        # The palette (ctrl+p, :) is listed by ``?``; its footer entry made busy panes overflow.
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#pane-tabs", Tabs).can_focus = False
        self.active_pane.focus_main()
        start = getattr(self.app, "start_live", None)
        if start is not None:
            start()

    @property
    def panes(self) -> list[Pane]:
        return list(self.query_one("#panes", ContentSwitcher).query_children(Pane))

    @property
    def active_pane_id(self) -> str:
        current = self.query_one("#panes", ContentSwitcher).current or f"pane-{self.start_pane}"
        return current.removeprefix("pane-")

    @property
    def active_pane(self) -> Pane:
        return self.query_one(f"#pane-{self.active_pane_id}", Pane)

    def live_pane(self) -> Pane | None:
        """The active pane, or None while the panes are being removed (shutdown)."""
        try:
            return self.active_pane
        except NoMatches:
            return None

    def action_show_pane(self, pane_id: str) -> None:
        switcher = self.query_one("#panes", ContentSwitcher)
        if switcher.current == f"pane-{pane_id}":
            return
        switcher.current = f"pane-{pane_id}"
        self.query_one("#pane-tabs", Tabs).active = f"tab-{pane_id}"
        pane = self.active_pane
        pane.focus_main()
        if pane.stale:
            pane.request_reload()

    def action_next_pane(self, step: int) -> None:
        ids = [p.PANE_ID for p in PANES]
        index = (ids.index(self.active_pane_id) + step) % len(ids)
        self.action_show_pane(ids[index])

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self.action_show_pane(event.tab.id.removeprefix("tab-"))
