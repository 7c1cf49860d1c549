"""Reservations pane: active reservations by path with type, holder, task,
age and expiry; conflicts highlighted and grouped (C1, C2…) at the top;
filters by agent and path; expired and released ones on request (``x``).

Actions (hidden and refused read-only): release (``r``) and force-release
(``F``, the holder is told by mail), both confirmed and refused when the
reservation changed since the operator saw it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ...safe_text import clean
from ...timefmt import ago
from ...widgets.confirm import ConfirmScreen
from ...widgets.detail_drawer import DetailDrawer
from ..base import FetchRequest, Pane
from ..kit.actions import refuse_read_only, run_write
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from . import actions
from .columns import ReservationRow, ReservationTable, render_row
from .data import Conflicts, ReservationsLoaded, ReservationsView, fetch_reservations, ordered_rows
from .detail import render_reservation

WRITE_ACTIONS = {"release", "force_release"}


class ReservationsPane(Pane):
    PANE_ID = "reservations"
    TITLE = "Reservations"
    KEY = "5"
    TABLES = frozenset({"file_reservations", "agents"})

    BINDINGS = [
        Binding("slash", "focus_filter('path')", "Path filter", show=False, id="reservations.filter_path"),
        Binding("a", "focus_filter('agent')", "Agent filter", id="reservations.filter_agent"),
        Binding("c", "toggle_conflicts", "Conflicts only", id="reservations.conflicts_only"),
        Binding("x", "toggle_expired", "Expired too", show=False, id="reservations.show_expired"),
        Binding("r", "release", "Release", id="reservations.release"),
        Binding("F", "force_release", "Force-release", id="reservations.force_release"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = ReservationsView()
        self.rows: list[Any] = []
        self.conflicts = Conflicts()
        self.holders: dict[str, Any] = {}
        self.truncated = False
        self.now = 0.0

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-header"):
            yield Static(Text("Reservations", style="bold"), classes="pane-title")
            yield Static(Text(""), id="reservations-summary", classes="pane-summary")
        with Horizontal(classes="pane-filters"):
            yield Label("path")
            yield Input(placeholder="/ part of a path", id="reservations-path", compact=True)
            yield Label("agent")
            yield Input(placeholder="agent id", id="reservations-agent", compact=True)
        with Vertical(classes="pane-body -stacked"):
            yield ReservationTable(lambda row, now: render_row(row, now, Palette(self.app)), id="reservations-table")
            yield DetailDrawer(id="reservations-drawer", classes="pane-drawer")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> ReservationsView:
        return replace(self.view, selected=self.table.selected_id)

    def fetch(self, dl: Any, request: FetchRequest) -> Iterable[ReservationsLoaded]:
        return fetch_reservations(dl, request)

    @while_running
    def tick(self, now: float) -> None:
        self.now = now
        self._show()  # ages, countdowns and holders' liveness move with time

    def selected_key(self) -> str | None:
        return self.table.selected_id

    def jump_to(self, key: str) -> bool:
        return self.table.select(key)

    def apply_filter(self, **filters: Any) -> bool:
        """``conflicts=True`` (the Overview's jump), ``agent=``, ``path=``, ``expired=``."""
        self.view = ReservationsView(agent=str(filters.get("agent", "")), path=str(filters.get("path", "")),
                                     show_expired=bool(filters.get("expired", False)),
                                     conflicts_only=bool(filters.get("conflicts", False)))
        self.query_one("#reservations-agent", Input).value = self.view.agent
        self.query_one("#reservations-path", Input).value = self.view.path
        self.view_changed()
        return True

    def focus_main(self) -> None:
        self.table.focus()

    @property
    def table(self) -> ReservationTable:
        return self.query_one(ReservationTable)

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_reservations_loaded(self, message: ReservationsLoaded) -> None:
        message.stop()
        if not self.current(message):
            return
        if message.rows is not None:
            self.rows = message.rows
            self.truncated = message.truncated
            self.holders = {}
        if message.conflicts is not None:
            self.conflicts = message.conflicts
        self.holders.update(message.holders)
        self.now = self.jetpack.clock()
        self._show()
        self.mark_loaded()

    def _liveness(self, agent_id: str | None) -> str:
        agent = self.holders.get(agent_id or "")
        if agent is None:
            return "dead"
        return self.jetpack.settings.liveness.of(agent.last_heartbeat, agent.status, self.now)

    def _show(self) -> None:
        rows = [ReservationRow(r, self.conflicts.by_id[r.id].label if r.id in self.conflicts.by_id else "",
                               self._liveness(r.agent_id))
                for r in ordered_rows(self.rows, self.conflicts, self.view)]
        self.table.show(((row.id, row) for row in rows), self.now)
        groups = self.conflicts.groups
        summary = Text(f"{len(self.rows)} {'shown' if self.view.show_expired else 'active'}")
        if groups:
            summary.append(f" · {len(groups)} conflict group(s): "
                           + ", ".join(f"{g.label} ({len(g.ids)})" for g in groups), style=Palette(self.app)("bad"))
        else:
            summary.append(" · no conflicts")
        flags = [name for name, on in (("conflicts only", self.view.conflicts_only),
                                        ("with expired/released", self.view.show_expired),
                                        ("first rows only", self.truncated)) if on]
        if flags:
            summary.append(" · " + ", ".join(flags))
        self.query_one("#reservations-summary", Static).update(summary)
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.table.selected
        drawer = self.query_one(DetailDrawer)
        if row is None:
            drawer.show(Text("No reservation selected.", style="italic"))
            return
        holder = self.holders.get(row.reservation.agent_id or "")
        drawer.show(render_reservation(row, self.conflicts, holder, self.now), keep_scroll=True)

    def on_data_table_row_highlighted(self, event: ReservationTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    # -- filters -----------------------------------------------------------------
    def action_focus_filter(self, which: str) -> None:
        self.query_one(f"#reservations-{which}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip() if event.input.id == "reservations-agent" else event.value
        field = "agent" if event.input.id == "reservations-agent" else "path"
        self.view = replace(self.view, **{field: value})
        self.view_changed()
        self.table.focus()

    def action_toggle_conflicts(self) -> None:
        self.view = replace(self.view, conflicts_only=not self.view.conflicts_only)
        self._show()

    def action_toggle_expired(self) -> None:
        self.view = replace(self.view, show_expired=not self.view.show_expired)
        self.view_changed()

    # -- actions -----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.jetpack.read_only:
            return False
        return True

    def _selected(self, what: str) -> ReservationRow | None:
        if refuse_read_only(self.app, what):
            return None
        row = self.table.selected
        if row is None:
            self.app.notify(f"{what}: select a reservation first", severity="warning")
        elif row.reservation.state != "active":
            self.app.notify(f"{what}: {clean(row.id)} is {clean(row.reservation.state)}, not held", markup=False)
            return None
        return row

    def _describe(self, row: ReservationRow) -> str:
        r = row.reservation
        holder = f"{clean(r.agent_id or '?')} ({row.holder_liveness})"
        return (f"{clean(r.reservation_type)} {clean(r.file_path or '?')}\nheld by {holder} for task "
                f"{clean(r.task_id or '—')}, {ago(r.created_at, self.now) or '?'} old")

    def action_release(self) -> None:
        row = self._selected("release")
        if row is None:
            return
        seen, dl = row.reservation, self.jetpack.dl

        def confirmed(yes: bool | None) -> None:
            if yes:
                run_write(self, "release", seen.id, seen, lambda: actions.release(dl, seen))

        self.app.push_screen(ConfirmScreen("Release this reservation?", Text(self._describe(row)), yes="Release"),
                             confirmed)

    def action_force_release(self) -> None:
        row = self._selected("force-release")
        if row is None:
            return
        seen, dl, operator = row.reservation, self.jetpack.dl, self.jetpack.operator
        reason = f"stale: holder {seen.agent_id} was {row.holder_liveness} when {operator} looked"
        body = Text(self._describe(row) + f"\n\nThe holder is told by mail (operator.force_release).\nReason: {reason}")

        def confirmed(yes: bool | None) -> None:
            if yes:
                run_write(self, "force-release", seen.id, seen,
                          lambda: actions.force_release(dl, operator, seen, reason))

        self.app.push_screen(ConfirmScreen("Force-release this reservation?", body, yes="Force-release", danger=True),
                             confirmed)
