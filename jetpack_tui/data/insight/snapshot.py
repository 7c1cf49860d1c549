"""One read of the unfinished work: the input of graph analysis and stuck checks.

Unfinished tasks (pending, claimed, in progress) are read in rowid windows
(bounded queries), the tasks they depend on that are not unfinished in
chunks of ids, and the agents in one query.  Every column another client may
have written is read leniently, the way the claim's SQL reads it: a value
the claim can never match is kept as a flag here so that the stuck checks can
name it, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..clock import now as clock_now
from ..clock import parse_timestamp
from ..models import Liveness
from .source import Reader, bulk, by_ids, json_items, number, scan_by_rowid, text

UNFINISHED = ("pending", "claimed", "in_progress")
OWNED = ("claimed", "in_progress")

_TASK_COLUMNS = ("id, title, status, priority, required_skills, dependencies, claimed_by, claimed_at,"
                 " available_at, lease_expires_at")


@dataclass(slots=True)
class Node:
    """One unfinished task as the analysis needs it (read-only by
    convention: not frozen, which would make building 100k of them slower)."""

    id: str
    title: str
    status: str
    priority: str
    #: Required skills, lowercased (the claim compares case-insensitively).
    skills: tuple[str, ...]
    #: False when ``required_skills`` is not JSON: the claim never matches it.
    skills_readable: bool
    deps: tuple[str, ...]
    #: False when ``dependencies`` is not a JSON array: never ready.
    deps_readable: bool
    claimed_by: str | None
    claimed_at: float | None
    #: ``available_at`` as a number; ``available_raw`` keeps text another
    #: client wrote (SQL compares text as later than every number).
    available_at: float | None
    available_raw: str | None
    lease_expires_at: float | None
    lease_raw: str | None


@dataclass(frozen=True)
class AgentInfo:
    id: str
    skills: frozenset[str]
    last_heartbeat: float | None
    liveness: str

    @property
    def live(self) -> bool:
        """Alive or stale: still expected to claim (dead or stopped ones are not)."""
        return self.liveness in ("alive", "stale")


@dataclass
class GraphSnapshot:
    read_at: float
    nodes: dict[str, Node] = field(default_factory=dict)
    #: Status of every dependency target that is not unfinished (completed,
    #: failed, cancelled or an unknown status); absent ids do not exist.
    outside: dict[str, str] = field(default_factory=dict)
    agents: list[AgentInfo] = field(default_factory=list)

    def dep_status(self, dep: str) -> str | None:
        node = self.nodes.get(dep)
        return node.status if node is not None else self.outside.get(dep)

    def dependents(self) -> dict[str, list[str]]:
        """Reverse edges: dependency id -> the unfinished tasks waiting on it."""
        reverse: dict[str, list[str]] = {}
        for node in self.nodes.values():
            for dep in node.deps:
                reverse.setdefault(dep, []).append(node.id)
        return reverse


def _reader_of_nodes():
    """A row decoder with a memo of skill lists: a swarm has few distinct
    skill sets, so most rows parse nothing for them."""
    skills_memo: dict[object, tuple[tuple[str, ...], bool]] = {None: ((), True), "[]": ((), True)}

    def skills_of(raw: object) -> tuple[tuple[str, ...], bool]:
        found = skills_memo.get(raw) if isinstance(raw, (str, type(None))) else None
        if found is None:
            kind, items = json_items(raw)
            found = (tuple(dict.fromkeys(s.lower() for s in items)), kind != "invalid")
            if isinstance(raw, str) and len(skills_memo) < 10_000:
                skills_memo[raw] = found
        return found

    def node(row: tuple) -> Node:
        (task_id, title, status, priority, raw_skills, raw_deps, owner, claimed_at, available, lease) = row
        skills, skills_readable = skills_of(raw_skills)
        if raw_deps is None or raw_deps == "[]":
            deps, deps_readable = (), True
        else:
            kind, items = json_items(raw_deps)
            deps_readable = kind in ("null", "array")
            deps = tuple(dict.fromkeys(items)) if deps_readable else ()
        available_at, lease_at = number(available), number(lease)
        return Node(
            task_id if type(task_id) is str else text(task_id) or "",
            title if type(title) is str else text(title) or "",
            status if type(status) is str else text(status) or "pending",
            priority if type(priority) is str else text(priority) or "medium",
            skills, skills_readable, deps, deps_readable,
            owner if owner is None or type(owner) is str else text(owner), number(claimed_at),
            available_at, None if available is None or available_at is not None else text(available),
            lease_at, None if lease is None or lease_at is not None else text(lease),
        )

    return node


def heartbeat_of(text_beat: object, epoch_beat: object) -> float | None:
    """The later of the seed's text heartbeat and our epoch one (as ``dl.agents`` reads it)."""
    beats = [b for b in (parse_timestamp(text_beat), number(epoch_beat)) if b is not None]
    return max(beats) if beats else None


def read_agents(reader: Reader, moment: float, liveness: Liveness) -> list[AgentInfo]:
    agents = []
    for agent_id, raw_skills, text_beat, epoch_beat, status in reader.rows(
            "SELECT id, skills, last_heartbeat, heartbeat_at, status FROM agents"):
        kind, skills = json_items(raw_skills)
        beat = heartbeat_of(text_beat, epoch_beat)
        agents.append(AgentInfo(id=text(agent_id) or "", skills=frozenset(s.lower() for s in skills),
                                last_heartbeat=beat, liveness=liveness.of(beat, text(status), moment)))
    return agents


def rule_of(source: object) -> Liveness | None:
    """The liveness rule a DataLayer applies (stored in the database unless
    the process overrides it); ``None`` for a bare reader (the default rule)."""
    agents = getattr(source, "agents", None)
    rule = getattr(agents, "liveness_rule", None)
    return rule() if callable(rule) else None


def read_snapshot(reader: Reader, *, now: float | None = None, liveness: Liveness | None = None) -> GraphSnapshot:
    """The unfinished tasks, what they depend on, and the agents."""
    moment = clock_now() if now is None else now
    snapshot = GraphSnapshot(read_at=moment)
    where = "status IN ('pending', 'claimed', 'in_progress')"
    decode = _reader_of_nodes()
    with bulk():
        for row in scan_by_rowid(reader, "tasks", _TASK_COLUMNS, "+" + where, within=where):
            node = decode(row)
            snapshot.nodes[node.id] = node
    wanted = sorted({dep for node in snapshot.nodes.values() for dep in node.deps} - set(snapshot.nodes))
    for dep_id, status in by_ids(reader, "SELECT id, status FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
                                 wanted):
        snapshot.outside[text(dep_id) or ""] = text(status) or "pending"
    snapshot.agents = read_agents(reader, moment, liveness or Liveness())
    return snapshot
