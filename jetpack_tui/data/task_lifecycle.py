"""The life of a claim: claim, start, renew, complete, fail, reclaim.

A claim is a lease.  Each grant increments ``claim_token`` (a fencing token):
a worker must present the token it was granted, so a worker that was paused
past its lease and lost the task to another agent cannot complete, renew or
fail its successor's work.  Every state change is a single guarded
``UPDATE … WHERE <expected state>`` or runs inside ``BEGIN IMMEDIATE``, so of
any number of concurrent claimers exactly one wins.

The claim's hot path is one statement that reads the first row of the ready
index (:mod:`.schema_claims`): readiness and skills are columns kept by
triggers, so a claim does no per-candidate JSON work and costs the same
behind 50k blocked tasks as behind none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import clock
from .backend import Tx
from .errors import ConflictError, StaleLeaseError
from .inputs import check_agent_id, lease_seconds
from .jsonvalues import dump_json
from .mail_rows import release_task_reservations
from .models import Task
from .schema_claims import SKILL_BITS
from .task_reads import current
from .task_rows import RETURNING, task_from_row

if TYPE_CHECKING:
    from .context import StoreContext

#: Grant (from pending) or accept (an operator's assignment, already
#: ``claimed`` for this agent): only a grant moves the token and attempts.
#: Parameters: agent, now, lease end, now, actor, action, session.
_GRANT = (
    "UPDATE tasks SET status = 'claimed', claimed_by = ?1,"
    " claimed_at = CASE WHEN status = 'pending' THEN ?2 ELSE claimed_at END, lease_expires_at = ?3,"
    " claim_token = claim_token + (status = 'pending'), attempts = attempts + (status = 'pending'),"
    " version = version + 1, updated_at = ?2, last_actor = ?4,"
    " last_action = CASE WHEN status = 'pending' THEN ?5 ELSE 'accept' END, session_id = coalesce(?6, session_id)"
)

#: The agent's skills mask (0 for an unregistered agent: skill-less tasks only).
_AGENT_KEY = "coalesce((SELECT skills_key FROM agents WHERE id = ?1), 0)"

#: The skills test when the dictionary outgrew the mask: tasks keyed ``-1``
#: are checked against the JSON lists (the old way, per candidate).
_SKILLS_JSON = (
    "(t.skills_key = -1 AND NOT EXISTS (SELECT 1 FROM json_each(t.required_skills) s"
    " WHERE lower(s.value) NOT IN (SELECT lower(a.value) FROM json_each("
    "(SELECT CASE WHEN json_valid(skills) AND json_type(skills) = 'array' THEN skills ELSE '[]' END"
    " FROM agents WHERE id = ?1)) a)))"
)

#: An assignment the agent has not taken up yet comes before new work.
#: ``INDEXED BY`` here and in the ready pick: without statistics the planner
#: prefers ``(status, claim_order)``, which walks every blocked task too.
_ASSIGNED = ("(SELECT id FROM tasks INDEXED BY tasks_assigned WHERE claimed_by = ?1 AND status = 'claimed'"
             " AND last_action IN ('claim_for', 'reassign') ORDER BY claim_order LIMIT 1)")


def _next_ready(skills: str) -> str:
    return ("(SELECT t.id FROM tasks t INDEXED BY tasks_ready"
            " WHERE t.status = 'pending' AND t.deps_unmet = 0 AND t.id IS NOT NULL"
            f" AND {skills} AND (t.available_at IS NULL OR t.available_at <= ?2)"
            " ORDER BY t.claim_order LIMIT 1)")


_WHERE_MINE = " AND (status = 'pending' OR (status = 'claimed' AND claimed_by = ?1)) "

#: The hot path: one self-contained compare-and-swap statement that takes
#: the agent's pending assignment or grants the first ready task its skills
#: cover, and returns the row.  While the skills dictionary fits the mask it
#: is a bit test; ``bench/claims.py`` also runs it raw.
CLAIM_NEXT_SQL = (
    f"{_GRANT} WHERE id = coalesce({_ASSIGNED}, "
    f"{_next_ready(f'(t.skills_key & {_AGENT_KEY}) = t.skills_key')})"
    f" AND coalesce((SELECT max(bit) FROM skill_bits), 0) <= {SKILL_BITS}{_WHERE_MINE}{RETURNING}"
)
#: The same when some task's skills have no bit (more than 62 distinct skills).
CLAIM_NEXT_WIDE_SQL = (
    f"{_GRANT} WHERE id = coalesce({_ASSIGNED}, "
    f"{_next_ready(f'((t.skills_key & {_AGENT_KEY}) = t.skills_key OR {_SKILLS_JSON})')})"
    f"{_WHERE_MINE}{RETURNING}"
)
_WIDE_SQL = f"SELECT coalesce(max(bit), 0) > {SKILL_BITS} FROM skill_bits"


def claim_next_params(agent_id: str, moment: float, seconds: float, actor: str, action: str,
                      session_id: str | None) -> tuple:
    """Parameters of :data:`CLAIM_NEXT_SQL`, in order."""
    return (agent_id, moment, moment + seconds, actor, action, session_id)


def _why_not(task: Task, agent_id: str, skills_ok: bool, moment: float, operator: bool) -> str:
    if task.status != "pending":
        owner = f" by {task.claimed_by}" if task.claimed_by else ""
        return f"task {task.id} is {task.status}{owner}"
    if not task.ready:
        return f"task {task.id} is blocked by its dependencies"
    if not operator and not skills_ok:
        return f"{agent_id} lacks the skills task {task.id} needs ({', '.join(task.required_skills)})"
    if not operator and task.available_at is not None and task.available_at > moment:
        return f"task {task.id} is backing off after a failure until {clock.to_db_text(task.available_at)} UTC"
    return f"task {task.id} cannot be claimed now"


class TaskLifecycle:
    """Claims and the holder's operations of one DataLayer's tasks."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine
        self._wide = False  # the skills dictionary outgrew the mask (never shrinks)

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
        """Atomically claim ``task_id``, or the best task the agent can do.

        Without ``task_id``: first a task an operator assigned to the agent
        (``claim_for``/``reassign``) that it has not taken up yet, then the
        ready task of best queue order whose required skills the agent's
        registered skills cover and that is not backing off after a failure;
        ``None`` when there is none.  With ``task_id`` the same rules hold for
        that task (an operator, ``by=``, may override skills and back-off,
        never dependencies); otherwise :class:`ConflictError` says why.
        """
        check_agent_id(agent_id, "claim needs an agent id that")
        seconds = lease_seconds(ttl, self._ctx.lease_ttl)
        action = "claim" if by is None else "claim_for"
        actor = by or agent_id
        if task_id is None:
            return self._claim_next(agent_id, seconds, actor, action, session_id)
        return self._engine.write(lambda tx: self._claim_one(
            tx, agent_id, task_id, seconds, actor, action, session_id, by is not None, expected_version))

    def _claim_one(self, tx: Tx, agent_id: str, task_id: str, seconds: float, actor: str, action: str,
                   session_id: str | None, operator: bool, expected_version: int | None) -> Task:
        moment = clock.now()
        skills = f"((t.skills_key & {_AGENT_KEY}) = t.skills_key OR {_SKILLS_JSON})"
        checks = "" if operator else f" AND {skills} AND (t.available_at IS NULL OR t.available_at <= ?2)"
        guard = " AND version = ?8" if expected_version is not None else ""
        row = tx.row(
            f"{_GRANT} WHERE id = ?7 AND status = 'pending' AND id IN (SELECT t.id FROM tasks t"
            f" WHERE t.id = ?7 AND t.deps_unmet = 0{checks}){guard} {RETURNING}",
            (*claim_next_params(agent_id, moment, seconds, actor, action, session_id), task_id,
             *(() if expected_version is None else (expected_version,))),
        )
        if row is not None:
            return task_from_row(row)
        task = current(tx, task_id)
        if expected_version is not None and task.version != expected_version:
            raise ConflictError(f"task {task_id} changed since you saw it", task)
        skills_ok = bool(tx.value(f"SELECT {skills} FROM tasks t WHERE t.id = ?7",
                                  (agent_id, None, None, None, None, None, task_id)))
        raise ConflictError(_why_not(task, agent_id, skills_ok, moment, operator), task)

    def _claim_next(self, agent_id: str, seconds: float, actor: str, action: str,
                    session_id: str | None) -> Task | None:
        """One self-contained compare-and-swap statement picks and grants
        (no read-back: in Turso mode that would cost a pull).  Only when it
        finds nothing is the skills dictionary checked for overflow, once per
        process (bits are never taken back)."""
        params = claim_next_params(agent_id, clock.now(), seconds, actor, action, session_id)
        if not self._wide:
            rows = self._engine.write_statement(CLAIM_NEXT_SQL, params)
            if rows:
                return task_from_row(rows[0])
            self._wide = bool(self._engine.value(_WIDE_SQL))
            if not self._wide:
                return None
        rows = self._engine.write_statement(CLAIM_NEXT_WIDE_SQL, params)
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
                now = current(tx, task_id)
                raise StaleLeaseError(
                    f"{agent_id} no longer holds task {task_id} with token {token} "
                    f"(now {now.status}, owner {now.claimed_by}, token {now.claim_token})",
                    now,
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
        seconds = lease_seconds(ttl, self._ctx.lease_ttl)
        return self._holder_update(task_id, agent_id, token, "lease_expires_at = ?",
                                   (clock.now() + seconds,), "renew")

    def complete(self, task_id: str, agent_id: str, token: int, *, result: Any = None) -> Task:
        """Finish a task; its file reservations are released with it."""
        return self._holder_update(
            task_id, agent_id, token,
            "status = 'completed', result = ?, lease_expires_at = NULL, version = version + 1",
            (dump_json(result, what="result"),), "complete", release_reservations=True,
        )

    def fail(self, task_id: str, agent_id: str, token: int, error: str, *, retry: bool = True) -> Task:
        """Record a failure: back to the queue after an exponential back-off while
        attempts remain (and ``retry``), else ``failed`` with the last error.
        One guarded statement: the back-off is computed in SQL from the row."""
        ctx = self._ctx
        return self._holder_update(
            task_id, agent_id, token,
            "status = CASE WHEN ? AND attempts < max_attempts THEN 'pending' ELSE 'failed' END,"
            " claimed_by = CASE WHEN ? AND attempts < max_attempts THEN NULL ELSE claimed_by END,"
            " available_at = CASE WHEN ? AND attempts < max_attempts"
            "   THEN ? + min(? * (1 << min(max(attempts - 1, 0), 40)), ?) END,"
            " lease_expires_at = NULL, last_error = ?, version = version + 1",
            (int(retry), int(retry), int(retry), clock.now(), ctx.retry_base, ctx.retry_max, str(error)),
            "fail", release_reservations=True,
        )

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
