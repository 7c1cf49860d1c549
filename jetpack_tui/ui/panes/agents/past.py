"""The agents as they were at a moment (time travel) — refresh worker only.

Liveness then and the tasks each agent owned then come from
``Insight.state_at`` (through the shared
:class:`~jetpack_tui.ui.timetravel.PastStates`): exact for ownership (the
audit log), exact for liveness while the change feed still holds the
heartbeats, from audit activity before that (``unknown`` when neither says).
Reservations and leases are not kept as history, so they are not shown, and
the pane says so.  Names and skills are the agents' rows as they are now.
"""

from __future__ import annotations

from dataclasses import replace

from jetpack_tui.data.models import Agent, Task
from jetpack_tui.data.protocol import DataLayer

from ...messages import PaneData
from ...timetravel import PastStates
from ..base import FetchRequest
from .data import AgentRow

NOT_RECORDED = "reservations and leases are not recorded in history: not shown"


class AgentsThenLoaded(PaneData):
    """Every agent at ``moment`` as rows of the table, and what cannot be known."""

    def __init__(self, generation: int, moment: float, rows: list[AgentRow], notes: tuple[str, ...]) -> None:
        super().__init__(generation)
        self.moment = moment
        self.rows = rows
        self.notes = notes


def _agent(known: Agent | None, agent_id: str, last_seen: float | None) -> Agent:
    if known is None:
        return Agent(id=agent_id, name=None, status="—", skills=[], last_heartbeat=last_seen,
                     problems=("not registered any more",))
    return replace(known, last_heartbeat=last_seen, current_task=None, status="—")


def fetch_agents_past(dl: DataLayer, states: PastStates, request: FetchRequest) -> list[AgentsThenLoaded]:
    moment = request.view.moment
    if moment is None or not (request.reload or request.detail):
        return []
    state = states.state(moment)
    then = state.agents
    if then is None:
        return [AgentsThenLoaded(request.generation, moment, [], ("agents' liveness was not rebuilt",))]
    owned: dict[str, list[str]] = {}
    for task in state.with_status("claimed", "in_progress"):
        if task.owner:
            owned.setdefault(task.owner, []).append(task.id)
    rows_now = dl.tasks.get_many(task_id for ids in owned.values() for task_id in ids)
    current = {agent.id: agent for agent in dl.agents.list()}
    rows = []
    for agent in then.agents:
        tasks = []
        for task_id in sorted(owned.get(agent.id, ())):
            status = state.get(task_id).status or "unknown"
            known = rows_now.get(task_id)
            tasks.append(replace(known, status=status, claimed_by=agent.id, lease_expires_at=None) if known
                         else Task(id=task_id, title="(no longer exists)", status=status, priority="?",
                                   required_skills=[], dependencies=[], claimed_by=agent.id))
        age = None if agent.last_seen is None else max(0.0, moment - agent.last_seen)
        rows.append(AgentRow(agent=_agent(current.get(agent.id), agent.id, agent.last_seen),
                             liveness=agent.liveness, age=age, tasks=tuple(tasks), past=True))
    notes = tuple(n for n in (then.note, NOT_RECORDED) if n)
    return [AgentsThenLoaded(request.generation, moment, rows, notes)]
