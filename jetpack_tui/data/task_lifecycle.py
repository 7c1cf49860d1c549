"""The life of a claim: claim, start, renew, complete, fail, reclaim.

A claim is a lease.  Each grant increments ``claim_token`` (a fencing token):
a worker must present the token it was granted, so a worker that was paused
past its lease and lost the task to another agent cannot complete, renew or
fail its successor's work.  Every state change runs inside ``BEGIN
IMMEDIATE`` or is a single guarded ``UPDATE … WHERE <expected state>``, so of
any number of concurrent claimers exactly one wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import clock
from .backend import Tx
from .errors import ConflictError, InvalidInputError, NotFoundError, StaleLeaseError
from .jsonvalues import dump_json
from .mail_rows import release_task_reservations
from .models import Task
from .task_rows import READY_SQL, RETURNING, TASK_SELECT, task_from_row

if TYPE_CHECKING:
    from .context import StoreContext
    from .backend import Engine

_GRANT = (
    "UPDATE tasks SET status = 'claimed', claimed_by = ?, claimed_at = ?, lease_expires_at = ?,"
    " claim_token = claim_token + 1, attempts = attempts + 1, version = version + 1,"
    " updated_at = ?, last_actor = ?, last_action = ?, session_id = coalesce(?, session_id)"
)

#: The task's required skills are a subset of the agent's (case-insensitive).
#: Unreadable JSON is never claimable.  Kept lean on purpose (each JSON
#: function re-parses the text; this runs per candidate on the hot path):
#: a valid non-array value is read as its own elements, as json_each does.
_SKILLS_SQL = (
    "(t.required_skills IS NULL OR t.required_skills = '[]' OR (json_valid(t.required_skills) AND NOT EXISTS ("
    "SELECT 1 FROM json_each(CASE WHEN json_valid(t.required_skills) THEN t.required_skills ELSE '[]' END) s "
    "WHERE lower(s.value) NOT IN (SELECT lower(a.value) FROM json_each("
    "(SELECT CASE WHEN json_valid(skills) THEN skills ELSE '[]' END FROM agents WHERE id = ?)) a))))"
)

_NEXT_READY = (
    "SELECT t.id FROM tasks t WHERE t.status = 'pending'"
    " AND (t.available_at IS NULL OR t.available_at <= ?)"
    f" AND {_SKILLS_SQL} AND {READY_SQL}"
    " ORDER BY t.priority_rank, t.created_at LIMIT 1"
)

#: The claim's hot path: one self-contained compare-and-swap statement that
#: picks and grants the best ready task and returns the granted row.
#: ``bench/claims.py`` also runs it raw, to show what the SQL alone costs.
CLAIM_NEXT_SQL = f"{_GRANT} WHERE id = ({_NEXT_READY}) AND status = 'pending' {RETURNING}"


def claim_next_params(agent_id: str, moment: float, seconds: float, actor: str, action: str,
                      session_id: str | None) -> tuple:
    """Parameters of :data:`CLAIM_NEXT_SQL`, in order."""
    return (agent_id, moment, moment + seconds, moment, actor, action, session_id, moment, agent_id)


class TaskLifecycle:
    """Mixed into :class:`~jetpack_tui.data.tasks.Tasks`."""

    _ctx: StoreContext
    _engine: Engine

    def _lease_seconds(self, ttl: float | None) -> float:
        seconds = self._ctx.lease_ttl if ttl is None else ttl
        if not isinstance(seconds, (int, float)) or seconds <= 0:
            raise InvalidInputError("a lease ttl must be a positive number of seconds")
        return float(seconds)

    @staticmethod
    def _current(tx: Tx, task_id: str) -> Task:
        row = tx.row(TASK_SELECT + " WHERE t.id = ?", (task_id,))
        if row is None:
            raise NotFoundError(f"no task {task_id!r}")
        return task_from_row(row)

    def claim(
        self,
        agent_id: str,
        task_id: str | None = None,
        *,
        ttl: float | None = None,
        session_id: str | None = None,
        by: str | None = None,
        expected_version: int | None = None,
    ) -> Task | None:
        """Atomically claim ``task_id``, or the best ready task the agent can do.

        Without ``task_id`` the agent's registered skills must cover the task's
        required skills; the highest priority, then oldest, ready task wins and
        ``None`` means nothing is claimable.  With ``task_id`` the task must be
        pending and ready; otherwise :class:`ConflictError` carries its row.
        ``by`` records an operator claiming on the agent's behalf.
        """
        if not isinstance(agent_id, str) or not agent_id.strip():
            raise InvalidInputError("claim needs an agent id")
        seconds = self._lease_seconds(ttl)
        action = "claim" if by is None else "claim_for"
        actor = by or agent_id

        if task_id is None:
            return self._claim_next(agent_id, seconds, actor, action, session_id)

        def write(tx: Tx) -> Task | None:
            moment = clock.now()
            grant = (agent_id, moment, moment + seconds, moment, actor, action, session_id)
            guard = " AND version = ?" if expected_version is not None else ""
            row = tx.row(
                f"{_GRANT} WHERE id = ? AND status = 'pending' AND id IN "
                f"(SELECT t.id FROM tasks t WHERE t.id = ? AND {READY_SQL}){guard} {RETURNING}",
                (*grant, task_id, task_id, *(() if expected_version is None else (expected_version,))),
            )
            if row is not None:
                return task_from_row(row)
            current = self._current(tx, task_id)
            if expected_version is not None and current.version != expected_version:
                raise ConflictError(f"task {task_id} changed since you saw it", current)
            if current.status != "pending":
                owner = f" by {current.claimed_by}" if current.claimed_by else ""
                raise ConflictError(f"task {task_id} is {current.status}{owner}", current)
            raise ConflictError(f"task {task_id} is blocked by its dependencies", current)

        return self._engine.write(write)

    def _claim_next(self, agent_id: str, seconds: float, actor: str, action: str,
                    session_id: str | None) -> Task | None:
        """The hot path: one self-contained compare-and-swap statement picks
        and grants the best ready task and returns the granted row (no
        read-back: in Turso mode that would cost a pull)."""
        rows = self._engine.write_statement(
            CLAIM_NEXT_SQL, claim_next_params(agent_id, clock.now(), seconds, actor, action, session_id))
        return task_from_row(rows[0]) if rows else None

    # -- holder operations: each needs the current lease token ------------------
    def _holder_update(self, task_id: str, agent_id: str, token: int, sets: str, params: tuple,
                       action: str, *, release_reservations: bool = False) -> Task:
        def write(tx: Tx) -> Task:
            row = tx.row(
                f"UPDATE tasks SET {sets}, updated_at = ?, last_actor = ?, last_action = ? "
                "WHERE id = ? AND claimed_by = ? AND claim_token = ? AND status IN ('claimed', 'in_progress') "
                f"{RETURNING}",
                (*params, clock.now(), agent_id, action, task_id, agent_id, token),
            )
            if row is None:
                current = self._current(tx, task_id)
                raise StaleLeaseError(
                    f"{agent_id} no longer holds task {task_id} with token {token} "
                    f"(now {current.status}, owner {current.claimed_by}, token {current.claim_token})",
                    current,
                )
            if release_reservations:
                release_task_reservations(tx, task_id)
            return task_from_row(row)

        return self._engine.write(write)

    def start(self, task_id: str, agent_id: str, token: int) -> Task:
        """Mark a claimed task as in progress."""
        return self._holder_update(task_id, agent_id, token, "status = 'in_progress', version = version + 1",
                                   (), "start")

    def renew(self, task_id: str, agent_id: str, token: int, *, ttl: float | None = None) -> Task:
        """Extend the lease of a task the agent still holds with this token."""
        seconds = self._lease_seconds(ttl)
        return self._holder_update(task_id, agent_id, token, "lease_expires_at = ?",
                                   (clock.now() + seconds,), "renew")

    heartbeat = renew

    def complete(self, task_id: str, agent_id: str, token: int, *, result: Any = None) -> Task:
        """Finish a task; its file reservations are released with it."""
        return self._holder_update(
            task_id, agent_id, token,
            "status = 'completed', result = ?, lease_expires_at = NULL, version = version + 1",
            (dump_json(result, what="result"),), "complete", release_reservations=True,
        )

    def fail(self, task_id: str, agent_id: str, token: int, error: str, *, retry: bool = True) -> Task:
        """Record a failure: back to the queue after an exponential back-off while
        attempts remain (and ``retry``), else ``failed`` with the last error."""
        message = str(error)

        def write(tx: Tx) -> Task:
            current = self._current(tx, task_id)
            if (current.claimed_by != agent_id or current.claim_token != token
                    or current.status not in ("claimed", "in_progress")):
                raise StaleLeaseError(f"{agent_id} no longer holds task {task_id} with token {token}", current)
            moment = clock.now()
            if retry and current.attempts < current.max_attempts:
                delay = min(self._ctx.retry_base * 2 ** max(current.attempts - 1, 0), self._ctx.retry_max)
                status, available_at, owner = "pending", moment + delay, None
            else:
                status, available_at, owner = "failed", None, agent_id
            tx.execute(
                "UPDATE tasks SET status = ?, claimed_by = ?, lease_expires_at = NULL, available_at = ?,"
                " last_error = ?, version = version + 1, updated_at = ?, last_actor = ?, last_action = 'fail'"
                " WHERE id = ?",
                (status, owner, available_at, message, moment, agent_id, task_id),
            )
            release_task_reservations(tx, task_id)
            return self._current(tx, task_id)

        return self._engine.write(write)

    def reclaim_expired(self, *, by: str = "system") -> list[Task]:
        """Return every task whose lease expired to the queue (or to ``failed``
        when it used its last attempt).  Safe to run from many processes at once."""

        def write(tx: Tx) -> list[Task]:
            moment = clock.now()
            rows = tx.rows(
                "UPDATE tasks SET"
                " status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,"
                " last_error = CASE WHEN attempts >= max_attempts"
                "   THEN 'lease expired on the last attempt' ELSE last_error END,"
                " claimed_by = CASE WHEN attempts >= max_attempts THEN claimed_by END,"
                " lease_expires_at = NULL, version = version + 1, updated_at = ?, last_actor = ?,"
                " last_action = 'reclaim'"
                " WHERE status IN ('claimed', 'in_progress') AND lease_expires_at < ? " + RETURNING,
                (moment, by, moment),
            )
            tasks = [task_from_row(row) for row in rows]
            for task in tasks:
                release_task_reservations(tx, task.id)
            return tasks

        return self._engine.write(write)
