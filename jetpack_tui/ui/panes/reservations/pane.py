"""Reservations pane: active reservations by path with type, holder, task,
age and expiry; conflicts highlighted and grouped (C1, C2…) at the top.

A :class:`~..table_pane.TablePane`: ``/`` filters by part of a path and
``@agent``; ``f`` cycles active / conflicts only / all (expired and released
too).  Actions (disabled and refused read-only): release (``r``) and
force-release (``R``, the holder is told by mail), both confirmed and
refused when the reservation changed since the operator saw it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from jetpack_tui.data.protocol import DataLayer

from ...conflicts import Conflicts, describe
from ...modals.confirm import ConfirmScreen
from ...safe_text import clean
from ...timefmt import ago, span
from ...widgets.detail_drawer import DetailDrawer
from ..base import FetchRequest
from ..kit.filters import split_agent
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from ..table_pane import TablePane
from . import actions
from .columns import ReservationRow, ReservationTable, render_row
from .data import QUICK_FILTERS, ReservationsLoaded, ReservationsView, fetch_reservations, ordered_rows
from .detail import render_reservation


class ReservationsPane(TablePane):
    PANE_ID = "reservations"
    TITLE = "Reservations"
    KEY = "5"
    TABLES = frozenset({"file_reservations", "agents"})
    TABLE = ReservationTable
    PARTS = (ReservationTable, DetailDrawer)
    WRITE_ACTIONS = frozenset({"release", "force_release"})
    QUICK_FILTERS = QUICK_FILTERS
    FILTER_HINT = "/ part of a path, @agent"

    BINDINGS = [
        Binding("r", "release", "Release", id="reservations.release"),
        Binding("R", "force_release", "Force-release", id="reservations.force_release"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = ReservationsView()
        self.rows: list[Any] = []
        self.conflicts = Conflicts()
        self.holders: dict[str, Any] = {}
        self.truncated = False

    def make_table(self) -> ReservationTable:
        return ReservationTable(lambda row, now: render_row(row, now, Palette(self.app)), id="reservations-table")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> ReservationsView:
        return replace(self.view, selected=self.table.selected_id)

    def fetch(self, dl: DataLayer, request: FetchRequest) -> Iterable[ReservationsLoaded]:
        return fetch_reservations(dl, request)

    @while_running
    def tick(self, now: float) -> None:
        self.now = now
        self._show()  # ages, countdowns and holders' liveness move with time

    def quick(self) -> str:
        return self.view.quick

    def filter_changed(self, text: str | None = None, quick: str | None = None) -> None:
        view = self.view
        if text is not None:
            path, agent = split_agent(text)
            view = replace(view, path=path, agent=agent)
        if quick is not None:
            view = replace(view, quick=quick if quick in QUICK_FILTERS else "active")
        if view == self.view:
            return
        reread = (view.path, view.agent, view.show_expired) != (self.view.path, self.view.agent, self.view.show_expired)
        self.view = view
        if reread:
            self.view_changed()
        else:
            self._show()

    def apply_filter(self, **filters: Any) -> bool:
        """``conflicts=True`` (the Overview's jump), ``agent=``, ``path=``, ``expired=``."""
        quick = "conflicts" if filters.get("conflicts") else "all" if filters.get("expired") else "active"
        agent = str(filters.get("agent", ""))
        self.filter_box.value = " ".join(p for p in (str(filters.get("path", "")), f"@{agent}" if agent else "") if p)
        self.filter_changed(text=self.filter_box.value, quick=quick)
        return True

    @property
    def table(self) -> ReservationTable:
        return self.query_one(ReservationTable)

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_reservations_loaded(self, message: ReservationsLoaded) -> None:
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
        self.settle_jump("reservation")
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
        summary = Text(f"{len(self.rows)} {'shown' if self.view.show_expired else 'active'} · ")
        summary.append(describe(self.conflicts), style=Palette(self.app)("bad") if groups else "")
        if groups:
            summary.append(": " + ", ".join(f"{g.label} ({len(g.ids)})" for g in groups))
        flags = [name for name, on in (("conflicts only", self.view.conflicts_only),
                                        ("with expired/released", self.view.show_expired),
                                        ("first rows only", self.truncated)) if on]
        if flags:
            summary.append(" · " + ", ".join(flags))
        self.set_summary(summary)
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.table.selected
        if row is None:
            self.drawer.show(Text("No reservation selected.", style="italic"))
            return
        holder = self.holders.get(row.reservation.agent_id or "")
        self.drawer.show(render_reservation(row, self.conflicts, holder, self.now), keep_scroll=True)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    # -- actions -----------------------------------------------------------------
    def _selected(self, what: str) -> ReservationRow | None:
        if self.jetpack.actions.refuse_read_only(what):
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

    def force_reason(self, row: ReservationRow) -> str:
        """Why, as the holder reads it in its mail: the holder's state as the operator saw it."""
        r, operator = row.reservation, self.jetpack.operator
        agent = self.holders.get(r.agent_id or "")
        beat = "never heartbeated" if agent is None or agent.last_heartbeat is None else \
            f"last heartbeat {span(max(0.0, self.now - agent.last_heartbeat))} ago"
        return f"force-released by {operator}; holder {r.agent_id} was {row.holder_liveness} ({beat})"

    def action_release(self) -> None:
        row = self._selected("release")
        if row is None:
            return
        seen, dl = row.reservation, self.jetpack.dl

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.jetpack.actions.write("release", seen, lambda: actions.release(dl, seen))

        self.app.push_screen(ConfirmScreen("Release this reservation?", Text(self._describe(row)), yes="Release"),
                             confirmed)

    def action_force_release(self) -> None:
        row = self._selected("force-release")
        if row is None:
            return
        seen, dl, operator = row.reservation, self.jetpack.dl, self.jetpack.operator
        reason = self.force_reason(row)
        body = Text(self._describe(row) + f"\n\nThe holder is told by mail (operator.force_release).\nReason: {reason}")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.jetpack.actions.write("force-release", seen,
                                           lambda: actions.force_release(dl, operator, seen, reason))

        self.app.push_screen(ConfirmScreen("Force-release this reservation?", body, yes="Force-release", danger=True),
                             confirmed)
