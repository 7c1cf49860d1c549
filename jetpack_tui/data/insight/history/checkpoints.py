"""Checkpoints of the audit log: the state at any event in bounded time.

Every :data:`CHECKPOINT_EVERY` event ids (at ids that are multiples of it,
so every process agrees where they are) the fold's table is encoded
(:mod:`.table`).  The state after event K is then the checkpoint at or
before K plus at most that many events.

A DataLayer that may write (local file, not read-only) stores them in
``history_checkpoints`` with ``INSERT OR IGNORE`` (two dashboards building
the same one write the same bytes), each in its own short transaction; any
other keeps them in memory for its lifetime.  Never a trigger: the claim's
write path pays nothing.

A stored checkpoint is trusted while the log still agrees with it: the last
event at or before its bound has the time it recorded (or was pruned away).
A log rewritten or emptied since makes the chain stop there; a log pruned
past the newest checkpoint leaves a gap no fold can cross, so the chain is
set aside and rebuilt from what the log still holds.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ... import clock
from ..source import Reader, number
from . import log
from .table import Catalog, Marks, TaskTable, decode, encode, extend_catalog, marks_of

logger = logging.getLogger(__name__)

#: Event ids between two checkpoints: bounds the replay behind every query
#: (~25k events, tens of ms) against storage (~5 bytes per task each).
CHECKPOINT_EVERY = 25_000

#: ``persist(rows)``: store ``(bound, at, format, tasks, segment, state, built_at)`` rows.
Persist = Callable[[list[tuple]], None]


@dataclass
class Checkpoint:
    bound: int
    at: float | None
    marks: Marks
    #: The encoded state when held in memory; ``None``: read it when needed.
    state: bytes | None = None


class HistoryIndex:
    """The audit log folded into checkpoints, for one DataLayer (thread-safe)."""

    def __init__(self, reader: Reader, *, persist: Persist | None = None, every: int = CHECKPOINT_EVERY,
                 discard: Callable[[int], None] | None = None) -> None:
        self._reader = reader
        self._persist = persist
        #: ``discard(bound)``: delete stored checkpoints from ``bound`` on
        #: (they describe a log that is no longer there).
        self._discard = discard
        self.every = every
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self.catalog = Catalog()
        self.checkpoints: list[Checkpoint] = []
        self._tail: TaskTable | None = None
        self._decoded: dict[int, TaskTable] = {}
        self._recent: TaskTable | None = None
        self._loaded = False
        self.bounds: log.LogBounds | None = None
        #: False once the log is seen not to be in time order (see :mod:`.log`).
        self.ordered = True
        #: Why some history cannot be rebuilt exactly (shown with results).
        self.notes: list[str] = []

    # -- loading what other processes stored ------------------------------------
    def _load(self, bounds: log.LogBounds) -> None:
        self._loaded = True
        rows = self._reader.rows("SELECT event_id, at, tasks, new_ids FROM history_checkpoints ORDER BY event_id")
        marks = Marks()
        for bound, at, _tasks, segment in rows:
            if bound % self.every or not self._agrees(int(bound), number(at), bounds):
                self._forget(int(bound))
                break
            try:
                extend_catalog(self.catalog, bytes(segment))
            except (ValueError, KeyError, TypeError) as error:
                logger.warning("history checkpoint %s unreadable (%s): rebuilt from the log", bound, error)
                break
            marks = Marks(len(self.catalog.ids), len(self.catalog.statuses), len(self.catalog.owners))
            self.checkpoints.append(Checkpoint(int(bound), number(at), marks))
        if self.checkpoints and bounds.first_id > self.checkpoints[-1].bound + 1:
            self.notes.append(f"the audit log was pruned past the stored checkpoints (first event now "
                              f"#{bounds.first_id}): they were set aside")
            self._forget(self.checkpoints[0].bound)
            self.catalog, self.checkpoints = Catalog(), []

    def _forget(self, bound: int) -> None:
        """Stored checkpoints from ``bound`` on no longer fit the log: delete
        them when this DataLayer may write, so the next reader need not
        find that out again."""
        if self._discard is not None and self._persist is not None:
            try:
                self._discard(bound)
            except Exception as error:  # noqa: BLE001 - busy: the next writer tries again
                logger.info("stale history checkpoints left in place: %s", error)

    def _agrees(self, bound: int, at: float | None, bounds: log.LogBounds) -> bool:
        if bound > bounds.last_id:
            return False
        last = log.last_event_upto(self._reader, bound)
        if last is None:
            return bound < bounds.first_id  # pruned away: the checkpoint is all that is left
        return last[1] == at

    def _state_bytes(self, checkpoint: Checkpoint) -> bytes:
        if checkpoint.state is not None:
            return checkpoint.state
        rows = self._reader.rows("SELECT state FROM history_checkpoints WHERE event_id = ?", (checkpoint.bound,))
        if not rows:
            raise ValueError(f"history checkpoint {checkpoint.bound} disappeared")
        return bytes(rows[0][0])

    def _table_of(self, checkpoint: Checkpoint) -> TaskTable:
        table = self._decoded.get(checkpoint.bound)
        if table is None:
            table = decode(self.catalog, self._state_bytes(checkpoint))
            if len(self._decoded) >= 2:
                self._decoded.pop(next(iter(self._decoded)))
            self._decoded[checkpoint.bound] = table
        return table

    # -- folding forward ------------------------------------------------------------
    def catch_up(self) -> TaskTable | None:
        """Fold every new event; returns the state after the last one (do
        not mutate it), or ``None`` when the log is empty."""
        with self._lock:
            current = log.bounds(self._reader)
            if current is None or (self.bounds is not None and current.last_id < self.bounds.last_id):
                self._reset()  # emptied or rewritten: start again
                if current is None:
                    return None
            if not self._loaded:
                self._load(current)
            if self._tail is None:
                if self.checkpoints:
                    self._tail = self._table_of(self.checkpoints[-1]).copy()
                else:
                    self._tail = TaskTable(self.catalog, event_id=current.first_id - 1)
            self._fold_to(self._tail, current.last_id, checkpoint=True)
            self.bounds = current
            return self._tail

    def _fold_to(self, table: TaskTable, upto: int, *, checkpoint: bool) -> None:
        start = table.event_id if table.event_id is not None else 0
        while start < upto:
            stop = upto
            if checkpoint:
                stop = min(upto, (start // self.every + 1) * self.every)
            disorder = log.fold(table, log.events(self._reader, start, stop), self._reader)
            table.event_id = stop  # the bound, even where ids have holes
            if disorder > log.DISORDER_TOLERANCE and self.ordered:
                self.ordered, self._persist = False, None
                self.notes.append(f"the audit log is not in time order (an event {disorder:,.0f} s older than one"
                                  " written before it): the past is rebuilt by time, without checkpoints")
            if checkpoint and stop % self.every == 0 and (not self.checkpoints or self.checkpoints[-1].bound < stop):
                self._checkpoint(table, stop)
            start = stop

    def _checkpoint(self, table: TaskTable, bound: int) -> None:
        since = self.checkpoints[-1].marks if self.checkpoints else Marks()
        segment, state = encode(table, since)
        entry = Checkpoint(bound, table.event_at, marks_of(table), state)
        if self._persist is not None:
            try:
                self._persist([(bound, table.event_at or 0.0, 1, len(table), segment, state, clock.now())])
                entry.state = None  # stored: read back when needed, not held twice
            except Exception as error:  # noqa: BLE001 - a read-only or busy file keeps them in memory
                logger.info("history checkpoints kept in memory: %s", error)
                self._persist = None
        self.checkpoints.append(entry)

    # -- the past -------------------------------------------------------------------
    def table_at_time(self, moment: float) -> TaskTable:
        """A fresh table of the state at ``moment`` (call :meth:`catch_up`
        first); its catalog also knows the tasks that appear later."""
        if not self.ordered:
            return log.fold_by_time(self._reader, TaskTable(Catalog()), moment)
        found = log.last_event_at_or_before(self._reader, moment)
        first = self.bounds.first_id if self.bounds else 1
        table = self.table_at(found[0] if found else first - 1)
        if not found:
            table.event_at = None
        return table

    def table_at(self, event_id: int) -> TaskTable:
        """A fresh table of the state after every event with id <= ``event_id``
        (call :meth:`catch_up` first).  Starts from the nearest checkpoint,
        or from the last table asked for when that is nearer (moving forward
        through time, one event or minute at a time, folds only the step)."""
        with self._lock:
            if self._tail is None:
                return TaskTable(self.catalog)
            if event_id >= (self._tail.event_id or 0):
                return self._tail.copy()
            bounds = [c.bound for c in self.checkpoints]
            at = bisect.bisect_right(bounds, event_id) - 1
            start = self.checkpoints[at].bound if at >= 0 else (self.bounds.first_id - 1 if self.bounds else 0)
            recent = self._recent
            if recent is not None and start <= (recent.event_id or 0) <= event_id:
                table = recent.copy()
            elif at >= 0:
                table = self._table_of(self.checkpoints[at]).copy()
            else:
                table = TaskTable(self.catalog, event_id=start)
            self._fold_to(table, event_id, checkpoint=False)
            self._recent = table.copy()
            return table
