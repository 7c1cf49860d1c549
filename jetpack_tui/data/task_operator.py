"""Operator actions on tasks: release, reassign, retry, cancel, reprioritise.

Each takes ``expected_version`` — the version the operator saw on screen.  If
the row changed meanwhile the action is refused with a :class:`ConflictError`
carrying the current row, and nothing is overwritten.  Each is recorded in the
audit trail with the operator's identity (``by``), and every agent it affects
gets an ``operator.*`` message in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import clock
from .backend import Tx
from .errors import ConflictError, InvalidInputError
from .mail_rows import notify_agents, release_task_reservations
from .models import OWNED_STATUSES, Task
from .task_inputs import validate_priority
from .inputs import check_agent_id, lease_seconds
from .task_lifecycle import TaskLifecycle
from .task_reads import current
from .task_rows import rank_of

if TYPE_CHECKING:
    from .context import StoreContext

_TERMINAL = ("completed", "cancelled")


class TaskOperatorActions:
    """An operator's actions on one DataLayer's tasks; ``claim_for`` goes
    through the lifecycle's claim so the two can never disagree."""

    def __init__(self, ctx: StoreContext, lifecycle: TaskLifecycle) -> None:
        self._ctx = ctx
        self._engine = ctx.engine
        self._lifecycle = lifecycle

    def _operator_change(
        self,
        task_id: str,
        by: str,
        expected_version: int | None,
        allowed: Callable[[Task], str | None],
        apply: Callable[[Tx, Task, float], None],
    ) -> Task:
        if not isinstance(by, str) or not by.strip():
            raise InvalidInputError("operator actions need the operator's identity (by=...)")

        def write(tx: Tx) -> Task:
            seen = current(tx, task_id)
            if expected_version is not None and seen.version != expected_version:
                raise ConflictError(
                    f"task {task_id} changed since you saw it (version {expected_version} → {seen.version})",
                    seen,
                )
            refusal = allowed(seen)
            if refusal:
                raise ConflictError(f"task {task_id}: {refusal}", seen)
            apply(tx, seen, clock.now())
            return current(tx, task_id)

        return self._engine.write(write)

    def release(self, task_id: str, *, by: str, reason: str | None = None,
                expected_version: int | None = None) -> Task:
        """Put a claimed task back in the queue (the attempt is not counted)."""

        def allowed(task: Task) -> str | None:
            return None if task.status in OWNED_STATUSES else f"is {task.status}, not claimed"

        def apply(tx: Tx, task: Task, moment: float) -> None:
            tx.execute(
                "UPDATE tasks SET status = 'pending', claimed_by = NULL, lease_expires_at = NULL,"
                " attempts = max(attempts - 1, 0), version = version + 1, updated_at = ?,"
                " last_actor = ?, last_action = 'release' WHERE id = ?",
                (moment, by, task_id),
            )
            release_task_reservations(tx, task_id)
            notify_agents(tx, [task.claimed_by], "operator.release",
                          {"task_id": task_id, "by": by, "reason": reason}, by=by, task_id=task_id)

        return self._operator_change(task_id, by, expected_version, allowed, apply)

    def reassign(self, task_id: str, to_agent: str, *, by: str, reason: str | None = None,
                 expected_version: int | None = None, ttl: float | None = None) -> Task:
        """Give a claimed (or pending) task to another agent with a fresh lease token."""
        check_agent_id(to_agent, "reassign needs the agent to give the task to, an id that")
        seconds = lease_seconds(ttl, self._ctx.lease_ttl)

        def allowed(task: Task) -> str | None:
            if task.status not in (*OWNED_STATUSES, "pending"):
                return f"is {task.status}; only pending or claimed tasks can be reassigned"
            if task.claimed_by == to_agent:
                return f"is already held by {to_agent}"
            return None

        def apply(tx: Tx, task: Task, moment: float) -> None:
            tx.execute(
                "UPDATE tasks SET status = 'claimed', claimed_by = ?, claimed_at = ?, lease_expires_at = ?,"
                " claim_token = claim_token + 1, version = version + 1, updated_at = ?,"
                " attempts = CASE WHEN status = 'pending' THEN attempts + 1 ELSE attempts END,"
                " last_actor = ?, last_action = 'reassign' WHERE id = ?",
                (to_agent, moment, moment + seconds, moment, by, task_id),
            )
            if task.claimed_by:
                release_task_reservations(tx, task_id, agent_id=task.claimed_by)
            payload = {"task_id": task_id, "by": by, "from": task.claimed_by, "to": to_agent, "reason": reason}
            notify_agents(tx, [task.claimed_by], "operator.reassign", payload, by=by, task_id=task_id)
            notify_agents(tx, [to_agent], "operator.assign", payload, by=by, task_id=task_id)

        return self._operator_change(task_id, by, expected_version, allowed, apply)

    def retry(self, task_id: str, *, by: str, expected_version: int | None = None) -> Task:
        """Send a failed (or cancelled) task back to the queue with fresh attempts."""

        def allowed(task: Task) -> str | None:
            return None if task.status in ("failed", "cancelled") else f"is {task.status}, not failed"

        def apply(tx: Tx, task: Task, moment: float) -> None:
            tx.execute(
                "UPDATE tasks SET status = 'pending', claimed_by = NULL, attempts = 0, available_at = NULL,"
                " lease_expires_at = NULL, version = version + 1, updated_at = ?, last_actor = ?,"
                " last_action = 'retry' WHERE id = ?",
                (moment, by, task_id),
            )

        return self._operator_change(task_id, by, expected_version, allowed, apply)

    def cancel(self, task_id: str, *, by: str, reason: str | None = None,
               expected_version: int | None = None) -> Task:
        """Cancel a task that has not finished; its holder is told."""

        def allowed(task: Task) -> str | None:
            return f"is already {task.status}" if task.status in _TERMINAL else None

        def apply(tx: Tx, task: Task, moment: float) -> None:
            tx.execute(
                "UPDATE tasks SET status = 'cancelled', lease_expires_at = NULL, last_error = coalesce(?, last_error),"
                " version = version + 1, updated_at = ?, last_actor = ?, last_action = 'cancel' WHERE id = ?",
                (reason, moment, by, task_id),
            )
            release_task_reservations(tx, task_id)
            if task.status in OWNED_STATUSES:
                notify_agents(tx, [task.claimed_by], "operator.cancel",
                              {"task_id": task_id, "by": by, "reason": reason}, by=by, task_id=task_id)

        return self._operator_change(task_id, by, expected_version, allowed, apply)

    def set_priority(self, task_id: str, priority: str, *, by: str,
                     expected_version: int | None = None) -> Task:
        validate_priority(priority)

        def allowed(task: Task) -> str | None:
            return None if task.priority != priority else f"already has priority {priority}"

        def apply(tx: Tx, task: Task, moment: float) -> None:
            tx.execute(
                "UPDATE tasks SET priority = ?, priority_rank = ?, version = version + 1, updated_at = ?,"
                " last_actor = ?, last_action = 'set_priority' WHERE id = ?",
                (priority, rank_of(priority), moment, by, task_id),
            )

        return self._operator_change(task_id, by, expected_version, allowed, apply)

    def claim_for(self, agent_id: str, task_id: str, *, by: str, expected_version: int | None = None,
                  ttl: float | None = None) -> Task:
        """An operator claims a task on an agent's behalf; the agent is told."""

        def write(tx: Tx) -> Task:
            task = self._lifecycle.claim(agent_id, task_id, ttl=ttl, by=by, expected_version=expected_version)
            notify_agents(tx, [agent_id], "operator.assign", {"task_id": task_id, "by": by, "to": agent_id},
                          by=by, task_id=task_id)
            return task

        return self._engine.write(write)
