"""What the Agents pane shows and how it is read (refresh worker thread only).

A reload reads every agent (a swarm has tens to hundreds) and what they
hold: owned tasks, active reservations, live leases.  A change to ``agents``
alone (heartbeats, by far the most frequent write) re-reads just those
agents by id; holdings are re-read only when tasks, reservations or leases
changed.  Liveness is *not* taken from the DataLayer: the pane classifies
heartbeat ages itself with the app's clock and configured intervals, so
colours and filters move with time between refreshes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from jetpack_tui.data.models import LIVENESS_STATES, OWNED_STATUSES, Agent, Lease, Liveness, Task

from ...messages import PaneData
from ..base import FetchRequest

#: Most rows of each kind of holding read per refresh.
HOLD_LIMIT = 5000
LIVENESS_FILTERS = ("all", *LIVENESS_STATES)


@dataclass(frozen=True)
class AgentsView:
    liveness: str = "all"
    text: str = ""
    selected: str | None = None


@dataclass(frozen=True)
class Holdings:
    """What every agent holds, by agent id."""

    tasks: dict[str, tuple[Task, ...]] = field(default_factory=dict)
    reservations: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    leases: dict[str, tuple[Lease, ...]] = field(default_factory=dict)
    truncated: bool = False


@dataclass(frozen=True)
class AgentRow:
    """One agent as the operator sees it: the row actions compare against."""

    agent: Agent
    liveness: str
    age: float | None
    tasks: tuple[Task, ...] = ()
    reservations: tuple[Any, ...] = ()
    leases: tuple[Lease, ...] = ()

    @property
    def id(self) -> str:
        return self.agent.id

    @property
    def holds_anything(self) -> bool:
        return bool(self.tasks or self.reservations or self.leases)


class AgentsLoaded(PaneData):
    """``agents`` is every agent (reload) or ``None`` (only ``changed``/``removed``);
    ``holdings`` is ``None`` when unchanged."""

    def __init__(self, generation: int, *, agents: dict[str, Agent] | None, changed: dict[str, Agent],
                 removed: frozenset[str], holdings: Holdings | None) -> None:
        super().__init__(generation)
        self.agents = agents
        self.changed = changed
        self.removed = removed
        self.holdings = holdings


def _group(items: list[Any], key: str) -> dict[str, tuple[Any, ...]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        owner = getattr(item, key, None)
        if owner:
            grouped[owner].append(item)
    return {owner: tuple(values) for owner, values in grouped.items()}


def read_holdings(dl: Any) -> Holdings:
    tasks = dl.tasks.list(status=list(OWNED_STATUSES), order_by="claimed_by", limit=HOLD_LIMIT)
    reservations = dl.reservations.list(limit=HOLD_LIMIT)
    leases = dl.leases.list()
    truncated = len(tasks) >= HOLD_LIMIT or len(reservations) >= HOLD_LIMIT
    return Holdings(tasks=_group(tasks, "claimed_by"), reservations=_group(reservations, "agent_id"),
                    leases=_group(leases, "agent_id"), truncated=truncated)


def fetch_agents(dl: Any, request: FetchRequest) -> list[AgentsLoaded]:
    changes = request.changes
    gen = request.generation
    if request.reload:
        agents = {a.id: a for a in dl.agents.list()}
        return [AgentsLoaded(gen, agents=agents, changed={}, removed=frozenset(), holdings=read_holdings(dl))]
    ids = changes.ids("agents")
    changed = dl.agents.get_many(ids) if ids else {}
    holdings = read_holdings(dl) if changes.tables & {"tasks", "file_reservations", "leases"} else None
    if not changed and not ids and holdings is None:
        return []
    return [AgentsLoaded(gen, agents=None, changed=changed, removed=frozenset(ids - changed.keys()),
                         holdings=holdings)]


def make_row(agent: Agent, holdings: Holdings, thresholds: Liveness, now: float) -> AgentRow:
    age = None if agent.last_heartbeat is None else max(0.0, now - agent.last_heartbeat)
    return AgentRow(agent=agent, liveness=thresholds.classify(age, agent.status), age=age,
                    tasks=holdings.tasks.get(agent.id, ()), reservations=holdings.reservations.get(agent.id, ()),
                    leases=holdings.leases.get(agent.id, ()))


def matches(row: AgentRow, view: AgentsView) -> bool:
    if view.liveness != "all" and row.liveness != view.liveness:
        return False
    needle = view.text.strip().lower()
    if not needle:
        return True
    agent = row.agent
    haystack = [agent.id, agent.name or "", agent.status, agent.current_task or "", *agent.skills,
                *(t.id for t in row.tasks)]
    return any(needle in h.lower() for h in haystack)
