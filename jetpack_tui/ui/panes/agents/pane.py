"""Agents pane: liveness, skills, current task, heartbeat age coloured by
liveness, and what each agent holds (tasks, reservations, leases).

Actions (hidden and refused read-only): release everything a dead agent
holds, deregister an agent (both confirmed, both refused when the agent
heartbeated or re-registered since the operator saw it), message it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from ...safe_text import clean
from ...timefmt import span
from ...widgets.confirm import ConfirmScreen
from ...widgets.detail_drawer import DetailDrawer
from ..base import FetchRequest, Pane
from ..kit.actions import refuse_read_only, run_write
from ..kit.compose import ComposeScreen, deliver
from ..kit.jump import PendingJump
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from . import actions
from .columns import AgentTable, render_row
from .data import LIVENESS_FILTERS, AgentRow, AgentsLoaded, AgentsView, Holdings, fetch_agents, make_row, matches
from .detail import render_agent

WRITE_ACTIONS = {"release_all", "deregister", "message"}


class AgentsPane(Pane):
    PANE_ID = "agents"
    TITLE = "Agents"
    KEY = "3"
    TABLES = frozenset({"agents", "tasks", "file_reservations", "leases"})

    BINDINGS = [
        Binding("f", "cycle_liveness", "Liveness filter", id="agents.filter_liveness"),
        Binding("slash", "focus_search", "Search", id="agents.search"),
        Binding("R", "release_all", "Release all (dead)", id="agents.release_all"),
        Binding("D", "deregister", "Deregister", id="agents.deregister"),
        Binding("m", "message", "Message", id="agents.message"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = AgentsView()
        self.agents: dict[str, Any] = {}
        self.holdings = Holdings()
        self.jump = PendingJump()
        self.now = 0.0

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-header"):
            yield Static(Text("Agents", style="bold"), classes="pane-title")
            yield Static(Text(""), id="agents-summary", classes="pane-summary")
            yield Input(placeholder="/ filter: id, skill, task", id="agents-search", classes="pane-search", compact=True)
        with Vertical(classes="pane-body -stacked"):
            yield AgentTable(lambda row, now: render_row(row, now, Palette(self.app)), id="agents-table")
            yield DetailDrawer(id="agents-drawer", classes="pane-drawer")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> AgentsView:
        return replace(self.view, selected=self.table.selected_id)

    def fetch(self, dl: Any, request: FetchRequest) -> Iterable[AgentsLoaded]:
        return fetch_agents(dl, request)

    @while_running
    def tick(self, now: float) -> None:
        self.now = now
        self._show(now)

    def selected_key(self) -> str | None:
        return self.table.selected_id

    def jump_to(self, key: str) -> bool:
        """Select agent ``key`` (the palette), clearing filters that hide it;
        when the rows have not arrived yet, select it once they do."""
        if self.table.select(key):
            return True
        if self.view.liveness != "all" or self.view.text:
            self.apply_filter()
        if not self.table.select(key):
            self.jump.want(key)
        return True

    def apply_filter(self, **filters: Any) -> bool:
        """``liveness="dead"`` (the Overview's jump), ``text=...``."""
        liveness = filters.get("liveness", "all")
        self.view = replace(self.view, liveness=liveness if liveness in LIVENESS_FILTERS else "all",
                            text=str(filters.get("text", "")))
        self.query_one("#agents-search", Input).value = self.view.text
        self._show(self.now)
        return True

    def focus_main(self) -> None:
        self.table.focus()

    @property
    def table(self) -> AgentTable:
        return self.query_one(AgentTable)

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_agents_loaded(self, message: AgentsLoaded) -> None:
        message.stop()
        if not self.current(message):
            return
        if message.agents is not None:
            self.agents = dict(message.agents)
        for agent_id in message.removed:
            self.agents.pop(agent_id, None)
        self.agents.update(message.changed)
        if message.holdings is not None:
            self.holdings = message.holdings
        self.now = self.jetpack.clock()
        self._show(self.now)
        missing = self.jump.settle(self.table.select)
        if missing is not None:
            self.app.notify(f"agents: no agent {clean(missing)}", severity="warning", markup=False)
        self.mark_loaded()

    def rows(self, now: float) -> list[AgentRow]:
        thresholds = self.jetpack.settings.liveness
        return [make_row(self.agents[k], self.holdings, thresholds, now) for k in sorted(self.agents)]

    def _show(self, now: float) -> None:
        every = self.rows(now)
        shown = [row for row in every if matches(row, self.view)]
        self.table.show(((row.id, row) for row in shown), now)
        counts = {name: sum(1 for r in every if r.liveness == name) for name in LIVENESS_FILTERS[1:]}
        summary = Text(f"{len(every)} agents: {counts['alive']} alive, {counts['stale']} stale, "
                       f"{counts['dead']} dead" + (f", {counts['stopped']} stopped" if counts["stopped"] else ""))
        if self.view.liveness != "all" or self.view.text:
            summary.append(f" · showing {len(shown)} ({self.view.liveness}"
                           f"{', matching ' + repr(clean(self.view.text)) if self.view.text else ''})")
        if self.holdings.truncated:
            summary.append(" · holdings truncated", style="bold")
        self.query_one("#agents-summary", Static).update(summary)
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.table.selected
        drawer = self.query_one(DetailDrawer)
        if row is None:
            drawer.show(Text("No agent selected.", style="italic"))
        else:
            drawer.show(render_agent(row, self.now), keep_scroll=True)

    def on_data_table_row_highlighted(self, event: AgentTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    # -- filters -----------------------------------------------------------------
    def action_cycle_liveness(self) -> None:
        index = LIVENESS_FILTERS.index(self.view.liveness)
        self.view = replace(self.view, liveness=LIVENESS_FILTERS[(index + 1) % len(LIVENESS_FILTERS)])
        self._show(self.now)

    def action_focus_search(self) -> None:
        self.query_one("#agents-search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.view = replace(self.view, text=event.value)
        self._show(self.now)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    # -- actions -----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.jetpack.read_only:
            return False
        return True

    def _selected_row(self, what: str) -> AgentRow | None:
        if refuse_read_only(self.app, what):
            return None
        row = self.table.selected
        if row is None:
            self.app.notify(f"{what}: select an agent first", severity="warning")
        return row

    def action_release_all(self) -> None:
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
                run_write(self, "release all", row.id, row.agent, lambda: actions.release_all(dl, operator, row))

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
                run_write(self, "deregister", row.id, row.agent, lambda: actions.deregister(dl, operator, row))

        self.app.push_screen(ConfirmScreen(f"Deregister {clean(row.id)}?", body, yes="Deregister", danger=True),
                             confirmed)

    def action_message(self) -> None:
        row = self._selected_row("message")
        if row is None:
            return
        dl, operator = self.jetpack.dl, self.jetpack.operator

        def send(draft: Any) -> None:
            if draft is not None:
                run_write(self, "send", draft.to, None, lambda: deliver(dl, operator, draft))

        self.app.push_screen(ComposeScreen(f"Message {clean(row.id)}", to=row.id, agents=self.agents), send)
