"""The main screen: status line, pane tabs, the panes, the footer — and the
refresher that feeds them.

Pane switching lives here (not on the App) so ``tab`` means "next pane" on
the dashboard while modal screens keep Textual's focus-next ``tab``.  The
screen ticks once a second: ages and countdowns move with time alone.

Time travel: the screen owns the time bar (:mod:`..widgets.time_bar`) and
moves the time-aware panes to its moment (:meth:`DashboardScreen.set_moment`,
:meth:`DashboardScreen.go_live`); the status line then says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.events import Key
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Tab, Tabs

from ..actions import refusal
from ..messages import Summary
from ..panes.base import Pane
from ..panes.registry import PANES
from ..refresh import Refresher
from ..timetravel import relative, stamp, summarise
from ..widgets.status_line import StatusLine, StatusState, liveness_counts
from ..widgets.time_bar import TimeBar

if TYPE_CHECKING:
    from ..app import JetpackApp


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

    @property
    def jetpack(self) -> "JetpackApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.jetpack
        yield StatusLine(id="status-line")
        yield Tabs(*[Tab(f"{p.KEY} {p.TITLE}", id=f"tab-{p.PANE_ID}") for p in PANES],
                   active=f"tab-{self.start_pane}", id="pane-tabs")
        yield TimeBar(id="time-bar")
        with ContentSwitcher(initial=f"pane-{self.start_pane}", id="panes"):
            for pane_class in PANES:
                yield pane_class()
        # The palette (ctrl+p, :) is listed by ``?``; its footer entry made busy panes overflow.
        yield Footer(show_command_palette=False)
        yield Refresher(app.dl, clock=app.clock, panes=lambda: self.panes, active=lambda: self.active_pane_id,
                        applied=self.update_status, page_size=app.settings.page_size,
                        poll_interval=app.settings.poll_interval, watch=app.watch)

    def on_mount(self) -> None:
        self.query_one("#pane-tabs", Tabs).can_focus = False
        self.time_bar.display = False
        self.active_pane.focus_main()
        self.set_interval(1.0, self._tick, name="tick")
        self.refresher.start()
        self.update_status()

    @property
    def refresher(self) -> Refresher:
        return self.query_one(Refresher)

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

    # -- time and the status line -------------------------------------------------
    def _tick(self) -> None:
        pane = self.live_pane()
        if pane is None or not self.app.is_running:
            return
        self.refresher.tick()
        pane.tick(self.jetpack.clock())
        if self.jetpack.time.past:
            self.time_bar.show_moment()  # "… ago" moves on
        self.update_status()

    def status_state(self) -> StatusState:
        app, r = self.jetpack, self.refresher
        now = app.clock()
        problem = r.problem
        good_at = problem[1] if problem else r.last_ok_at
        if app.time.past:
            return self._past_state(now)
        return StatusState(
            mode=app.dl.mode, location=app.dl.location or "?", read_only=app.read_only,
            paused=r.paused, source=r.kind, loading=r.last_ok_at is None and problem is None,
            since_change=None if r.last_change_at is None else now - r.last_change_at,
            data_age=None if good_at is None else now - good_at,
            error=problem[0] if problem else None, summary=r.summary,
            agents=liveness_counts(r.heartbeats, now, app.settings.liveness))

    def _past_state(self, now: float) -> StatusState:
        """The status line in the past: the moment, and the counts then."""
        app, moment, summary = self.jetpack, self.jetpack.time.moment, self.jetpack.time.summary
        known = summary is not None and summary.moment == moment
        agents = None
        if known and summary.agents:
            agents = {name: summary.agents.get(name, 0) for name in ("alive", "stale", "dead")}
        return StatusState(
            mode=app.dl.mode, location=app.dl.location or "?", read_only=app.read_only, source="audit log",
            loading=not known, past=f"{stamp(moment)} ({relative(moment, now)})",
            summary=Summary(tasks=summary.counts, at=moment) if known else None, agents=agents)

    def update_status(self) -> None:
        try:
            line = self.query_one("#status-line", StatusLine)
            state = self.status_state()
        except NoMatches:  # shutting down
            return
        line.show(state)

    # -- read-only or the past: the keys of operator actions say why nothing happens --------------
    def on_key(self, event: Key) -> None:
        """A key whose binding is disabled reaches the screen unhandled: when it
        is an operator action while the dashboard cannot write, say why."""
        active = self.active_bindings.get(event.key)
        reason = refusal(self.jetpack)
        if active is None or active.enabled or reason is None:
            return
        name = active.binding.action.split("(")[0]
        if name in getattr(active.node, "WRITE_ACTIONS", ()):
            event.stop()
            self.app.notify(f"{active.binding.description}: {reason}", severity="warning", markup=False)

    # -- time travel ---------------------------------------------------------------
    @property
    def time_bar(self) -> TimeBar:
        return self.query_one(TimeBar)

    def open_time_bar(self) -> None:
        """``t``: focus the time bar; opened at the latest audit event."""
        bar = self.time_bar
        if self.jetpack.time.past:
            bar.focus()
            return
        app = self.jetpack
        insight, now = app.insight, app.clock()

        def opened(latest: float | None) -> None:
            if latest is None:
                app.notify("the audit log is empty: there is no history to travel through", severity="warning",
                           markup=False)
                return
            bar.display = True
            bar.focus()
            self.set_moment(latest)

        app.actions.read(lambda: insight.step(now, -1), opened, what="time travel")

    def set_moment(self, moment: float) -> None:
        """Show the swarm as it was at ``moment``: the bar, the status line,
        the time-aware panes (each reads the past in its own worker)."""
        app = self.jetpack
        time = app.time
        if time.moment == moment:
            return
        time.moment = moment
        self._moved()
        states = time.states

        def summary():
            state = states.state(moment)
            event = f"after audit event #{state.event_id}" if state.event_id is not None else "before any audit event"
            return summarise(state, event)

        def known(result) -> None:
            if time.moment == moment:
                time.summary = result
                self.time_bar.show_moment()
                self.update_status()

        app.actions.read(summary, known, what="the past")

    def go_live(self) -> None:
        time = self.jetpack.time
        if time.moment is None:
            return
        time.moment, time.mark, time.summary = None, None, None
        self.time_bar.display = False
        self._moved()
        self.active_pane.focus_main()

    def _moved(self) -> None:
        for pane in self.panes:
            pane.moment_changed()
        self.time_bar.show_moment()
        self.set_class(self.jetpack.time.past, "-past")
        self.refresh_bindings()
        self.update_status()

    # -- panes -------------------------------------------------------------------
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
