"""The refresh path: one worker that never overlaps itself.

Triggers (a feed delivery, a poll tick, a Turso sync, the operator changing
a filter, ctrl+r) only *record* what is needed in :class:`_Pending` on the UI
thread; :meth:`Refresher._kick` starts a thread worker when none is running,
and the next run is started when the previous one posts :class:`RefreshDone`.
So a burst of 100 commits a second costs one worker run per round trip, the
worker always sees the latest state, and DB reads never run on the UI thread.

The worker reads the change feed (when asked), calls ``fetch`` of every pane
that wants the change (hidden panes are only marked stale), reads the status
counts when they are due, and posts typed messages for the UI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from jetpack_tui.data.changes import ChangeSet

from .feed import merge_changes
from .messages import AgentHeartbeats, FeedDelivered, FeedFailed, FeedPoke, RefreshDone, StatusCounts, Summary
from .panes.base import FetchRequest, Pane

if TYPE_CHECKING:
    from textual.app import App


@dataclass
class _Target:
    pane: Pane
    view: Any
    generation: int
    reload: bool
    detail: bool
    active: bool


@dataclass
class _Job:
    number: int
    read_feed: bool
    cursor: int | None
    changes: ChangeSet
    targets: list[_Target] = field(default_factory=list)
    status: bool = False


@dataclass
class _Pending:
    feed: ChangeSet | None = None
    feed_cursor: int | None = None
    read_feed: bool = False
    reload: set[str] = field(default_factory=set)
    detail: set[str] = field(default_factory=set)


def fetch_summary(dl: Any, now: float) -> Summary:
    """Counts for the status line (worker thread)."""
    return Summary(tasks=dl.tasks.counts_by_status(), at=now)


class Refresher:
    """Owns the change-feed cursor and schedules the refresh worker (UI thread)."""

    def __init__(self, app: "App", dl: Any, *, clock: Callable[[], float], panes: Callable[[], list[Pane]],
                 active: Callable[[], str], page_size: int = 200, status_interval: float = 5.0,
                 status_max_age: float = 15.0, min_feed_interval: float = 0.2) -> None:
        self.app = app
        self.dl = dl
        self._clock = clock
        self._panes = panes
        self._active = active
        self.page_size = page_size
        self.status_interval = status_interval
        self.status_max_age = status_max_age
        #: Feed-driven runs start at most this often: an isolated change is
        #: applied at once, a burst is gathered and applied ~5 times a second.
        self.min_feed_interval = min_feed_interval
        self._last_feed_run = -1e18
        self._gather: Any = None
        self.cursor: int | None = None
        self.paused = False
        self.running = False
        self.jobs_started = 0
        self.jobs_done = 0
        # Times are from the app's clock ("now" for display; frozen in tests).
        #: Reading the database failed (cleared by the next successful run).
        self.error: str | None = None
        self.error_at: float | None = None
        #: The feed source failed (watcher error, Turso sync failure); cleared
        #: when the source delivers again — local reads may still work.
        self.source_error: str | None = None
        #: When the source last worked (for "data 42s old").
        self.source_ok_at: float | None = None
        #: When the last change (or sync) was applied, for "changed 3s ago".
        self.last_change_at: float | None = None
        self.last_ok_at: float | None = None
        self.changes_applied = 0
        self._pending = _Pending(read_feed=True)  # first run reads the feed: reload=True
        self._status_dirty = True
        self._status_at = -1e18
        #: Panes whose fetch failed: reloaded on the next tick (not in a tight loop).
        self._retry: set[str] = set()

    # -- thread-safe entry points (feed sources) ------------------------------
    def deliver_threadsafe(self, changes: ChangeSet, cursor: int) -> None:
        self.app.post_message(FeedDelivered(changes, cursor))

    def poke_threadsafe(self, reason: str = "sync") -> None:
        self.app.post_message(FeedPoke(reason))

    def fail_threadsafe(self, reason: str) -> None:
        self.app.post_message(FeedFailed(reason))

    # -- UI-thread API ----------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A run is going or one is waiting to start (tests wait for ``not busy``)."""
        p = self._pending
        feed_waiting = (p.feed is not None or p.read_feed) and not self.paused
        return self.running or feed_waiting or bool(p.reload or p.detail)

    def deliver(self, changes: ChangeSet, cursor: int) -> None:
        self._pending.feed = merge_changes(self._pending.feed, changes)
        self._pending.feed_cursor = cursor
        self._kick()

    def poke(self) -> None:
        """Read the change feed soon (poll tick, Turso sync)."""
        if not self.paused:
            self._pending.read_feed = True
            self._kick()

    def failed(self, reason: str) -> None:
        """A read of the database failed."""
        self.error = reason
        self.error_at = self._clock()

    def source_failed(self, reason: str) -> None:
        """The feed source (watcher, sync) failed: the data may be getting old."""
        self.source_error = reason

    def source_ok(self) -> None:
        self.source_error = None
        self.source_ok_at = self._clock()

    @property
    def problem(self) -> tuple[str, float | None] | None:
        """``(reason, when the data was last known good)`` or ``None``."""
        if self.error:
            return self.error, self.last_ok_at
        if self.source_error:
            return self.source_error, self.source_ok_at or self.last_ok_at
        return None

    def request(self, pane_id: str | None = None, *, reload: bool = False, detail: bool = False) -> None:
        """Ask for a pane's reload or detail (``None``: every pane)."""
        ids = [p.PANE_ID for p in self._panes()] if pane_id is None else [pane_id]
        if reload:
            self._pending.reload.update(ids)
        if detail:
            self._pending.detail.update(ids)
        self._kick()

    def reload_all(self) -> None:
        """ctrl+r: reload every visible pane and the counts, read the feed."""
        self._status_dirty = True
        self._status_at = -1e18
        self._pending.read_feed = True
        self.request(None, reload=True)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not paused:
            self._pending.read_feed = True
            self._kick()

    def tick(self) -> None:
        """Every second (UI thread): trailing status refresh, retries."""
        if self.error and not self.running and not self.paused:
            self._pending.read_feed = True
        self._pending.reload |= self._retry
        self._retry.clear()
        self._kick()

    # -- scheduling ----------------------------------------------------------
    def _gathered(self) -> None:
        self._gather = None
        self._kick()

    def _status_due(self, now: float) -> bool:
        age = now - self._status_at
        return (self._status_dirty and age >= self.status_interval) or age >= self.status_max_age

    def _kick(self) -> None:
        if self.running or not self.app.is_running:
            return
        pending = self._pending
        feed = (pending.feed is not None or pending.read_feed) and not self.paused
        now = time.monotonic()
        status = self._status_due(now)
        if not (feed or pending.reload or pending.detail or status):
            return
        wait = self._last_feed_run + self.min_feed_interval - now
        if feed and wait > 0 and not (pending.reload or pending.detail):
            # A burst: gather it and apply once (each apply repaints the table).
            if self._gather is None:
                self._gather = self.app.set_timer(wait, self._gathered, name="refresh-gather")
            return
        if feed:
            self._last_feed_run = now
        self.jobs_started += 1
        job = _Job(number=self.jobs_started, read_feed=feed and pending.read_feed,
                   cursor=self.cursor, changes=(pending.feed or ChangeSet()) if feed else ChangeSet(),
                   status=status)
        if feed and pending.feed_cursor is not None:
            job.cursor = pending.feed_cursor
        active = self._active()
        for pane in self._panes():
            shown = pane.PANE_ID == active or pane.LIVE_WHEN_HIDDEN
            reload = pane.PANE_ID in pending.reload and shown
            detail = pane.PANE_ID in pending.detail and shown
            if pane.PANE_ID in pending.reload and not shown:
                pane.stale = True
            job.targets.append(_Target(pane, pane.view_state(), pane.generation, reload, detail, shown))
        if feed:
            pending.feed, pending.feed_cursor, pending.read_feed = None, None, False
        pending.reload.clear()
        pending.detail.clear()
        if status:
            self._status_at = now
            self._status_dirty = False
        self.running = True
        self.app.run_worker(lambda: self._work(job), thread=True, group="refresh", name=f"refresh-{job.number}",
                            exit_on_error=False)

    # -- worker thread -----------------------------------------------------------
    def _work(self, job: _Job) -> None:
        cursor, changes, error, failed = job.cursor, job.changes, None, []
        try:
            if job.read_feed:
                fresh, cursor = self.dl.changes_since(job.cursor)
                changes = merge_changes(changes, fresh)
            now = self._clock()
            for target in job.targets:
                reload = target.reload or (changes.reload and target.active)
                wanted = target.active and target.pane.wants(changes)
                if not (reload or target.detail or wanted):
                    continue
                request = FetchRequest(changes=changes, view=target.view, generation=target.generation,
                                       now=now, reload=reload, detail=target.detail,
                                       active=target.active, page_size=self.page_size)
                try:
                    for message in target.pane.fetch(self.dl, request) or ():
                        target.pane.post_message(message)
                except Exception as exc:  # noqa: BLE001 - one pane failing must not stop the others
                    failed.append(target.pane.PANE_ID)
                    error = error or f"{target.pane.TITLE}: {exc.__class__.__name__}: {exc}"
            if job.status:
                self.app.post_message(StatusCounts(fetch_summary(self.dl, now)))
            if job.status or changes.reload or "agents" in changes.tables:
                beats = tuple((agent.last_heartbeat, agent.status) for agent in self.dl.agents.list())
                self.app.post_message(AgentHeartbeats(beats))
        except Exception as exc:  # noqa: BLE001 - reported on the status line, data kept
            error = f"{exc.__class__.__name__}: {exc}" if not str(exc) else str(exc)
            cursor = job.cursor
        finally:
            self.app.post_message(RefreshDone(
                job=job.number, cursor=cursor, tables=frozenset(changes.tables), changed=len(changes),
                reload=changes.reload, error=error, failed_panes=tuple(failed)))

    def finished(self, done: RefreshDone) -> None:
        """UI thread: bookkeeping after a run, then start the next if needed."""
        self.running = False
        self.jobs_done = done.job
        if done.error is None:
            self.cursor = done.cursor
            self.error = None
            self.last_ok_at = self._clock()
        else:
            self.failed(done.error)
            self._retry.update(done.failed_panes)
        if done.changed or done.reload:
            self.last_change_at = self._clock()
            self.changes_applied += done.changed
            if done.reload or done.tables & {"tasks", "agents"}:
                self._status_dirty = True
            active = self._active()
            for pane in self._panes():
                if pane.PANE_ID != active and not pane.LIVE_WHEN_HIDDEN and (done.reload or done.tables & pane.TABLES):
                    pane.stale = True
        self._kick()
