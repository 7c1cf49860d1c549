"""Where an agent's fencing tokens live between calls.

Every holder operation of the DataLayer (start, renew, complete, fail a
task; renew, release a lease) takes the token the grant returned, and is a
compare-and-swap on it: a worker whose lease ran out and whose task was
granted again (a new token) can no longer touch it.  Agents never see or
pass a token; one of these two books presents it for them.

:class:`HeldTokens` — the MCP server.  One process lives as long as the
agent's session, so it keeps the tokens it was granted in memory and
presents exactly those.  A task it did not claim in this session is not its
to complete, even when the database says the agent id owns it.

:class:`StoredTokens` — the shell verbs.  ``jetpack-tui agent complete``
is a new process each time: nothing survives from ``claim``.  It reads the
task's *current* token, but only when the task is owned by this agent, and
presents it; the DataLayer's compare-and-swap then refuses the write if the
task changed hands between the read and the write.  What this gives up: a
shell agent cannot be told apart from an earlier run of itself under the
same id (if its lease expired and it re-claimed the task, the old script
run may complete the new grant).  That is the price of having no process
between calls; an agent that needs more runs the MCP server.
"""

from __future__ import annotations

import threading
from typing import Any

from jetpack_tui.data import NotFoundError, StaleLeaseError
from jetpack_tui.data.models import OWNED_STATUSES


def not_held(task_id: str, agent_id: str, current: Any) -> StaleLeaseError:
    """The refusal an agent reads: who holds the task now, never a token number."""
    if current is None:
        return StaleLeaseError(f"{agent_id} does not hold task {task_id}")
    owner = f", owned by {current.claimed_by}" if current.claimed_by and current.claimed_by != agent_id else ""
    return StaleLeaseError(f"{agent_id} does not hold task {task_id} (it is {current.state}{owner})", current)


class HeldTokens:
    """Tokens granted to this process (the MCP server's session)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks: dict[str, int] = {}
        self._leases: dict[str, int] = {}

    # -- tasks ----------------------------------------------------------------
    def granted(self, task: Any) -> None:
        with self._lock:
            self._tasks[task.id] = int(task.claim_token)

    def forget(self, task_id: str) -> None:
        with self._lock:
            self._tasks.pop(task_id, None)

    def token(self, dl: Any, agent_id: str, task_id: str) -> int:
        with self._lock:
            token = self._tasks.get(task_id)
        if token is not None:
            return token
        current = dl.tasks.find(task_id)
        if current is None:
            raise NotFoundError(f"no task {task_id!r}")
        if current.claimed_by == agent_id and current.owned:
            raise StaleLeaseError(f"task {task_id} is assigned to {agent_id} but was not claimed in this session:"
                                  " call claim_task with its id to take it up", current)
        raise not_held(task_id, agent_id, current)

    def held(self, dl: Any, agent_id: str) -> dict[str, int]:
        with self._lock:
            return dict(self._tasks)

    # -- hard leases ------------------------------------------------------------
    def lease_granted(self, resource: str, token: int) -> None:
        with self._lock:
            self._leases[resource] = token

    def lease_forget(self, resource: str) -> None:
        with self._lock:
            self._leases.pop(resource, None)

    def lease_token(self, dl: Any, agent_id: str, resource: str) -> int:
        with self._lock:
            token = self._leases.get(resource)
        if token is None:
            raise StaleLeaseError(f"{agent_id} has not acquired lease {resource!r} in this session", dl.leases.get(resource))
        return token


class StoredTokens:
    """Tokens read from the database for this agent id (the shell verbs)."""

    def granted(self, task: Any) -> None:
        """Nothing to keep: the next process reads it back."""

    def forget(self, task_id: str) -> None:
        """Nothing kept."""

    def token(self, dl: Any, agent_id: str, task_id: str) -> int:
        current = dl.tasks.find(task_id)
        if current is None:
            raise NotFoundError(f"no task {task_id!r}")
        if current.claimed_by != agent_id or current.status not in OWNED_STATUSES:
            raise not_held(task_id, agent_id, current)
        return int(current.claim_token)

    def held(self, dl: Any, agent_id: str) -> dict[str, int]:
        owned = dl.tasks.list(claimed_by=agent_id, status=list(OWNED_STATUSES), limit=None)
        return {t.id: int(t.claim_token) for t in owned}

    def lease_granted(self, resource: str, token: int) -> None:
        """Nothing to keep."""

    def lease_forget(self, resource: str) -> None:
        """Nothing kept."""

    def lease_token(self, dl: Any, agent_id: str, resource: str) -> int:
        current = dl.leases.get(resource)
        if current is None or current.agent_id != agent_id:
            holder = f" (held by {current.agent_id})" if current is not None and current.agent_id else ""
            raise StaleLeaseError(f"{agent_id} does not hold lease {resource!r}{holder}", current)
        return int(current.token)
