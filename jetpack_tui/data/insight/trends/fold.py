"""The audit log folded minute by minute into what a trend needs.

For each minute: how many tasks were created, claimed, completed, failed,
retried, how many operator actions; at its end, the queue depth (ready,
blocked, claimed, in progress), the agents alive and busy; and every wait
from ready to claimed that ended in it.

Ready versus blocked needs the dependencies: they are read once, as they
are now (the audit log does not record edits to them), and each task keeps a
count of its unfinished dependencies that drops when one completes, so a
pending task is ready from the moment its last dependency completed or it
became pending, whichever is later.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ... import clock
from ...models import Liveness
from ..history.diff import OPERATOR_ACTIONS
from ..history.table import NO_OWNER, TaskTable
from ..source import number, text

FOLD_COLUMNS = "id, task_id, at, action, from_status, to_status, to_owner"
DEPTH = ("ready", "blocked", "claimed", "in_progress")
#: Per minute: summed over an interval (COUNTS), read at its end (LEVELS).
COUNTS = ("created", "claims", "completed", "failed", "retries", "operator")
LEVELS = DEPTH + ("agents_alive", "agents_busy", "agents_idle")


@dataclass
class Figures:
    """What a minute, or an interval of them, says: counts of what happened
    in it, levels at its end (``None``: not known)."""

    created: int = 0
    claims: int = 0
    completed: int = 0
    failed: int = 0
    retries: int = 0
    operator: int = 0
    ready: int | None = None
    blocked: int | None = None
    claimed: int | None = None
    in_progress: int | None = None
    agents_alive: int | None = None
    agents_busy: int | None = None
    agents_idle: int | None = None


@dataclass(kw_only=True)
class MinuteRow(Figures):
    minute: int
    last_event_id: int
    #: Seconds from ready to claimed of every claim in the minute.
    waits: array = field(default_factory=lambda: array("f"))

    def copy(self) -> "MinuteRow":
        return MinuteRow(**{**self.__dict__, "waits": array("f", self.waits)})


@dataclass
class Beat:
    at: float
    agent: str
    gone: bool


class MinuteFold:
    """Folds events (:data:`FOLD_COLUMNS`, id order) into closed minutes."""

    def __init__(self, table: TaskTable, deps: dict[str, list[str]], liveness: Liveness,
                 beats: list[Beat], beats_since: float | None) -> None:
        self.table = table
        self.deps = deps
        self.dependents: dict[str, list[str]] = {}
        for task_id, waits_on in deps.items():
            for dep in waits_on:
                self.dependents.setdefault(dep, []).append(task_id)
        self.liveness = liveness
        self._beats = beats
        self._beat_at = 0
        self.beats_since = beats_since
        self.last_beat: dict[str, float] = {}
        catalog = table.catalog
        code = catalog.status_code
        self.PENDING, self.CLAIMED, self.PROGRESS = code("pending"), code("claimed"), code("in_progress")
        self.COMPLETED, self.FAILED = code("completed"), code("failed")
        self.undone: dict[int, int] = {}
        self.ready_since: dict[int, float] = {}
        self.depth = dict.fromkeys(DEPTH, 0)
        self.inflight: dict[int, int] = {}
        self.row: MinuteRow | None = None
        self.closed_until = 0

    # -- state at the start ------------------------------------------------------
    def undone_of(self, task_id: str) -> int:
        """Dependencies of ``task_id`` not completed now (missing ones never are)."""
        table, completed = self.table, self.COMPLETED
        count = 0
        for dep in self.deps.get(task_id, ()):
            j = table.find(dep)
            if j is None or table.status[j] != completed:
                count += 1
        return count

    def key(self, i: int, code: int) -> str | None:
        if code == self.PENDING:
            return "blocked" if self.undone.get(i) else "ready"
        if code == self.CLAIMED:
            return "claimed"
        if code == self.PROGRESS:
            return "in_progress"
        return None

    def start(self, ready_since: dict[int, float]) -> None:
        """Counters of the table as it is; ``ready_since`` for its ready tasks."""
        table = self.table
        for task_id in self.deps:
            i = table.find(task_id)
            if i is not None:
                self.undone[i] = self.undone_of(task_id)
        for i, code in enumerate(table.status):
            name = self.key(i, code)
            if name is not None:
                self.depth[name] += 1
            if code in (self.CLAIMED, self.PROGRESS) and table.owner[i] != NO_OWNER:
                self.inflight[table.owner[i]] = self.inflight.get(table.owner[i], 0) + 1
        self.ready_since = dict(ready_since)

    # -- events -----------------------------------------------------------------
    def _shift(self, i: int, before: str | None, after: str | None) -> None:
        if before != after:
            if before is not None:
                self.depth[before] -= 1
            if after is not None:
                self.depth[after] += 1

    def _dependents_moved(self, task_id: str, completed: bool, at: float) -> None:
        table = self.table
        for child_id in self.dependents.get(task_id, ()):
            child = table.find(child_id)
            if child is None:
                continue
            before = self.key(child, table.status[child])
            self.undone[child] = self.undone.get(child, 0) + (-1 if completed else 1)
            after = self.key(child, table.status[child])
            self._shift(child, before, after)
            if after == "ready" and before == "blocked":
                self.ready_since[child] = at
            elif after == "blocked":
                self.ready_since.pop(child, None)

    def apply(self, rows: Iterable[tuple]) -> Iterator[MinuteRow]:
        """Fold events; yields every minute that ended before the last one."""
        table, status, owner = self.table, self.table.status, self.table.owner
        catalog = table.catalog
        for event_id, task_id, at, action, from_status, to_status, to_owner in rows:
            moment = number(at)
            if moment is None:
                continue
            minute = int(moment // 60) * 60
            if self.row is None or minute > self.row.minute:
                yield from self.close_until(minute)
                self.row = MinuteRow(minute=max(minute, self.closed_until), last_event_id=int(event_id))
            row = self.row
            row.last_event_id = int(event_id)
            key = task_id if type(task_id) is str else text(task_id) or ""
            i, new = table.slot(key)
            old, old_owner = status[i], owner[i]
            if new:
                if key in self.deps:
                    self.undone[i] = self.undone_of(key)
                if from_status is None:
                    row.created += 1
            code = catalog.status_code(text(to_status))
            who = catalog.owner_code(text(to_owner))
            before = self.key(i, old)
            status[i], owner[i] = code, who
            self._shift(i, before, self.key(i, code))
            if old in (self.CLAIMED, self.PROGRESS) and old_owner != NO_OWNER:
                self.inflight[old_owner] -= 1
            if code in (self.CLAIMED, self.PROGRESS) and who != NO_OWNER:
                self.inflight[who] = self.inflight.get(who, 0) + 1
            if (old == self.COMPLETED) != (code == self.COMPLETED):
                self._dependents_moved(key, code == self.COMPLETED, moment)
                if code == self.COMPLETED:
                    row.completed += 1
            action = text(action)
            if code == self.CLAIMED and (old != self.CLAIMED or who != old_owner):
                row.claims += 1
                waited = self.ready_since.get(i)
                if old == self.PENDING and waited is not None:
                    row.waits.append(max(0.0, moment - waited))
            if action == "fail" or (code == self.FAILED and old != self.FAILED):
                row.failed += 1
            if code == self.PENDING and (old == self.FAILED or (old in (self.CLAIMED, self.PROGRESS)
                                                              and action in ("fail", "reclaim"))):
                row.retries += 1
            if action in OPERATOR_ACTIONS:
                row.operator += 1
            if code == self.PENDING:
                if old != self.PENDING and not self.undone.get(i):
                    self.ready_since[i] = moment
            else:
                self.ready_since.pop(i, None)
            table.event_id, table.event_at = int(event_id), moment

    # -- closing minutes -------------------------------------------------------------
    def _alive(self, end: float) -> set[str] | None:
        """The agents alive at ``end`` (beats before it applied), or ``None``
        when the heartbeat records do not reach back that far."""
        while self._beat_at < len(self._beats) and self._beats[self._beat_at].at < end:
            beat = self._beats[self._beat_at]
            if beat.gone:
                self.last_beat.pop(beat.agent, None)
            else:
                self.last_beat[beat.agent] = beat.at
            self._beat_at += 1
        if self.beats_since is None or end - self.liveness.stale_after < self.beats_since:
            return None
        return {agent for agent, at in self.last_beat.items() if end - at < self.liveness.stale_after}

    def _fill(self, row: MinuteRow, alive_at: float) -> MinuteRow:
        row.ready, row.blocked = self.depth["ready"], self.depth["blocked"]
        row.claimed, row.in_progress = self.depth["claimed"], self.depth["in_progress"]
        owners = self.table.catalog.owners
        busy = {owners[code] for code, n in self.inflight.items() if n > 0}
        alive = self._alive(alive_at)
        row.agents_busy = len(busy)
        row.agents_alive = None if alive is None else len(alive)
        row.agents_idle = None if alive is None else len(alive - busy)
        return row

    def _seal(self, row: MinuteRow) -> MinuteRow:
        self.closed_until = row.minute + 60
        return self._fill(row, self.closed_until)

    def peek(self) -> MinuteRow | None:
        """The open minute so far, as a finished row would read (a copy: the
        open row keeps counting), agents counted as of now."""
        if self.row is None:
            return None
        return self._fill(self.row.copy(), min(self.row.minute + 60, clock.now()))

    def close_until(self, moment: float) -> Iterator[MinuteRow]:
        """Close the open minute if it ended by ``moment``, and yield a row for
        every later minute that ended by then in which an agent wrote (depth
        unchanged, nothing happened): minutes with neither are left out."""
        if self.row is not None and self.row.minute + 60 <= moment:
            yield self._seal(self.row)
            self.row = None
        last_event = self.table.event_id or 0
        while self._beat_at < len(self._beats):
            beat_minute = int(self._beats[self._beat_at].at // 60) * 60
            if beat_minute < self.closed_until:
                self._alive(self.closed_until)
                continue
            if beat_minute + 60 > moment or (self.row is not None and beat_minute >= self.row.minute):
                break
            yield self._seal(MinuteRow(minute=beat_minute, last_event_id=last_event))
