"""Minute rollups of the audit log, kept up to date on demand.

A writable local DataLayer stores them in ``history_minutes`` (from the
start of the log, once; then only the new minutes, a few hundred rows per
short transaction); any other builds them in memory from the start of the
window it was asked about: O(events in the window), once per process.
Either way a fold resumes from the state after the last rolled-up event
(a history checkpoint plus a few thousand events), never from the start.
"""

from __future__ import annotations

import logging
import threading
from array import array
from collections.abc import Callable

from ... import clock
from ...models import Liveness
from ..history import log
from ..history.checkpoints import HistoryIndex
from ..history.table import Catalog, TaskTable
from ..source import Reader, by_ids, json_items, number, scan_by_rowid, text
from .fold import COUNTS, FOLD_COLUMNS, LEVELS, Beat, MinuteFold, MinuteRow

logger = logging.getLogger(__name__)

#: A minute is rolled up once it ended this long ago (a commit stamped just
#: before the minute ended may still be on its way).
SETTLE = 5.0
PERSIST_BATCH = 500
ROW_COLUMNS = ("minute, last_event_id, created, claims, completed, failed, retries, operator, ready, blocked,"
               " claimed, in_progress, agents_alive, agents_busy, agents_idle, waits")

PersistRows = Callable[[list[tuple]], None]


def row_values(row: MinuteRow) -> tuple:
    return (row.minute, row.last_event_id, row.created, row.claims, row.completed, row.failed, row.retries,
            row.operator, row.ready, row.blocked, row.claimed, row.in_progress, row.agents_alive,
            row.agents_busy, row.agents_idle, row.waits.tobytes() if row.waits else None)


_NAMES = [name.strip() for name in ROW_COLUMNS.split(",")]


def row_from(values: tuple) -> MinuteRow:
    """A stored row (:data:`ROW_COLUMNS`) read leniently."""
    fields = dict(zip(_NAMES, values))
    waits, samples = fields.pop("waits"), array("f")
    if isinstance(waits, (bytes, bytearray, memoryview)) and len(waits) % 4 == 0:
        samples.frombytes(bytes(waits))
    known = {name: value if isinstance(value, int) else None for name, value in fields.items()}
    for name in ("minute", "last_event_id", *COUNTS):
        known[name] = known[name] or 0
    return MinuteRow(**known, waits=samples)


def merge(slots: dict[int, MinuteRow], slot: int, row: MinuteRow) -> None:
    """Add a minute to its slot: counts summed, levels from the later minute."""
    into = slots.get(slot)
    if into is None:
        slots[slot] = row.copy()
        return
    for name in COUNTS:
        setattr(into, name, getattr(into, name) + getattr(row, name))
    into.waits.extend(row.waits)
    if row.minute >= into.minute:
        for name in LEVELS:
            setattr(into, name, getattr(row, name))
        into.minute, into.last_event_id = row.minute, row.last_event_id


def read_dependencies(reader: Reader) -> dict[str, list[str]]:
    """Every task's dependency list as it is now (tasks without any left out);
    an unreadable list becomes one dependency that never exists."""
    deps: dict[str, list[str]] = {}
    for task_id, raw in scan_by_rowid(reader, "tasks", "id, dependencies",
                                      "dependencies IS NOT NULL AND dependencies NOT IN ('', '[]')"):
        kind, items = json_items(raw)
        deps[text(task_id) or ""] = list(dict.fromkeys(items)) if kind == "array" else ["\x00unreadable"]
    return deps


class MinuteRollups:
    """The minute rows of one DataLayer (thread-safe)."""

    def __init__(self, reader: Reader, history: HistoryIndex, liveness: Liveness,
                 persist: PersistRows | None = None) -> None:
        self._reader = reader
        self._history = history
        self._liveness = liveness
        self._persist = persist
        self._lock = threading.RLock()
        self._fold: MinuteFold | None = None
        self._memory: dict[int, MinuteRow] = {}
        self._memory_from: int | None = None
        self._beat_seq = 0

    @property
    def persisting(self) -> bool:
        return self._persist is not None

    def _stored_last(self) -> tuple[int, int] | None:
        rows = self._reader.rows("SELECT minute, last_event_id FROM history_minutes ORDER BY minute DESC LIMIT 1")
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    def _beats(self, since: float) -> tuple[list[Beat], float | None]:
        first = self._reader.rows("SELECT at FROM change_log ORDER BY seq LIMIT 1")
        horizon = number(first[0][0]) if first else None
        beats = []
        for seq, agent_id, op, at in self._reader.rows(
                "SELECT seq, row_id, op, at FROM change_log WHERE tbl = 'agents' AND seq > ? ORDER BY seq",
                (self._beat_seq,)):
            self._beat_seq = max(self._beat_seq, int(seq))
            moment = number(at)
            if moment is not None and moment >= since:
                beats.append(Beat(moment, text(agent_id) or "", op == "delete"))
        return beats, horizon

    def _ready_since(self, fold: MinuteFold, upto: float) -> dict[int, float]:
        """When each task ready at ``upto`` became ready: the later of its
        last event and its dependencies' completions (two indexed lookups per
        chunk of tasks)."""
        table = fold.table
        ready = [i for i, code in enumerate(table.status) if code == fold.PENDING and not fold.undone.get(i)]
        ids = [table.catalog.ids[i] for i in ready]
        last: dict[str, float] = {}
        for task_id, at in by_ids(self._reader, "SELECT task_id, max(at) FROM task_events WHERE task_id IN"
                                  " (SELECT value FROM json_each(?)) AND at <= ? GROUP BY task_id", ids, (upto,)):
            last[text(task_id) or ""] = number(at) or 0.0
        deps = sorted({d for task_id in ids for d in fold.deps.get(task_id, ())})
        done: dict[str, float] = {}
        for task_id, at in by_ids(self._reader, "SELECT task_id, max(at) FROM task_events WHERE task_id IN"
                                  " (SELECT value FROM json_each(?)) AND to_status = 'completed' AND at <= ?"
                                  " GROUP BY task_id", deps, (upto,)):
            done[text(task_id) or ""] = number(at) or 0.0
        return {i: max([last.get(task_id, 0.0)] + [done.get(d, 0.0) for d in fold.deps.get(task_id, ())])
                for i, task_id in zip(ready, ids)}

    def _start(self, table: TaskTable, boundary: int) -> MinuteFold:
        self._beat_seq = 0
        beats, horizon = self._beats(boundary - self._liveness.dead_after)
        fold = MinuteFold(table, read_dependencies(self._reader), self._liveness, beats, horizon)
        fold.start({})
        fold.ready_since = self._ready_since(fold, table.event_at if table.event_at is not None else boundary - 1e-3)
        fold.closed_until = boundary
        fold._alive(boundary)
        return fold

    def catch_up(self, start_hint: float | None = None) -> None:
        """Roll up every minute that has ended.  ``start_hint``: where a
        non-persisting builder must start (the window asked for)."""
        with self._lock:
            self._history.catch_up()
            bounds = self._history.bounds
            if bounds is None:
                return
            if not self._history.ordered:
                self._rebuild_by_time(bounds, start_hint)
                return
            if self._fold is None or (not self.persisting and start_hint is not None and self._memory_from is not None
                                      and start_hint < self._memory_from):
                self._fold = self._resume(bounds, start_hint)
            fold = self._fold
            beats, fold.beats_since = self._beats(0.0)
            fold._beats.extend(beats)
            done: list[MinuteRow] = []
            upto = bounds.last_id
            start = fold.table.event_id or 0
            done.extend(fold.apply(log.events(self._reader, start, upto, FOLD_COLUMNS)))
            done.extend(fold.close_until(clock.now() - SETTLE))
            self._keep(done)

    def _resume(self, bounds: log.LogBounds, start_hint: float | None) -> MinuteFold:
        self._memory.clear()
        stored = self._stored_last()
        if stored is not None and stored[1] <= bounds.last_id:
            minute, event_id = stored
            self._memory_from = minute + 60
            return self._start(self._history.table_at(event_id), minute + 60)
        if self.persisting or start_hint is None:
            begin = bounds.first_at or 0.0
            self._memory_from = int(begin // 60) * 60
            return self._start(self._history.table_at(bounds.first_id - 1), self._memory_from)
        self._memory_from = int(start_hint // 60) * 60
        found = log.last_event_before(self._reader, self._memory_from)
        return self._start(self._history.table_at(found[0] if found else bounds.first_id - 1), self._memory_from)

    def _rebuild_by_time(self, bounds: log.LogBounds, start_hint: float | None) -> None:
        """A log not in time order: fold it by time, in memory, every time
        (O(events); such logs are hand-made, not a swarm's)."""
        self._persist = None
        begin = start_hint if start_hint is not None else (bounds.first_at or 0.0)
        boundary = int(begin // 60) * 60
        table = log.fold_by_time(self._reader, TaskTable(Catalog()), boundary - 1e-3)
        self._fold = fold = self._start(table, boundary)
        rows = list(fold.apply(log.events_by_time(self._reader, (boundary - 1e-3, 2**53), None,
                                                  FOLD_COLUMNS + ", at, id")))
        rows.extend(fold.close_until(clock.now() - SETTLE))
        self._memory = {row.minute: row for row in rows}
        self._memory_from = boundary

    def _keep(self, rows: list[MinuteRow]) -> None:
        for start in range(0, len(rows), PERSIST_BATCH):
            batch = rows[start:start + PERSIST_BATCH]
            if self._persist is not None:
                try:
                    self._persist([row_values(r) for r in batch])
                    continue
                except Exception as error:  # noqa: BLE001 - busy or read-only: keep them in memory
                    logger.info("minute rollups kept in memory: %s", error)
                    self._persist = None
            for row in batch:
                self._memory[row.minute] = row

    def slots(self, start: float, end: float, step: float) -> tuple[MinuteRow | None, dict[int, MinuteRow]]:
        """``(the last row before start, {slot: merged row})`` for the slots
        ``[start + n*step, start + (n+1)*step)``: counts summed, levels and
        agents from the slot's last minute, waits joined.  Stored rows are
        summed in SQL (one GROUP BY over the window); rows this process holds
        in memory, and the minute still open, are merged in."""
        first = int(start // 60) * 60
        merged: dict[int, MinuteRow] = {}
        sums = ", ".join(f"sum({name})" for name in COUNTS)
        for slot, minute, event_id, *values in self._reader.rows(
                f"SELECT CAST((minute - ?) / ? AS INTEGER) AS slot, max(minute), last_event_id, {sums}, ready,"
                " blocked, claimed, in_progress, agents_alive, agents_busy, agents_idle FROM history_minutes"
                " WHERE minute >= ? AND minute < ? GROUP BY slot", (start, step, first, end)):
            merged[int(slot)] = row_from((minute, event_id, *values, None))
        for slot, waits in self._reader.rows(
                "SELECT CAST((minute - ?) / ? AS INTEGER), waits FROM history_minutes WHERE minute >= ? AND minute < ?"
                " AND waits IS NOT NULL", (start, step, first, end)):
            if isinstance(waits, (bytes, bytearray, memoryview)) and int(slot) in merged and len(waits) % 4 == 0:
                merged[int(slot)].waits.frombytes(bytes(waits))
        prior = [row_from(v) for v in self._reader.rows(
            f"SELECT {ROW_COLUMNS} FROM history_minutes WHERE minute < ? ORDER BY minute DESC LIMIT 1", (first,))]
        with self._lock:
            extra = [row for minute, row in self._memory.items() if first <= minute < end]
            prior += [row for minute, row in self._memory.items() if minute < first]
            current = self._fold.peek() if self._fold is not None else None
        if current is not None and first <= current.minute < end:
            extra.append(current)
        for row in sorted(extra, key=lambda r: r.minute):
            merge(merged, int((row.minute - start) / step), row)  # truncated, as SQL's CAST
        before = max(prior, key=lambda r: r.minute, default=None)
        return before, merged

    @property
    def covered_from(self) -> int | None:
        """The first minute rollups (stored, or folded by this process) cover."""
        stored = self._reader.rows("SELECT minute FROM history_minutes ORDER BY minute LIMIT 1")
        candidates = [int(stored[0][0])] if stored else []
        with self._lock:
            if self._memory_from is not None:
                candidates.append(self._memory_from)
        return min(candidates) if candidates else None
