"""The Agents pane's writes (worker thread): release what a dead agent
holds, deregister an agent.

Stale-view protection lives in the DataLayer: each call passes what the
operator saw (the agent's ``version`` and, when it was shown stale or dead,
its last heartbeat) and the check and the act run in one write transaction,
refused with a :class:`ConflictError` carrying the agent as it is now.  An
alive agent heartbeats all the time, so its heartbeat is not compared.
"""

from __future__ import annotations

from typing import Any

from jetpack_tui.data.protocol import DataLayer

from .data import AgentRow


def _seen(seen: AgentRow) -> dict[str, Any]:
    beat = seen.agent.last_heartbeat if seen.liveness != "alive" else None
    return {"seen_version": seen.agent.version, "seen_heartbeat": beat}


def release_all(dl: DataLayer, operator: str, seen: AgentRow) -> Any:
    """Everything the agent holds back to the pool (a ``ReleaseReport``)."""
    return dl.agents.release_all(seen.id, by=operator, **_seen(seen))


def deregister(dl: DataLayer, operator: str, seen: AgentRow) -> list[Any]:
    return dl.agents.deregister(seen.id, by=operator, **_seen(seen))
