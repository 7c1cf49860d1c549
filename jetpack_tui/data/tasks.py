"""``dl.tasks``: the task queue.

This module holds creation, reads and field updates; the lifecycle of a claim
(:mod:`.task_lifecycle`) and the operator's actions (:mod:`.task_operator`)
are mixed in, so ``dl.tasks`` offers the seed's create / list / claim / update
as one object while each file keeps one job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from . import clock
from .context import StoreContext
from .backend import Tx
from .errors import ConflictError, InvalidInputError, NotFoundError
from .ids import new_id
from .jsonvalues import dump_json, dump_string_list, read_list
from .models import PRIORITIES, Blockers, Task, TaskEvent
from .task_lifecycle import TaskLifecycle
from .task_operator import TaskOperatorActions
from .task_rows import EVENT_SELECT, READY_SQL, TASK_SELECT, event_from_row, rank_of, task_from_row
from .paging import page

#: Columns the task list can be sorted by (whitelist: never interpolate input).
SORTABLE = {
    "id": "t.id", "title": "t.title", "status": "t.status", "priority": "t.priority_rank",
    "claimed_by": "t.claimed_by", "created_at": "t.created_at", "updated_at": "t.updated_at",
    "lease_expires_at": "t.lease_expires_at", "attempts": "t.attempts",
    "required_skills": "t.required_skills", "dependencies": "t.dependencies",
}
UPDATABLE = ("title", "description", "priority", "required_skills", "dependencies",
             "parent_id", "max_attempts", "result")


def validate_title(title: Any) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidInputError("a task needs a non-empty title")
    return title


def validate_priority(priority: Any) -> str:
    if priority not in PRIORITIES:
        raise InvalidInputError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    return priority


def would_cycle(tx: Tx, task_id: str, dependencies: Sequence[str]) -> bool:
    """True when ``task_id`` is reachable from ``dependencies`` (a cycle).

    A breadth-first walk in Python, one indexed query per level, rather than a
    recursive CTE: Turso's server does not run recursive CTEs.
    """
    seen: set[str] = set()
    frontier = [d for d in dependencies if isinstance(d, str)]
    while frontier:
        if task_id in frontier:
            return True
        seen.update(frontier)
        rows = tx.rows(
            "SELECT dependencies FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
            (dump_json(frontier, what="dependencies"),),
        )
        following: set[str] = set()
        for (raw,) in rows:
            following.update(read_list(raw)[0])
        frontier = [d for d in following if d not in seen]
    return False


class Tasks(TaskLifecycle, TaskOperatorActions):
    """The task queue of one DataLayer."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine

    # -- create -------------------------------------------------------------
    def create(
        self,
        title: str,
        *,
        priority: str = "medium",
        required_skills: Iterable[str] = (),
        dependencies: Iterable[str] = (),
        parent_id: str | None = None,
        description: str | None = None,
        id: str | None = None,
        max_attempts: int = 3,
        by: str | None = None,
    ) -> Task:
        validate_title(title)
        validate_priority(priority)
        skills_json = dump_string_list(required_skills, what="required_skills")
        deps_json = dump_string_list(dependencies, what="dependencies")
        deps = json.loads(deps_json)
        if id is not None and (not isinstance(id, str) or not id.strip()):
            raise InvalidInputError("a task id must be a non-empty string")
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise InvalidInputError("max_attempts must be a positive integer")
        task_id = id or new_id("task")
        if task_id in deps:
            raise InvalidInputError(f"task {task_id} cannot depend on itself")

        def write(tx: Tx) -> Task:
            if tx.value("SELECT 1 FROM tasks WHERE id = ?", (task_id,)):
                raise ConflictError(f"a task with id {task_id!r} already exists", current=self._get(tx, task_id))
            if deps and would_cycle(tx, task_id, deps):
                raise InvalidInputError(f"dependencies of {task_id} would form a cycle")
            moment = clock.now()
            tx.execute(
                "INSERT INTO tasks(id, parent_id, title, status, priority, required_skills, dependencies,"
                " created_at, description, updated_at, max_attempts, version, last_actor, last_action, priority_rank)"
                " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, 1, ?, 'create', ?)",
                (task_id, parent_id, title, priority, skills_json, deps_json, clock.to_db_text(moment),
                 description, moment, max_attempts, by, rank_of(priority)),
            )
            return self._get(tx, task_id)

        return self._engine.write(write)

    # -- reads --------------------------------------------------------------
    @staticmethod
    def _get(tx: Tx, task_id: str) -> Task:
        row = tx.row(TASK_SELECT + " WHERE t.id = ?", (task_id,))
        if row is None:
            raise NotFoundError(f"no task {task_id!r}")
        return task_from_row(row)

    def get(self, task_id: str) -> Task:
        return self._engine.read(lambda tx: self._get(tx, task_id))

    def find(self, task_id: str) -> Task | None:
        """Like :meth:`get` but ``None`` when the task does not exist."""
        row = self._engine.row(TASK_SELECT + " WHERE t.id = ?", (task_id,))
        return None if row is None else task_from_row(row)

    def get_many(self, task_ids: Iterable[str]) -> dict[str, Task]:
        """Tasks by id in one query (the dashboard's refresh of k changed rows)."""
        ids = list(dict.fromkeys(task_ids))
        if not ids:
            return {}
        rows = self._engine.rows(
            TASK_SELECT + " WHERE t.id IN (SELECT value FROM json_each(?))",
            (dump_json(ids, what="ids"),),
        )
        return {task.id: task for task in map(task_from_row, rows)}

    @staticmethod
    def _filters(status, claimed_by, ready, parent_id, text, exclude_status) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            clauses.append("t.status IN (SELECT value FROM json_each(?))")
            params.append(dump_json(statuses, what="status"))
        if exclude_status:
            clauses.append("t.status NOT IN (SELECT value FROM json_each(?))")
            params.append(dump_json(list(exclude_status), what="exclude_status"))
        if claimed_by is not None:
            clauses.append("t.claimed_by = ?")
            params.append(claimed_by)
        if parent_id is not None:
            clauses.append("t.parent_id = ?")
            params.append(parent_id)
        if ready is True:
            clauses.append(f"t.status = 'pending' AND {READY_SQL}")
        elif ready is False:
            clauses.append(f"t.status = 'pending' AND NOT {READY_SQL}")
        if text:
            clauses.append("(instr(lower(t.title), lower(?)) > 0 OR instr(lower(t.id), lower(?)) > 0"
                           " OR instr(lower(coalesce(t.claimed_by, '')), lower(?)) > 0)")
            params += [text, text, text]
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return where, params

    def list(
        self,
        *,
        status: str | Sequence[str] | None = None,
        claimed_by: str | None = None,
        ready: bool | None = None,
        parent_id: str | None = None,
        text: str | None = None,
        exclude_status: Sequence[str] = (),
        order_by: str = "priority",
        descending: bool = False,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[Task]:
        """Tasks matching every given filter, one page at a time (SQL does the work)."""
        where, params = self._filters(status, claimed_by, ready, parent_id, text, exclude_status)
        column = SORTABLE.get(order_by)
        if column is None:
            raise InvalidInputError(f"cannot sort tasks by {order_by!r}")
        direction = "DESC" if descending else "ASC"
        sql = f"{TASK_SELECT}{where} ORDER BY {column} {direction}, t.created_at {direction}, t.id"
        sql, params = page(sql, params, limit, offset)
        return [task_from_row(row) for row in self._engine.rows(sql, params)]

    def count(self, *, status=None, claimed_by=None, ready=None, parent_id=None, text=None,
              exclude_status: Sequence[str] = ()) -> int:
        where, params = self._filters(status, claimed_by, ready, parent_id, text, exclude_status)
        return int(self._engine.value(f"SELECT count(*) FROM tasks t{where}", params) or 0)

    def counts_by_status(self) -> dict[str, int]:
        """``{status: n}`` plus derived ``ready`` and ``blocked`` for pending tasks."""
        rows = self._engine.rows("SELECT status, count(*) FROM tasks GROUP BY status")
        counts = {str(status): n for status, n in rows}
        if counts.get("pending"):
            counts["ready"] = self.count(ready=True)
            counts["blocked"] = counts["pending"] - counts["ready"]
        return counts

    def completions_per_hour(self, since: float, until: float) -> dict[int, int]:
        """``{bucket start epoch: tasks completed}`` for hour buckets counted
        from ``since`` (so with ``since = now - 12 h`` the last bucket is the
        past hour), completions with ``since <= at < until``.  One GROUP BY
        over the audit trail (``task_events.action = 'complete'``); hours with
        none are absent."""
        try:
            start, end = float(since), float(until)
        except (TypeError, ValueError):
            raise InvalidInputError(f"since/until must be epoch seconds, not {since!r}, {until!r}") from None
        rows = self._engine.rows(
            "SELECT CAST((at - ?) / 3600 AS INTEGER) AS bucket, count(*) FROM task_events"
            " WHERE action = 'complete' AND at >= ? AND at < ? GROUP BY bucket",
            (start, start, end),
        )
        return {int(start) + int(bucket) * 3600: int(n) for bucket, n in rows}

    def count_expired_claims(self, now: float | None = None) -> int:
        """Owned (claimed / in progress) tasks whose lease has expired: what
        ``reclaim_expired`` would take back."""
        moment = clock.now() if now is None else float(now)
        return int(self._engine.value(
            "SELECT count(*) FROM tasks WHERE status IN ('claimed', 'in_progress')"
            " AND lease_expires_at IS NOT NULL AND lease_expires_at < ?", (moment,)) or 0)

    def children(self, task_id: str) -> list[Task]:
        return self.list(parent_id=task_id, limit=None, order_by="created_at")

    def history(self, task_id: str, *, limit: int = 200) -> list[TaskEvent]:
        """The audit trail of a task, oldest first."""
        rows = self._engine.rows(EVENT_SELECT + " WHERE task_id = ? ORDER BY id DESC LIMIT ?", (task_id, limit))
        return [event_from_row(row) for row in reversed(rows)]

    def blockers(self, task_id: str) -> Blockers:
        """Why a task is not ready: unfinished and missing dependencies, cycles."""

        def read(tx: Tx) -> Blockers:
            task = self._get(tx, task_id)
            raw_deps = tx.value("SELECT dependencies FROM tasks WHERE id = ?", (task_id,))
            deps, ok = read_list(raw_deps)
            unfinished, missing = [], []
            for dep in deps:
                status = tx.row("SELECT status FROM tasks WHERE id = ?", (dep,))
                if status is None:
                    missing.append(dep)
                elif status[0] != "completed":
                    unfinished.append((dep, str(status[0])))
            cycle = [task.id] if deps and would_cycle(tx, task.id, deps) else []
            return Blockers(unfinished=unfinished, missing=missing, cycle=cycle, unreadable=not ok)

        return self._engine.read(read)

    # -- update -------------------------------------------------------------
    def update(self, task_id: str, *, expected_version: int | None = None, by: str | None = None,
               **fields: Any) -> Task:
        """Change descriptive fields; status changes go through the lifecycle verbs."""
        unknown = set(fields) - set(UPDATABLE)
        if unknown:
            raise InvalidInputError(f"cannot update {', '.join(sorted(unknown))} (allowed: {', '.join(UPDATABLE)})")
        sets: list[str] = []
        params: list[Any] = []
        for name, value in fields.items():
            if name == "title":
                value = validate_title(value)
            elif name == "priority":
                validate_priority(value)
                sets.append("priority_rank = ?")
                params.append(rank_of(value))
            elif name in ("required_skills", "dependencies"):
                value = dump_string_list(value, what=name)
            elif name == "result":
                value = dump_json(value, what="result")
            elif name == "max_attempts" and (not isinstance(value, int) or value < 1):
                raise InvalidInputError("max_attempts must be a positive integer")
            sets.append(f"{name} = ?")
            params.append(value)

        def write(tx: Tx) -> Task:
            current = self._get(tx, task_id)
            if expected_version is not None and current.version != expected_version:
                raise ConflictError(
                    f"task {task_id} changed (version {current.version}, you saw {expected_version})", current)
            if "dependencies" in fields and would_cycle(tx, task_id, list(fields["dependencies"])):
                raise InvalidInputError(f"dependencies of {task_id} would form a cycle")
            if not sets:
                return current
            tx.execute(
                f"UPDATE tasks SET {', '.join(sets)}, version = version + 1, updated_at = ?, "
                "last_actor = ?, last_action = 'update' WHERE id = ?",
                (*params, clock.now(), by, task_id),
            )
            return self._get(tx, task_id)

        return self._engine.write(write)

    # -- reads for a screen that shows one page and follows changes ------------
    @staticmethod
    def _sort(order_by: str, descending: bool, *, backwards: bool = False) -> str:
        """The ORDER BY of :meth:`list` (``backwards``: every term reversed, ties included)."""
        column = SORTABLE.get(order_by)
        if column is None:
            raise InvalidInputError(f"cannot sort tasks by {order_by!r}")
        way = "DESC" if descending != backwards else "ASC"
        return f" ORDER BY {column} {way}, t.created_at {way}, t.id{' DESC' if backwards else ''}"

    def order_of(self, task_ids: Iterable[str], *, status: str | Sequence[str] | None = None,
                 claimed_by: str | None = None, ready: bool | None = None, parent_id: str | None = None,
                 text: str | None = None, exclude_status: Sequence[str] = (), order_by: str = "priority",
                 descending: bool = False) -> list[str]:
        """Of ``task_ids``, those matching every filter of :meth:`list`, in the
        order :meth:`list` would return them.

        A screen showing one page passes the ids on the page plus the ids the
        change feed named: SQL decides which changed rows match and where they
        go, so the screen never re-implements the filters or the sort.  The
        cost is bounded by the number of ids (primary-key lookups), whatever
        the size of the table.
        """
        ids = list(dict.fromkeys(task_ids))
        if not ids:
            return []
        where, params = self._filters(status, claimed_by, ready, parent_id, text, exclude_status)
        order = self._sort(order_by, descending)
        # CROSS JOIN keeps SQLite from scanning the table for a filter (the
        # ready test, a status): it walks the given ids and looks each one up.
        sql = f"SELECT t.id FROM json_each(?) AS j CROSS JOIN tasks t ON t.id = j.value{where}{order}"
        return [str(row[0]) for row in self._engine.rows(sql, [dump_json(ids, what="ids"), *params])]

    def list_from_end(self, *, status: str | Sequence[str] | None = None, claimed_by: str | None = None,
                      ready: bool | None = None, parent_id: str | None = None, text: str | None = None,
                      exclude_status: Sequence[str] = (), order_by: str = "priority", descending: bool = False,
                      limit: int = 100, offset: int = 0) -> list[Task]:
        """The page of :meth:`list` that ends ``offset`` rows before the last one,
        in :meth:`list` order — read backwards, so the last pages of a big table
        cost one page (an ``OFFSET`` near the end would skip every row before it)."""
        where, params = self._filters(status, claimed_by, ready, parent_id, text, exclude_status)
        order = self._sort(order_by, descending, backwards=True)
        sql = f"{TASK_SELECT}{where}{order}"
        sql, params = page(sql, params, limit, offset)
        return [task_from_row(row) for row in reversed(self._engine.rows(sql, params))]

    def dependents(self, task_id: str, *, limit: int = 50) -> list[Task]:
        """Unfinished tasks that list ``task_id`` among their dependencies (they
        can never become ready while it is cancelled): the operator sees them
        before cancelling.  One scan of the dependency lists of unfinished
        tasks — an operator's question, not a refresh."""
        # A plain id appears literally in any JSON spelling of the list: a cheap pre-filter.
        plain = task_id if task_id.isascii() and not set(task_id) & {'"', "\\"} else ""
        rows = self._engine.rows(
            TASK_SELECT + " WHERE t.status NOT IN ('completed', 'cancelled') AND instr(t.dependencies, ?) > 0"
            " AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(t.dependencies) THEN t.dependencies"
            " ELSE '[]' END) WHERE value = ?) ORDER BY t.priority_rank, t.created_at, t.id LIMIT ?",
            (plain, task_id, int(limit)))
        return [task_from_row(row) for row in rows]
