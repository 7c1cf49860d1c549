"""The dependency graph as it was at a moment (the dashboard's time travel).

The analysis of :mod:`.analysis` runs on a snapshot rebuilt from a
:class:`~.history.state.SwarmState`: the tasks unfinished at T with their
status and owner then (the audit log), their titles, skills and dependency
lists as they are now (the log does not record edits to those), the status
then of every task they depend on, and the agents with their liveness then.

What the log does not keep is left out rather than taken from today: claim
times (a running task counts its whole estimate), back-off (``available_at``)
and leases.  An agent whose liveness then is ``unknown`` (before the
heartbeat records) counts as live, so no work is called stuck for want of an
agent that may well have been there.
"""

from __future__ import annotations

from typing import Any

from .analysis import GraphAnalysis, compute
from .durations import read_durations
from .history.state import SwarmState
from .snapshot import _TASK_COLUMNS, UNFINISHED, AgentInfo, GraphSnapshot, Node, _reader_of_nodes
from .source import Reader, bulk, by_ids, json_items, reader_of, text


def _gone(task_id: str, status: str, owner: str | None) -> Node:
    """A task unfinished then that no longer exists (a foreign writer deleted
    it): nothing is known but its state then; its dependency list went with
    it, so it counts as having none."""
    return Node(task_id, "(no longer exists)", status, "medium", (), True, (), True, owner, None, None, None,
                None, None)


def snapshot_at(reader: Reader, state: SwarmState) -> GraphSnapshot:
    """The unfinished work at ``state.moment`` (see the module docstring)."""
    snapshot = GraphSnapshot(read_at=state.moment)
    then = {task.id: task for task in state.with_status(*UNFINISHED)}
    decode = _reader_of_nodes()
    with bulk():
        for row in by_ids(reader, f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
                          list(then)):
            node = decode(row)
            was = then.get(node.id)
            if was is None:
                continue
            node.status, node.claimed_by = was.status or "pending", was.owner
            node.claimed_at = node.available_at = node.lease_expires_at = None
            node.available_raw = node.lease_raw = None
            snapshot.nodes[node.id] = node
    for task_id, was in then.items():
        if task_id not in snapshot.nodes:
            snapshot.nodes[task_id] = _gone(task_id, was.status or "pending", was.owner)
    for dep in {dep for node in snapshot.nodes.values() for dep in node.deps} - set(snapshot.nodes):
        was = state.get(dep)
        if was is not None:  # absent: it did not exist then (a missing dependency)
            snapshot.outside[dep] = was.status or "pending"
    liveness = {agent.id: agent for agent in (state.agents.agents if state.agents else [])}
    for agent_id, raw_skills in reader.rows("SELECT id, skills FROM agents"):
        key = text(agent_id) or ""
        _kind, skills = json_items(raw_skills)
        agent = liveness.get(key)
        alive = "stale" if agent is None or agent.liveness == "unknown" else agent.liveness
        snapshot.agents.append(AgentInfo(key, frozenset(s.lower() for s in skills),
                                         agent.last_seen if agent else None, alive))
    return snapshot


def analyse_at(source: Any, state: SwarmState, *, top: int = 20) -> GraphAnalysis:
    """Critical path, bottlenecks and stuck work at ``state.moment``."""
    reader = reader_of(source)
    snapshot = snapshot_at(reader, state)
    durations = read_durations(reader)
    with bulk():
        return compute(snapshot, durations, top=top)


__all__ = ["analyse_at", "snapshot_at"]
