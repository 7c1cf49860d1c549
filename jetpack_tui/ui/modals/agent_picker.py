"""Pick the agent to claim a task for (or reassign it to).

Live agents whose skills cover the task's required skills come first; the
rest are listed after them and marked (missing skills, stale or dead, the
current owner) — the operator may still pick them.  ``enter`` picks,
``escape`` cancels; the result is the agent id or ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jetpack_tui.data.models import Agent, Task

from ..safe_text import cell, clean

_LIVENESS_RANK = {"alive": 0, "stale": 1, "dead": 2}


def missing_skills(agent: Agent, task: Task) -> list[str]:
    have = {s.lower() for s in agent.skills}
    return [s for s in task.required_skills if s.lower() not in have]


def rank_agents(agents: Iterable[Agent], task: Task) -> list[tuple[Agent, str]]:
    """Agents in picking order with a note on why each one is not ideal."""
    ranked = []
    for agent in agents:
        notes = []
        missing = missing_skills(agent, task)
        if missing:
            notes.append("missing " + ", ".join(missing))
        if agent.liveness != "alive":
            notes.append(agent.liveness)
        if agent.id == task.claimed_by:
            notes.append("current owner")
        fits = not missing and agent.liveness == "alive" and agent.id != task.claimed_by
        owner = agent.id == task.claimed_by
        ranked.append(((0 if fits else 1, owner, _LIVENESS_RANK.get(agent.liveness, 3), len(missing), agent.id),
                       agent, "; ".join(notes)))
    ranked.sort(key=lambda item: item[0])
    return [(agent, note) for _, agent, note in ranked]


class AgentPicker(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("j", "cursor(1)", "Down", show=False, id="picker.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="picker.up"),
    ]

    def __init__(self, title: str, task: Task, agents: list[Agent]) -> None:
        super().__init__()
        self._heading = title
        self.target_task = task
        self.choices = rank_agents(agents, task)

    def compose(self) -> ComposeResult:
        skills = ", ".join(self.target_task.required_skills) or "none"
        with Vertical(classes="modal-box"):
            yield Static(Text(self._heading), classes="modal-title")
            yield Static(Text(f"task {clean(self.target_task.id)} needs skills: {clean(skills)}"), classes="modal-body")
            table: DataTable = DataTable(id="picker-table", cursor_type="row")
            table.add_columns("", "agent", "liveness", "skills", "note")
            for agent, note in self.choices:
                table.add_row(Text("✓" if not note else "·"), cell(agent.id, limit=40), Text(agent.liveness),
                              cell(", ".join(agent.skills), limit=40), cell(note, limit=50), key=agent.id)
            yield table
            if not self.choices:
                yield Static(Text("No agents are registered.", style="italic"))
            yield Static(Text("enter: pick · esc: cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row_key.value)

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_cancel(self) -> None:
        self.dismiss(None)
