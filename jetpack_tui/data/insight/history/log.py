"""Reading the audit log (``task_events``) by id and by time, in bounded queries.

Events are applied in id order, which is commit order: the triggers stamp
``at`` inside the writing transaction and writers are serialised, so ``at``
grows with ``id`` (a clock stepped back makes time boundaries approximate;
nothing else depends on it).  "The state at T" is the state after the last
event whose ``at`` is at or before T, found in one seek of ``task_events_at``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..source import Reader, number, text
from .table import Incomplete, TaskTable

#: Events per query (a few ms of GIL each).
CHUNK = 5_000
FOLD_COLUMNS = "id, task_id, at, to_status, to_owner, from_status, from_owner"


@dataclass(frozen=True)
class LogBounds:
    first_id: int
    first_at: float | None
    last_id: int
    last_at: float | None

    @property
    def pruned(self) -> bool:
        """Ids start at 1 and rows are never deleted by jetpack-tui: a later
        first id means someone deleted the oldest events."""
        return self.first_id > 1


def bounds(reader: Reader) -> LogBounds | None:
    """The first and last event, or ``None`` for an empty log."""
    first = reader.rows("SELECT id, at FROM task_events ORDER BY id LIMIT 1")
    if not first:
        return None
    last = reader.rows("SELECT id, at FROM task_events ORDER BY id DESC LIMIT 1")
    return LogBounds(int(first[0][0]), number(first[0][1]), int(last[0][0]), number(last[0][1]))


def last_event_at_or_before(reader: Reader, moment: float) -> tuple[int, float] | None:
    """``(id, at)`` of the last event at or before ``moment`` (one index seek)."""
    rows = reader.rows("SELECT id, at FROM task_events WHERE at <= ? ORDER BY at DESC, id DESC LIMIT 1",
                       (float(moment),))
    return (int(rows[0][0]), float(rows[0][1])) if rows else None


def last_event_upto(reader: Reader, event_id: int) -> tuple[int, float | None] | None:
    """``(id, at)`` of the last event whose id is at most ``event_id``."""
    rows = reader.rows("SELECT id, at FROM task_events WHERE id <= ? ORDER BY id DESC LIMIT 1", (event_id,))
    return (int(rows[0][0]), number(rows[0][1])) if rows else None


def events(reader: Reader, after_id: int, upto_id: int, columns: str = FOLD_COLUMNS,
           chunk: int = CHUNK) -> Iterator[tuple]:
    """Events with ``after_id < id <= upto_id`` in id order, ``chunk`` ids per query."""
    start = after_id
    while start < upto_id:
        end = min(start + chunk, upto_id)
        yield from reader.rows(f"SELECT {columns} FROM task_events WHERE id > ? AND id <= ? ORDER BY id",
                               (start, end))
        start = end


def fold(table: TaskTable, rows: Iterator[tuple]) -> TaskTable:
    """Apply events (:data:`FOLD_COLUMNS`) to ``table`` in place.

    A task's first event with a ``from`` status is not its creation: the
    catalog records it as first seen mid-life."""
    catalog = table.catalog
    status_code, owner_code, slot = catalog.status_code, catalog.owner_code, table.slot
    status, owner = table.status, table.owner
    last_id, last_at = table.event_id, table.event_at
    for event_id, task_id, at, to_status, to_owner, from_status, from_owner in rows:
        key = task_id if type(task_id) is str else text(task_id) or ""
        i, new = slot(key)
        if new and from_status is not None:
            catalog.incomplete[i] = Incomplete(int(event_id), number(at) or 0.0, text(from_status), text(from_owner))
        status[i] = status_code(to_status if to_status is None or type(to_status) is str else text(to_status))
        owner[i] = owner_code(to_owner if to_owner is None or type(to_owner) is str else text(to_owner))
        last_id, last_at = event_id, at
    table.event_id = last_id
    table.event_at = number(last_at) if last_at is not None else table.event_at
    return table
