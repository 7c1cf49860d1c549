"""Reads of the task queue: one task, pages, counts, history, blockers.

Every read is bounded by an index: counts come from ``task_counts`` (kept
by triggers), the ready/blocked split from ``deps_unmet``, a task's blockers
from the ``task_deps`` reverse index in one query, and a page goes the way
:mod:`.task_routes` chooses (an index in the sort's order, a union of
per-status ranges, a window of an index, or slices of the table).  libSQL
holds the GIL while a query runs, so a read that grew with the table would
freeze the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import clock
from .backend import Engine, Tx
from .errors import InvalidInputError, NotFoundError
from .jsonvalues import dump_json
from .models import Blockers, Task, TaskEvent
from .paging import page
from .task_routes import DIRECT, Route, choose
from .task_scan import SLICE, WINDOW, sliced_count, sliced_page, union_page, window_page
from .task_rows import BLOCKED_SQL, EVENT_SELECT, READY_SQL, TASK_SELECT, event_from_row, task_from_row

#: Columns the task list can be sorted by (whitelist: never interpolate input).
#: ``priority`` is the queue order: priority, then age (and aging, when on).
SORTABLE = {
    "id": "t.id", "title": "t.title", "status": "t.status", "priority": "t.claim_order",
    "claimed_by": "t.claimed_by", "created_at": "t.created_at", "updated_at": "t.updated_at",
    "lease_expires_at": "t.lease_expires_at", "attempts": "t.attempts",
    "required_skills": "t.required_skills", "dependencies": "t.dependencies",
}
#: Ties are broken by queue order within a status (the ``(status, claim_order,
#: id)`` index gives that order), by age elsewhere, and finally by id.
TIES = {"priority": (), "status": ("t.claim_order",)}

#: One query for a task's blockers: each listed dependency with its status
#: (NULL: missing), and whether following unfinished dependencies leads
#: back to the task (a cycle).  Bounded: at most 1,000 listed dependencies
#: (the triggers' cap) and each reachable task visited once.
_BLOCKERS_SQL = (
    "WITH RECURSIVE reach(id) AS ("
    " SELECT dep_id FROM task_deps WHERE task_id = ?"
    " UNION SELECT d.dep_id FROM task_deps d JOIN reach r ON d.task_id = r.id"
    " JOIN tasks c ON c.id = d.task_id AND c.status IS NOT 'completed')"
    " SELECT d.dep_id, c.status, EXISTS (SELECT 1 FROM reach WHERE id = ?)"
    " FROM task_deps d LEFT JOIN tasks c ON c.id = d.dep_id WHERE d.task_id = ? ORDER BY d.rowid"
)


def current(tx: Tx, task_id: str) -> Task:
    """The task as it is now, inside the caller's read or transaction."""
    row = tx.row(TASK_SELECT + " WHERE t.id = ?", (task_id,))
    if row is None:
        raise NotFoundError(f"no task {task_id!r}")
    return task_from_row(row)


def _filters(status, claimed_by, ready, parent_id, text, exclude_status, ids) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if isinstance(status, str):  # equality: the (status, claim_order, id) index gives the order
        clauses.append("t.status = ?")
        params.append(status)
    elif status is not None:
        clauses.append("t.status IN (SELECT value FROM json_each(?))")
        params.append(dump_json(list(status), what="status"))
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
        clauses.append(f"t.status = 'pending' AND {BLOCKED_SQL}")
    if text:
        clauses.append("(instr(lower(t.title), lower(?)) > 0 OR instr(lower(t.id), lower(?)) > 0"
                       " OR instr(lower(coalesce(t.claimed_by, '')), lower(?)) > 0)")
        params += [text, text, text]
    if ids is not None:
        clauses.append("t.id IN (SELECT value FROM json_each(?))")
        params.append(dump_json(list(dict.fromkeys(ids)), what="ids"))
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, params


def _condition(where: str) -> str:
    """The condition of a ``_filters`` WHERE clause, to combine in other SQL (``1``: none)."""
    return where[len(" WHERE "):] or "1"


class TaskReads:
    """Reads of one DataLayer's tasks (no writes: see the lifecycle and the
    operator's actions)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        #: Rows per slice of a read no index bounds (tests make it small).
        self.scan_slice = SLICE

    def get(self, task_id: str) -> Task:
        return self._engine.read(lambda tx: current(tx, task_id))

    def find(self, task_id: str) -> Task | None:
        """Like :meth:`get` but ``None`` when the task does not exist."""
        row = self._engine.row(TASK_SELECT + " WHERE t.id = ?", (task_id,))
        return None if row is None else task_from_row(row)

    def get_many(self, task_ids: Iterable[str]) -> dict[str, Task]:
        """Tasks by id in one query (the dashboard's refresh of k changed rows)."""
        ids = list(dict.fromkeys(task_ids))
        if not ids:
            return {}
        rows = self._engine.rows(TASK_SELECT + " WHERE t.id IN (SELECT value FROM json_each(?))",
                                 (dump_json(ids, what="ids"),))
        return {task.id: task for task in map(task_from_row, rows)}

    def list(
        self,
        *,
        status: str | Sequence[str] | None = None,
        claimed_by: str | None = None,
        ready: bool | None = None,
        parent_id: str | None = None,
        text: str | None = None,
        exclude_status: Sequence[str] = (),
        ids: Iterable[str] | None = None,
        order_by: str = "priority",
        descending: bool = False,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[Task]:
        """Tasks matching every given filter, one page at a time (SQL does the
        work).  ``ids`` restricts to those tasks: which of k changed rows still
        match a filter is one indexed query."""
        paged = isinstance(limit, int) and isinstance(offset, int) and limit >= 0 and offset >= 0
        route = self._route(order_by, status, claimed_by, ready, parent_id, text, exclude_status, ids, paged)
        if route.statuses is not None:
            status, exclude_status = list(route.statuses), ()
        where, params = _filters(status, claimed_by, ready, parent_id, text, exclude_status, ids)
        terms = order_terms(order_by, descending)
        if route.kind != "direct":
            limit, offset = page("", [], limit, offset)[1]
            best = self._bounded_page(route, _condition(where), params, terms, limit + offset,
                                      (status, ready, exclude_status))
            # the best rowids come in the list's order: the page is their tail
            chosen = best[offset:offset + limit]
            where, params, offset = " WHERE t.rowid IN (SELECT value FROM json_each(?))", [
                dump_json(chosen, what="rowids")], 0
        source = TASK_SELECT
        if route.kind == "direct" and route.index is not None:
            source += f" INDEXED BY {route.index}"
        sql, params = page(f"{source}{where}{_order(order_by, descending)}", params, limit, offset)
        return [task_from_row(row) for row in self._engine.rows(sql, params)]

    def _bounded_page(self, route: Route, condition: str, params: list[Any], terms, keep: int,
                      untexted: tuple[Any, Any, Any]) -> list[int]:
        """The rowids of the best ``keep`` rows by a ``union``, ``window`` or ``sliced`` route."""
        if route.kind == "union":
            return union_page(self._engine, route.statuses or (), condition, params, terms, keep)
        if route.kind == "window":
            inner, inner_params = "1", []
            if route.exact:  # the filter but its text: the index holds exactly these rows
                status, ready, exclude_status = untexted
                where, inner_params = _filters(status, None, ready, None, None, exclude_status, None)
                inner = _condition(where)
            # each row of a window is a lookup in the table (random reads when cold): a few pages'
            # worth, found when at least a quarter of the rows match, else the slices
            window = min(self.scan_slice, max(WINDOW, 4 * keep))
            found = window_page(self._engine, route.index, inner, inner_params, condition, params, terms, keep,
                                window)
            if found is not None:
                return found
        return sliced_page(self._engine, condition, params, terms, keep, self.scan_slice)

    def _route(self, order_by, status, claimed_by, ready, parent_id, text, exclude_status, ids, paged) -> Route:
        """How this read goes (:mod:`.task_routes`), from the counters: no scan to decide."""
        if order_by not in SORTABLE:
            raise InvalidInputError(f"cannot sort tasks by {order_by!r}")
        if ids is not None or claimed_by is not None or parent_id is not None:
            return DIRECT  # bounded by their own index
        return choose(self.counts_by_status(), order_by=order_by, status=status, ready=ready,
                      exclude_status=exclude_status or (), text=text, bounded_elsewhere=not paged,
                      slice_rows=self.scan_slice)

    def count(self, *, status=None, claimed_by=None, ready=None, parent_id=None, text=None,
              exclude_status: Sequence[str] = (), ids: Iterable[str] | None = None) -> int:
        if (claimed_by is None and parent_id is None and not text and ids is None
                and (ready is None or status in (None, "pending"))):
            return self._count_from_counters(status, ready, exclude_status)
        # "id" order: no sort index is wanted, only the route of the filter
        route = self._route("id", status, claimed_by, ready, parent_id, text, exclude_status, ids, True)
        if route.statuses is not None:
            status, exclude_status = list(route.statuses), ()
        where, params = _filters(status, claimed_by, ready, parent_id, text, exclude_status, ids)
        if route.kind != "direct":  # a text over many rows: every row is visited, in slices
            return sliced_count(self._engine, _condition(where), params, self.scan_slice)
        source = "tasks t" if route.index is None else f"tasks t INDEXED BY {route.index}"
        return int(self._engine.value(f"SELECT count(*) FROM {source}{where}", params) or 0)

    def _count_from_counters(self, status, ready, exclude_status) -> int:
        counts = self.counts_by_status()
        if ready is not None:
            return counts.get("ready" if ready else "blocked", 0)
        statuses = [status] if isinstance(status, str) else (list(status) if status is not None else None)
        excluded = set(exclude_status or ())
        return sum(n for name, n in counts.items() if name not in ("ready", "blocked")
                   and (statuses is None or name in statuses) and name not in excluded)

    def counts_by_status(self) -> dict[str, int]:
        """``{status: n}`` plus derived ``ready`` and ``blocked`` for pending
        tasks, from the counters the triggers keep: O(statuses), not O(tasks)."""
        counts: dict[str, int] = {}
        for bucket, n in self._engine.rows("SELECT bucket, n FROM task_counts WHERE n <> 0"):
            name = str(bucket)
            if name.startswith("pending:"):
                counts["pending"] = counts.get("pending", 0) + int(n)
                counts[name.split(":", 1)[1]] = int(n)
            else:
                counts[name] = counts.get(name, 0) + int(n)
        if "pending" in counts:
            counts.setdefault("ready", 0)
            counts.setdefault("blocked", 0)
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
        """Why a task is not ready: unfinished and missing dependencies, a
        cycle, an unreadable list.  Two queries whatever the list's length."""

        def read(tx: Tx) -> Blockers:
            task = current(tx, task_id)
            unfinished, missing, on_cycle = [], [], False
            for dep, status, cycle in tx.rows(_BLOCKERS_SQL, (task_id, task_id, task_id)):
                on_cycle = on_cycle or bool(cycle)
                if status is None:
                    missing.append(str(dep))
                elif status != "completed":
                    unfinished.append((str(dep), str(status)))
            unreadable = task.deps_unmet is None or "dependencies" in task.raw
            return Blockers(unfinished=unfinished, missing=missing, cycle=[task.id] if on_cycle else [],
                            unreadable=unreadable)

        return self._engine.read(read)

    def dependents(self, task_id: str, *, limit: int = 50) -> list[Task]:
        """Unfinished tasks that list ``task_id`` among their dependencies —
        they cannot become ready while it is cancelled, so the operator sees
        them before cancelling.  Read through the ``task_deps`` reverse index."""
        rows = self._engine.rows(
            TASK_SELECT + " WHERE t.id IN (SELECT task_id FROM task_deps WHERE dep_id = ?)"
            " AND t.status NOT IN ('completed', 'cancelled') ORDER BY t.claim_order, t.id LIMIT ?",
            (task_id, int(limit)))
        return [task_from_row(row) for row in rows]

    def order_of(self, task_ids: Iterable[str], *, status: str | Sequence[str] | None = None,
                 claimed_by: str | None = None, ready: bool | None = None, parent_id: str | None = None,
                 text: str | None = None, exclude_status: Sequence[str] = (), order_by: str = "priority",
                 descending: bool = False) -> list[str]:
        """Of ``task_ids``, the ids of those matching every filter of :meth:`list`,
        in :meth:`list`'s order.  A screen showing one page passes the page's ids
        and the ids the change feed named: SQL says which changed rows match and
        where they go.  It walks the given ids (each a primary-key lookup, ids
        only, no rows decoded), so its cost is bounded by their number whatever
        the table's size — ``list(ids=…)`` with ``ready`` walks the ready index."""
        ids = list(dict.fromkeys(task_ids))
        if not ids:
            return []
        where, params = _filters(status, claimed_by, ready, parent_id, text, exclude_status, None)
        order = _order(order_by, descending)
        sql = f"SELECT t.id FROM json_each(?) AS j CROSS JOIN tasks t ON t.id = j.value{where}{order}"
        return [str(row[0]) for row in self._engine.rows(sql, [dump_json(ids, what="ids"), *params])]


def order_terms(order_by: str, descending: bool) -> list[tuple[str, str]]:
    """``(expression, direction)`` of the list's order: the column, its ties, ``t.id`` last."""
    column = SORTABLE.get(order_by)
    if column is None:
        raise InvalidInputError(f"cannot sort tasks by {order_by!r}")
    direction = "DESC" if descending else "ASC"
    return [(expression, direction) for expression in (column, *TIES.get(order_by, ("t.created_at",)), "t.id")]


def _order(order_by: str, descending: bool) -> str:
    """The ORDER BY of :meth:`TaskReads.list` (the board's tests hold the two equal)."""
    return " ORDER BY " + ", ".join(f"{e} {d}" for e, d in order_terms(order_by, descending))
