"""Reading the audit log (``task_events``) by id and by time, in bounded queries.

Events are applied in id order, which is commit order: the triggers stamp
``at`` inside the writing transaction and writers are serialised, so ``at``
grows with ``id``.  "The state at T" is the state after the last event whose
``at`` is at or before T, found in one seek of ``task_events_at``.

A log written otherwise (rows inserted by hand with made-up times, a clock
stepped back by more than :data:`DISORDER_TOLERANCE`) is noticed while
folding, for free, and then replayed by time instead (:func:`events_by_time`:
correct, but without checkpoints).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..source import Reader, number, text
from .table import NO_OWNER, Incomplete, TaskTable

#: Events per query (a few ms of GIL each).
CHUNK = 5_000
#: A step back in time smaller than this is a clock adjustment, not disorder.
DISORDER_TOLERANCE = 5.0
#: What a replay reads per event; the ``from`` side only as "is this a
#: creation" (an int is cheaper to fetch than two strings): the rare task
#: first seen mid-life has its ``from`` side looked up on its own.
FOLD_COLUMNS = "id, task_id, at, to_status, to_owner, from_status IS NULL"


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
    """The first and last event ids and the earliest and latest times (four
    index seeks), or ``None`` for an empty log."""
    def value(sql: str):  # one aggregate per query: SQLite's min/max shortcut takes one index seek
        rows = reader.rows(sql)
        return rows[0][0] if rows else None

    first_id = value("SELECT min(id) FROM task_events")
    if first_id is None:
        return None
    return LogBounds(int(first_id), number(value("SELECT min(at) FROM task_events")),
                     int(value("SELECT max(id) FROM task_events")), number(value("SELECT max(at) FROM task_events")))


def last_event_at_or_before(reader: Reader, moment: float) -> tuple[int, float] | None:
    """``(id, at)`` of the last event at or before ``moment`` (one index seek)."""
    rows = reader.rows("SELECT id, at FROM task_events WHERE at <= ? ORDER BY at DESC, id DESC LIMIT 1",
                       (float(moment),))
    return (int(rows[0][0]), float(rows[0][1])) if rows else None


def neighbour_event(reader: Reader, moment: float, direction: int) -> float | None:
    """The time of the first event after ``moment`` (``direction`` > 0) or
    the last one before it (< 0): the time bar's "by event" step."""
    if direction > 0:
        rows = reader.rows("SELECT at FROM task_events WHERE at > ? ORDER BY at LIMIT 1", (float(moment),))
    else:
        rows = reader.rows("SELECT at FROM task_events WHERE at < ? ORDER BY at DESC LIMIT 1", (float(moment),))
    return number(rows[0][0]) if rows else None


def last_event_before(reader: Reader, moment: float) -> tuple[int, float] | None:
    """``(id, at)`` of the last event strictly before ``moment``."""
    rows = reader.rows("SELECT id, at FROM task_events WHERE at < ? ORDER BY at DESC, id DESC LIMIT 1",
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


def events_by_time(reader: Reader, after: tuple[float, int] | None, upto: float | None,
                   columns: str = FOLD_COLUMNS, chunk: int = CHUNK) -> Iterator[tuple]:
    """Events in ``(at, id)`` order after the key ``after`` and at or before
    ``upto`` (``None``: no bound), ``chunk`` per query (the ``at`` index).
    ``columns`` must end with ``at, id`` (the keyset)."""
    key = after
    bound = float("inf") if upto is None else float(upto)
    while True:
        if key is None:
            rows = reader.rows(f"SELECT {columns} FROM task_events WHERE at <= ? ORDER BY at, id LIMIT ?",
                               (bound, chunk))
        else:
            rows = reader.rows(f"SELECT {columns} FROM task_events WHERE (at > ? OR (at = ? AND id > ?)) AND at <= ?"
                               " ORDER BY at, id LIMIT ?", (key[0], key[0], key[1], bound, chunk))
        for row in rows:
            yield row[:-2]
        if len(rows) < chunk:
            return
        key = (rows[-1][-2], rows[-1][-1])


def fold(table: TaskTable, rows: Iterable[tuple], reader: Reader | None = None) -> float:
    """Apply events (:data:`FOLD_COLUMNS`) to ``table`` in place; returns
    the largest step back in time between consecutive events (0 when the
    log is in time order).

    A task whose first event is not its creation is recorded in the catalog
    as first seen mid-life (its ``from`` side read from ``reader``).  The
    loop is the hot path of every history question: names are looked up in
    the catalog's dicts inline, the slow path only for a task, status or
    owner seen for the first time."""
    catalog = table.catalog
    index_get, status_get, owner_get = catalog.index.get, catalog.status_codes.get, catalog.owner_codes.get
    status, owner = table.status, table.owner
    size = len(status)
    last_id, last_at = table.event_id, table.event_at
    latest = last_at if type(last_at) is float else float("-inf")
    disorder = 0.0
    for event_id, task_id, at, to_status, to_owner, created in rows:
        if type(at) is float:
            if at >= latest:
                latest = at
            elif latest - at > disorder:
                disorder = latest - at
        i = index_get(task_id)
        if i is None or i >= size:
            i, new = table.slot(task_id if type(task_id) is str else text(task_id) or "")
            size = len(status)
            if new and not created:
                catalog.incomplete[i] = _first_seen(reader, event_id, at)
        code = status_get(to_status)
        status[i] = code if code is not None else catalog.status_code(text(to_status))
        if to_owner is None:
            owner[i] = NO_OWNER
        else:
            code = owner_get(to_owner)
            owner[i] = code if code is not None else catalog.owner_code(text(to_owner))
        last_id, last_at = event_id, at
    table.event_id = last_id
    table.event_at = number(last_at) if last_at is not None else table.event_at
    return disorder


def _first_seen(reader: Reader | None, event_id: int, at: object) -> Incomplete:
    row = reader.rows("SELECT from_status, from_owner FROM task_events WHERE id = ?", (event_id,)) if reader else []
    from_status, from_owner = row[0] if row else (None, None)
    return Incomplete(int(event_id), number(at) or 0.0, text(from_status), text(from_owner))


def fold_by_time(reader: Reader, table: TaskTable, moment: float) -> TaskTable:
    """The state at ``moment`` of a log not in time order: every event up to
    it by time into ``table``, then the rest of the log read only so that the
    catalog learns which later tasks start mid-life (O(events): no checkpoints)."""
    columns = FOLD_COLUMNS + ", at, id"
    fold(table, events_by_time(reader, None, moment, columns), reader)
    later = TaskTable(table.catalog, table.status[:], table.owner[:])
    fold(later, events_by_time(reader, (moment, 2**53), None, columns), reader)
    return table
