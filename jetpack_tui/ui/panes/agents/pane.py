"""Agents pane: liveness, skills, what each agent works on now, heartbeat age
coloured by liveness, and what each agent holds (tasks, reservations, leases).

A :class:`~..table_pane.TablePane`: ``/`` searches ids, skills and held
tasks, ``f`` cycles all / alive / stale / dead, ``enter`` opens the agent
(its tasks, leases, reservations and mail).  Actions (disabled and refused
read-only): release everything a dead agent holds (``r``), deregister
(``D``), both confirmed and refused when the agent heartbeated or
re-registered since the operator saw it; write to it (``m``).

Time travel (``t``): at a moment in the past it shows each agent's liveness
and the tasks it owned then (:mod:`.past`); actions refuse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from jetpack_tui.data.protocol import DataLayer

from ...modals.agent_view import AgentScreen
from ...modals.compose import ComposeScreen, deliver
from ...modals.confirm import ConfirmScreen
from ...safe_text import clean
from ...timefmt import span
from ...widgets.detail_drawer import DetailDrawer
from ..base import FetchRequest
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from ..table_pane import TablePane
from . import actions
from .columns import AgentTable, render_row
from .data import (LIVENESS_FILTERS, AgentRow, AgentsLoaded, AgentsView, Holdings, fetch_agents, make_row, matches,
                   reported_note)
from .detail import render_agent
from .past import AgentsThenLoaded, fetch_agents_past


class AgentsPane(TablePane):
    PANE_ID = "agents"
    TITLE = "Agents"
    KEY = "3"
    TABLES = frozenset({"agents", "tasks", "file_reservations", "leases"})
    TABLE = AgentTable
    PARTS = (AgentTable, DetailDrawer)
    WRITE_ACTIONS = frozenset({"release", "deregister", "message"})
    QUICK_FILTERS = LIVENESS_FILTERS
    FILTER_HINT = "/ id, skill, task"
    TIME_TRAVEL = True

    BINDINGS = [
        Binding("r", "release", "Release all", id="agents.release"),
        Binding("D", "deregister", "Deregister", id="agents.deregister"),
        Binding("m", "message", "Message", id="agents.message"),
        Binding("t", "time_travel", "Time travel", id="agents.time_travel"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = AgentsView()
        self.agents: dict[str, Any] = {}
        self.holdings = Holdings()
        #: The rows at the past moment shown (``None`` when live), and what is not known then.
        self.past_rows: list[AgentRow] | None = None
        self.past_notes: tuple[str, ...] = ()
        self._past = None

    def on_mount(self) -> None:
        self._past = self.jetpack.time.states  # the worker reads the past through it

    def make_table(self) -> AgentTable:
        return AgentTable(lambda row, now: render_row(row, now, Palette(self.app)), id="agents-table")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> AgentsView:
        return replace(self.view, selected=self.table.selected_id, moment=self.moment)

    def fetch(self, dl: DataLayer, request: FetchRequest) -> Iterable[AgentsLoaded | AgentsThenLoaded]:
        if request.view.moment is not None:
            return fetch_agents_past(dl, self._past, request)
        return fetch_agents(dl, request)

    @while_running
    def tick(self, now: float) -> None:
        self.now = self.display_now()
        self._show(self.now)

    def quick(self) -> str:
        return self.view.liveness

    def filter_changed(self, text: str | None = None, quick: str | None = None) -> None:
        if text is not None:
            self.view = replace(self.view, text=text.strip())
        if quick is not None:
            self.view = replace(self.view, liveness=quick if quick in LIVENESS_FILTERS else "all")
        self._show(self.now)

    def apply_filter(self, **filters: Any) -> bool:
        """``liveness="dead"`` (the Overview's jump), ``text=...``."""
        liveness = filters.get("liveness", "all")
        self.filter_box.value = str(filters.get("text", ""))
        self.filter_changed(text=self.filter_box.value, quick=liveness)
        return True

    @property
    def table(self) -> AgentTable:
        return self.query_one(AgentTable)

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_agents_loaded(self, message: AgentsLoaded) -> None:
        if not self.current(message):
            return
        if message.agents is not None:
            self.agents = dict(message.agents)
        for agent_id in message.removed:
            self.agents.pop(agent_id, None)
        self.agents.update(message.changed)
        if message.holdings is not None:
            self.holdings = message.holdings
        self.past_rows, self.past_notes = None, ()
        self.now = self.jetpack.clock()
        self._show(self.now)
        self.settle_jump("agent")
        self.mark_loaded()

    @while_running
    def on_agents_then_loaded(self, message: AgentsThenLoaded) -> None:
        if not self.current(message):
            return
        self.past_rows, self.past_notes = message.rows, message.notes
        self.now = message.moment
        self._show(self.now)
        self.settle_jump("agent")
        self.mark_loaded()

    def rows(self, now: float) -> list[AgentRow]:
        if self.past_rows is not None:
            return list(self.past_rows)
        thresholds = self.jetpack.settings.liveness
        return [make_row(self.agents[k], self.holdings, thresholds, now) for k in sorted(self.agents)]

    def _show(self, now: float) -> None:
        every = self.rows(now)
        shown = [row for row in every if matches(row, self.view)]
        self.table.show(((row.id, row) for row in shown), now)
        counts = {name: sum(1 for r in every if r.liveness == name) for name in (*LIVENESS_FILTERS[1:], "unknown")}
        summary = Text(f"{len(every)} agents: {counts['alive']} alive, {counts['stale']} stale, "
                       f"{counts['dead']} dead" + (f", {counts['stopped']} stopped" if counts["stopped"] else ""))
        if self.view.liveness != "all" or self.view.text:
            summary.append(f" · showing {len(shown)} ({self.view.liveness}"
                           f"{', matching ' + repr(clean(self.view.text)) if self.view.text else ''})")
        if counts.get("unknown"):
            summary.append(f", {counts['unknown']} unknown")
        if self.holdings.truncated and self.past_rows is None:
            summary.append(" · holdings truncated", style="bold")
        for note in self.past_notes if self.past_rows is not None else ():
            summary.append(f" · {clean(note)}", style="italic")
        self.set_summary(summary)
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.table.selected
        if row is None:
            self.drawer.show(Text("No agent selected.", style="italic"))
        else:
            note = reported_note(row, self.holdings.holders())
            self.drawer.show(render_agent(row, self.now, note), keep_scroll=True)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def open_row(self) -> None:
        """``enter``: the agent in full — tasks, leases, reservations and its mail."""
        row = self.table.selected
        if row is not None:
            self.app.push_screen(AgentScreen(row.id))

    # -- actions -----------------------------------------------------------------
    def _selected_row(self, what: str) -> AgentRow | None:
        if self.jetpack.actions.refuse_read_only(what):
            return None
        row = self.table.selected
        if row is None:
            self.app.notify(f"{what}: select an agent first", severity="warning")
        return row

    def action_release(self) -> None:
        """``r``: everything a dead agent holds back to the pool."""
        row = self._selected_row("release all")
        if row is None:
            return
        if row.liveness != "dead":
            self.app.notify(f"release all: {clean(row.id)} is {row.liveness}, not dead — deregister it instead "
                            "if it must go", severity="warning", markup=False)
            return
        if not row.holds_anything:
            self.app.notify(f"release all: {clean(row.id)} holds nothing", markup=False)
            return
        beat = "never" if row.age is None else span(row.age) + " ago"
        body = Text(f"{clean(row.id)} is dead (last heartbeat {beat}).\n"
                    f"Release {len(row.tasks)} task(s) back to the queue, {len(row.reservations)} reservation(s) "
                    f"and {len(row.leases)} lease(s)?\nRefused if it heartbeats before you confirm.")
        operator, dl = self.jetpack.operator, self.jetpack.dl

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.jetpack.actions.write("release all", row.agent, lambda: actions.release_all(dl, operator, row),
                                           target=row.id)

        self.app.push_screen(ConfirmScreen(f"Release everything {clean(row.id)} holds?", body,
                                           yes="Release", danger=True), confirmed)

    def action_deregister(self) -> None:
        row = self._selected_row("deregister")
        if row is None:
            return
        warning = f"\n{clean(row.id)} is {row.liveness.upper()}: it will lose its work." if row.liveness == "alive" else ""
        body = Text(f"Remove {clean(row.id)}: {len(row.tasks)} task(s) go back to the queue, its leases and "
                    f"reservations are released, its mail is kept.{warning}")
        operator, dl = self.jetpack.operator, self.jetpack.dl

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.jetpack.actions.write("deregister", row.agent, lambda: actions.deregister(dl, operator, row),
                                           target=row.id)

        self.app.push_screen(ConfirmScreen(f"Deregister {clean(row.id)}?", body, yes="Deregister", danger=True),
                             confirmed)

    def action_message(self) -> None:
        row = self._selected_row("message")
        if row is None:
            return
        dl, operator = self.jetpack.dl, self.jetpack.operator

        def send(draft: Any) -> None:
            if draft is not None:
                self.jetpack.actions.write("send", None, lambda: deliver(dl, operator, draft), target=draft.to)

        self.app.push_screen(ComposeScreen(f"Message {clean(row.id)}", to=row.id, agents=self.agents), send)
