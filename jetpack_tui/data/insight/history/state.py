"""The swarm as it was at a moment: every task's status and owner, counts.

What is knowable, and how each task's entry says where it comes from
(``basis``):

``log``         the task's last audit event at or before T says it;
``inferred``    the task's history starts after T with an event that is not
                its creation (the log was pruned, or the task predates it):
                the event's ``from`` side is what it was, as long as T is
                inside the log (nothing unrecorded happened between);
``unrecorded``  the task has no audit event at all (it predates the log and
                never changed since): it is shown as it is now, if it was
                created by T;
``unknown``     T is before the retained log began and the task's history
                does not start with its creation after T.

Ready / blocked is worked out for the tasks pending at T from their
dependencies' statuses at T, with the dependency lists as they are now
(the audit log does not record dependency edits).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..snapshot import OWNED
from ..source import Reader, by_ids, json_items, scan_by_rowid, text
from ...clock import parse_timestamp
from .agents import AgentsThen
from .checkpoints import HistoryIndex
from .log import LogBounds
from .table import TaskTable


@dataclass(frozen=True)
class TaskThen:
    id: str
    status: str | None
    owner: str | None
    basis: str
    #: For tasks pending at T: were their dependencies all completed then?
    ready: bool | None = None

    @property
    def state(self) -> str:
        """``ready`` / ``blocked`` for pending tasks, else the status (or ``unknown``)."""
        if self.status == "pending" and self.ready is not None:
            return "ready" if self.ready else "blocked"
        return self.status or "unknown"


@dataclass
class SwarmState:
    moment: float
    #: The last audit event applied (``None``: T is before every event).
    event_id: int | None
    event_at: float | None
    log: LogBounds | None
    table: TaskTable | None
    #: Tasks the table does not hold (inferred, unrecorded, unknown), by id.
    extra: dict[str, TaskThen] = field(default_factory=dict)
    #: Pending tasks at T -> ready then.
    ready: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: False when ready/blocked was not worked out (``readiness=False``).
    readiness_known: bool = False
    #: Agents' liveness then (filled by ``Insight.state_at``).
    agents: AgentsThen | None = None

    def get(self, task_id: str) -> TaskThen | None:
        if self.table is not None:
            i = self.table.find(task_id)
            if i is not None and self.table.status[i] != 255:
                status = self.table.status_of(i)
                return TaskThen(task_id, status, self.table.owner_of(i), "log", self.ready.get(task_id))
        return self.extra.get(task_id)

    def __iter__(self) -> Iterator[TaskThen]:
        """Every task that existed at T (or might have: ``unknown``), in the
        order they first appear in the log, then the rest by id."""
        if self.table is not None:
            ids, status_of, owner_of = self.table.catalog.ids, self.table.status_of, self.table.owner_of
            for i in range(len(self.table)):
                status = status_of(i)
                if status is not None:
                    yield TaskThen(ids[i], status, owner_of(i), "log", self.ready.get(ids[i]))
        for task_id in sorted(self.extra):
            yield self.extra[task_id]

    def __len__(self) -> int:
        held = len(self.table) - self.table.status.count(255) if self.table is not None else 0
        return held + len(self.extra)

    @property
    def counts(self) -> dict[str, int]:
        """Tasks by status at T, plus ``ready``/``blocked`` (pending split)
        and ``unknown`` (status not knowable)."""
        result = self.table.counts() if self.table is not None else {}
        result.pop("unknown", None)
        for task in self.extra.values():
            key = task.status or "unknown"
            result[key] = result.get(key, 0) + 1
        ready = sum(1 for flag in self.ready.values() if flag)
        if result.get("pending") and self.readiness_known:
            result["ready"], result["blocked"] = ready, result["pending"] - ready
        return result

    @property
    def complete(self) -> bool:
        """True when every task's entry comes from the log or a sound inference."""
        return not any(t.basis == "unknown" for t in self.extra.values())

    def with_status(self, *statuses: str) -> Iterator[TaskThen]:
        """The tasks in one of ``statuses`` at T, without visiting the others
        (a byte search per status over the table)."""
        if self.table is not None:
            catalog = self.table.catalog
            for status in statuses:
                code = catalog.status_codes.get(status)
                if code is None:
                    continue
                for i in _positions(self.table.status, code):
                    task_id = catalog.ids[i]
                    yield TaskThen(task_id, status, self.table.owner_of(i), "log", self.ready.get(task_id))
        yield from (t for t in self.extra.values() if t.status in statuses)

    def owners_busy(self) -> dict[str, int]:
        """``{agent: tasks it owned, claimed or in progress, at T}``."""
        busy: dict[str, int] = {}
        for task in self.with_status(*OWNED):
            if task.owner:
                busy[task.owner] = busy.get(task.owner, 0) + 1
        return busy


def _positions(column: bytearray, code: int) -> Iterator[int]:
    at = column.find(code)
    while at >= 0:
        yield at
        at = column.find(code, at + 1)


def _unrecorded(reader: Reader, log_start: float | None) -> list[tuple[str, str | None, str | None, float | None]]:
    """Tasks with no audit event at all: ``(id, status, owner, created)``.

    Only tasks created before the log began (or with no readable creation
    time) can be such, and the ``tasks_created`` index tells in one seek
    whether any is; only then are tasks probed one window at a time."""
    if log_start is not None:
        earliest = reader.rows("SELECT created_at FROM tasks WHERE created_at IS NOT NULL ORDER BY created_at LIMIT 1")
        odd = reader.rows("SELECT 1 FROM tasks WHERE created_at IS NULL LIMIT 1")
        first = parse_timestamp(earliest[0][0]) if earliest else None
        if not odd and (not earliest or (first is not None and first >= log_start - 1.0)):
            return []
    rows = scan_by_rowid(reader, "tasks", "id, status, claimed_by, created_at",
                         "NOT EXISTS (SELECT 1 FROM task_events e WHERE e.task_id = tasks.id)")
    return [(text(i) or "", text(s), text(o), parse_timestamp(c)) for i, s, o, c in rows]


def _readiness(reader: Reader, state: SwarmState) -> None:
    pending = [task.id for task in state.with_status("pending")]
    for task_id, raw_deps in by_ids(reader, "SELECT id, dependencies FROM tasks"
                                    " WHERE id IN (SELECT value FROM json_each(?))", pending):
        kind, deps = json_items(raw_deps)
        ok = kind in ("null", "array")
        state.ready[text(task_id) or ""] = ok and all(
            (then := state.get(dep)) is not None and then.status == "completed" for dep in deps)


def state_at(index: HistoryIndex, reader: Reader, moment: float, *, readiness: bool = True,
             unrecorded_cache: dict | None = None) -> SwarmState:
    """The swarm at ``moment`` (epoch seconds), rebuilt from the audit log."""
    tail = index.catch_up()
    bounds = index.bounds
    if tail is None or bounds is None:
        state = SwarmState(moment, None, None, None, None, notes=["the audit log is empty: no history recorded"])
    else:
        table = index.table_at_time(moment)
        applied = table.event_at is not None and len(table) > 0
        state = SwarmState(moment, table.event_id if applied else None, table.event_at if applied else None, bounds,
                           table, notes=list(index.notes))
        inside = bounds.first_at is not None and moment >= bounds.first_at
        if bounds.pruned:
            state.notes.append(f"the audit log was pruned: it starts at event #{bounds.first_id}")
        if not inside:
            state.notes.append("this moment is before the audit log begins: tasks created later are left out,"
                               " the others are unknown")
        catalog = table.catalog
        for i, first in catalog.incomplete.items():
            if i >= len(table):
                task_id = catalog.ids[i]
                status = first.from_status if inside else None
                state.extra[task_id] = TaskThen(task_id, status, first.from_owner if inside else None,
                                                "inferred" if inside else "unknown")
    cache = unrecorded_cache if unrecorded_cache is not None else {}
    start = (bounds.first_id, bounds.first_at) if bounds else None
    if cache.get("start", ()) != start:  # looked up once per start of the log (it only moves when pruned)
        cache["rows"], cache["start"] = _unrecorded(reader, bounds.first_at if bounds else None), start
    for task_id, status, owner, created in cache["rows"]:
        if state.get(task_id) is None and (created is None or created <= moment):
            state.extra[task_id] = TaskThen(task_id, status, owner, "unrecorded" if created is not None else "unknown")
    if cache["rows"]:
        state.notes.append(f"{len(cache['rows'])} task(s) have no audit history: shown as they are now")
    if readiness:
        _readiness(reader, state)
        state.readiness_known = True
    return state
