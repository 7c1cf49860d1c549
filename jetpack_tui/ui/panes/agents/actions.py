"""The Agents pane's writes (worker thread): release what a dead agent
holds, deregister an agent.

Stale-view protection: both start by re-reading the agent and refuse with a
:class:`ConflictError` (carrying the agent as it is now) when it is gone,
re-registered (its ``version`` moved) or — if the operator saw it stale or
dead — heartbeated since.  Release then touches only what the operator saw:
each task with ``expected_version`` (a task that moved since is left alone
and reported), each reservation by id and holder, each lease by its token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jetpack_tui.data.errors import ConflictError, JetpackError

from .data import AgentRow

REASON = "released by the operator: agent is dead"


@dataclass
class ReleaseReport:
    tasks: list[str] = field(default_factory=list)
    reservations: int = 0
    leases: int = 0
    left_alone: list[str] = field(default_factory=list)

    def describe(self, agent_id: str) -> str:
        text = (f"{agent_id}: released {len(self.tasks)} task(s), {self.reservations} reservation(s), "
                f"{self.leases} lease(s)")
        if self.left_alone:
            text += f"; left alone (changed since you saw them): {', '.join(self.left_alone)}"
        return text


def check_unchanged(dl: Any, seen: AgentRow) -> Any:
    """The agent now, or :class:`ConflictError` when the operator's view is stale."""
    current = dl.agents.find(seen.id)
    if current is None:
        raise ConflictError(f"agent {seen.id} is no longer registered", None)
    if current.version != seen.agent.version:
        raise ConflictError(f"agent {seen.id} registered again since you saw it", current)
    beat, was = current.last_heartbeat, seen.agent.last_heartbeat
    if seen.liveness != "alive" and beat is not None and (was is None or beat > was):
        raise ConflictError(f"agent {seen.id} heartbeated since you saw it {seen.liveness}", current)
    return current


def release_all(dl: Any, operator: str, seen: AgentRow) -> ReleaseReport:
    check_unchanged(dl, seen)
    report = ReleaseReport()
    for task in seen.tasks:
        try:
            dl.tasks.release(task.id, by=operator, reason=REASON, expected_version=task.version)
            report.tasks.append(task.id)
        except ConflictError:
            report.left_alone.append(task.id)
    for reservation in seen.reservations:
        try:
            released = dl.reservations.release(reservation.id, agent_id=seen.id)
            report.reservations += 1 if getattr(released, "state", "") != "active" else 0
        except (ConflictError, JetpackError):
            report.left_alone.append(reservation.id)
    for lease in seen.leases:
        try:
            dl.leases.release(lease.resource, seen.id, lease.token)
            report.leases += 1
        except JetpackError:
            report.left_alone.append(lease.resource)
    return report


def deregister(dl: Any, operator: str, seen: AgentRow) -> list[Any]:
    check_unchanged(dl, seen)
    return dl.agents.deregister(seen.id, by=operator)
