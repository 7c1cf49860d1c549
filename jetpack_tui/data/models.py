"""Plain dataclasses handed to callers (agents and the dashboard).

Rows may have been written by other clients, so every field that is parsed
(JSON lists, timestamps, status, priority) keeps a usable value *and* the
problem is listed in ``problems``; the raw text is kept in ``raw`` so the
dashboard can show exactly what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TASK_STATUSES = ("pending", "claimed", "in_progress", "completed", "failed", "cancelled")
#: Statuses in which a task is owned by an agent and holds a lease.
OWNED_STATUSES = ("claimed", "in_progress")
PRIORITIES = ("critical", "high", "medium", "low")
LIVENESS = ("alive", "stale", "dead")


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    status: str
    priority: str
    required_skills: list[str]
    dependencies: list[str]
    parent_id: str | None = None
    description: str | None = None
    claimed_by: str | None = None
    session_id: str | None = None
    created_at: float | None = None
    updated_at: float | None = None
    claimed_at: float | None = None
    lease_expires_at: float | None = None
    claim_token: int = 0
    attempts: int = 0
    max_attempts: int = 3
    available_at: float | None = None
    last_error: str | None = None
    result: Any = None
    version: int = 1
    last_actor: str | None = None
    last_action: str | None = None
    #: ``True``/``False`` for pending tasks (all dependencies completed or
    #: not), ``None`` for every other status.
    ready: bool | None = None
    #: Dependencies not completed yet (kept by triggers); ``None`` when the
    #: list is unreadable.
    deps_unmet: int | None = None
    #: Position key in the queue (priority, age and aging; lower goes first).
    claim_order: float | None = None
    problems: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def state(self) -> str:
        """Status with pending split into ``ready`` / ``blocked`` for display."""
        if self.status == "pending" and self.ready is not None:
            return "ready" if self.ready else "blocked"
        return self.status

    @property
    def owned(self) -> bool:
        return self.status in OWNED_STATUSES


@dataclass(frozen=True)
class Blockers:
    """Why a pending task is not ready."""

    unfinished: list[tuple[str, str]]  # (dependency id, its status)
    missing: list[str]  # dependency ids with no task
    cycle: list[str] = field(default_factory=list)  # ids on a dependency cycle through this task
    unreadable: bool = False  # the dependencies column is not a JSON array

    @property
    def blocked(self) -> bool:
        return bool(self.unfinished or self.missing or self.cycle or self.unreadable)


@dataclass(frozen=True)
class TaskEvent:
    """One row of the audit trail: who changed what, when, from which state."""

    id: int
    task_id: str
    at: float | None
    actor: str | None
    action: str | None
    from_status: str | None
    to_status: str | None
    from_owner: str | None
    to_owner: str | None
    claim_token: int | None


@dataclass(frozen=True)
class Agent:
    id: str
    name: str | None
    status: str
    skills: list[str]
    session_id: str | None = None
    last_heartbeat: float | None = None
    current_task: str | None = None
    registered_at: float | None = None
    version: int = 1
    liveness: str = "dead"
    problems: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def heartbeat_age(self) -> float | None:
        from .clock import now

        return None if self.last_heartbeat is None else max(0.0, now() - self.last_heartbeat)


@dataclass(frozen=True)
class Lease:
    """A hard, exclusive lease on any resource string, fenced by ``token``.

    ``agent_id`` is ``None`` once released; :meth:`Leases.get` returns only
    held leases, :meth:`Leases.inspect` any row (for its fencing token)."""

    resource: str
    agent_id: str | None
    token: int
    acquired_at: float | None
    expires_at: float | None
    problems: tuple[str, ...] = ()

    @property
    def held(self) -> bool:
        """Someone holds it now (not released, not expired)."""
        from .clock import now

        return self.live_at(now())

    def live_at(self, moment: float) -> bool:
        return self.agent_id is not None and self.expires_at is not None and self.expires_at > moment


#: Every liveness an agent can have, in the order screens list them.
LIVENESS_STATES = ("alive", "stale", "dead", "stopped")
#: The agent status an agent that stopped cleanly writes (``dl.agents.stop``).
STOPPED = "stopped"


@dataclass(frozen=True)
class Liveness:
    """Heartbeat age thresholds: alive below ``stale_after``, dead from ``dead_after``.

    An agent whose status is ``stopped`` said goodbye: it is ``stopped``
    whatever its heartbeat's age, so an operator tells a clean stop from a
    death.  One rule per database: see :mod:`jetpack_tui.data.settings`.
    """

    stale_after: float = 30.0
    dead_after: float = 120.0

    def classify(self, age: float | None, status: str | None = None) -> str:
        if status == STOPPED:
            return "stopped"
        if age is None or age >= self.dead_after:
            return "dead"
        if age >= self.stale_after:
            return "stale"
        return "alive"

    def of(self, last_heartbeat: float | None, status: str | None, now: float) -> str:
        """The liveness at ``now`` of an agent last heard of at ``last_heartbeat``."""
        return self.classify(None if last_heartbeat is None else max(0.0, now - last_heartbeat), status)
