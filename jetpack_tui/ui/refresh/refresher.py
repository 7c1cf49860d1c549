"""The refresh path: one worker that never overlaps itself (UI-thread side).

The :class:`Refresher` is an invisible widget on the dashboard screen.
Triggers — a wake-up from a source (file watcher, poll, Turso sync), a pane
asking for a reload or a detail (the operator changed a filter), ctrl+r, an
operator action that went through — only *record* what is needed in
:class:`_Pending`; :meth:`Refresher._kick` starts a thread worker
(:func:`.run.run_job`) when none is running, and the next one is started
when the previous run comes back as :class:`RunDone`.  So a burst of 100
commits a second costs one run per round trip, each run sees the latest
state, and no query ever runs on the UI thread.

The refresher is the only reader of the change feed and the only owner of
the cursor.  A run's result is applied in one handler: pane rows, the status
counts and the status line land in the same frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.widget import Widget

from ..messages import RunDone, SourceFailed, SourceRecovered, Summary, Wake
from .run import IF_CHANGED, NO, YES, Job, RunResult, Target, run_job
from .sources import Source, choose_source

if TYPE_CHECKING:
    from jetpack_tui.data.protocol import DataLayer

    from ..panes.base import Pane


@dataclass
class _Pending:
    wake: bool = True  # the first run reads the feed (cursor None: reload)
    reload: set[str] = field(default_factory=set)
    detail: set[str] = field(default_factory=set)
    summary: bool = False


class Refresher(Widget):
    """``Refresher(dl, clock=..., panes=..., active=...)``; see the module docstring."""

    DEFAULT_CSS = "Refresher { display: none; }"

    #: Feed-driven runs start at most this often: an isolated change is
    #: applied at once, a burst is gathered and applied ~5 times a second.
    MIN_FEED_INTERVAL = 0.2
    #: The counts take at most this share of the time: they are re-read in a
    #: run that changed tasks once ``cost / SUMMARY_SHARE`` has passed — every
    #: run when they are cheap, rarely when they scan a big table (a query
    #: holds the GIL, so each read is a stall of the main loop) …
    SUMMARY_SHARE = 0.02
    #: … and are re-read at least this often (seconds) whatever changed.
    SUMMARY_MAX_AGE = 15.0

    def __init__(self, dl: "DataLayer", *, clock: Callable[[], float], panes: Callable[[], list["Pane"]],
                 active: Callable[[], str], applied: Callable[[], None], page_size: int = 200,
                 poll_interval: float = 0.5, watch: bool = True) -> None:
        super().__init__(id="refresher")
        self.dl = dl
        self._clock = clock
        self._panes = panes
        self._active = active
        self._applied = applied
        self.page_size = page_size
        self._poll_interval = poll_interval
        self._watch = watch
        self.source: Source | None = None
        self._gather = None
        self._last_feed_run = -1e18
        self.cursor: int | None = None
        self.paused = False
        self.running = False
        self.jobs_started = 0
        self.jobs_done = 0
        #: Reading the database failed (cleared by the next good run); times are the app's clock.
        self.error: str | None = None
        self.error_at: float | None = None
        #: The source failed (watcher error, Turso sync failure); cleared when it recovers.
        self.source_error: str | None = None
        self.source_ok_at: float | None = None
        #: When the last change was applied ("changed 3s ago") and the last good run.
        self.last_change_at: float | None = None
        self.last_ok_at: float | None = None
        self.changes_applied = 0
        self.summary: Summary | None = None
        self.heartbeats: tuple[tuple[float | None, str], ...] | None = None
        self._summary_read_at = -1e18  # monotonic
        self._summary_cost = 0.0
        self._pending = _Pending()
        self._retry: set[str] = set()

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        """Start the source and the first run (the screen calls it once every pane is mounted)."""
        self.source = choose_source(self.dl, self, set_interval=self.set_interval,
                                    poll_interval=self._poll_interval, watch=self._watch)
        self.source.start()
        self._kick()

    def on_unmount(self) -> None:
        if self.source is not None:
            source, self.source = self.source, None
            source.stop()

    # -- what sources call (any thread) -----------------------------------------
    def wake_threadsafe(self, reason: str = "poll") -> None:
        self.post_message(Wake(reason))

    def fail_threadsafe(self, reason: str) -> None:
        self.post_message(SourceFailed(reason))

    def recovered_threadsafe(self) -> None:
        self.post_message(SourceRecovered())

    def on_wake(self, message: Wake) -> None:
        message.stop()
        self.wake()

    def on_source_failed(self, message: SourceFailed) -> None:
        message.stop()
        self.source_error = message.reason
        self._applied()

    def on_source_recovered(self, message: SourceRecovered) -> None:
        message.stop()
        self.source_error = None
        self.source_ok_at = self._clock()
        self._applied()

    # -- UI-thread API ---------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.source.kind if self.source is not None else "poll"

    @property
    def busy(self) -> bool:
        """A run is going or one is waiting to start (tests wait for ``not busy``)."""
        p = self._pending
        return self.running or (p.wake and not self.paused) or bool(p.reload or p.detail)

    @property
    def problem(self) -> tuple[str, float | None] | None:
        """``(reason, when the data was last known good)`` or ``None``."""
        if self.error:
            return self.error, self.last_ok_at
        if self.source_error:
            return self.source_error, self.source_ok_at or self.last_ok_at
        return None

    def wake(self, reason: str = "") -> None:
        """Read the change feed soon."""
        self._pending.wake = True
        self._kick()

    def request(self, pane_id: str | None = None, *, reload: bool = False, detail: bool = False) -> None:
        """Ask for a pane's reload or detail (``None``: every pane)."""
        ids = [p.PANE_ID for p in self._panes()] if pane_id is None else [pane_id]
        if reload:
            self._pending.reload.update(ids)
        if detail:
            self._pending.detail.update(ids)
        # The operator changed the view: the screen repaints (header, sort marks) first, then the
        # run reads.  A read holds the GIL, so a run started at once would stretch that repaint.
        self.call_after_refresh(self._kick)

    def reload_all(self) -> None:
        """ctrl+r: reload every visible pane and the counts, read the feed."""
        self._pending.summary = True
        self._pending.wake = True
        self.request(None, reload=True)

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not paused:
            self.wake()

    def tick(self) -> None:
        """Every second: retry after a failure, reload panes whose fetch failed, trailing counts."""
        if self.error and not self.running and not self.paused:
            self._pending.wake = True
        self._pending.reload |= self._retry
        self._retry.clear()
        if time.monotonic() - self._summary_read_at >= self.SUMMARY_MAX_AGE:
            self._pending.summary = True
        self._kick()

    # -- scheduling ----------------------------------------------------------
    def _gathered(self) -> None:
        self._gather = None
        self._kick()

    def _summary_mode(self, now: float) -> str:
        if self._pending.summary or self.summary is None:
            return YES
        allowed = now - self._summary_read_at >= self._summary_cost / self.SUMMARY_SHARE
        return IF_CHANGED if allowed else NO

    def _kick(self) -> None:
        if self.running or not self.is_attached or not self.app.is_running or self.screen.live_pane() is None:
            return
        pending = self._pending
        feed = pending.wake and not self.paused
        now = time.monotonic()
        if not (feed or pending.reload or pending.detail or pending.summary):
            return
        wait = self._last_feed_run + self.MIN_FEED_INTERVAL - now
        if feed and wait > 0 and not (pending.reload or pending.detail or pending.summary):
            # A burst: gather it and apply once (each apply repaints the table).
            if self._gather is None:
                self._gather = self.set_timer(wait, self._gathered, name="refresh-gather")
            return
        if feed:
            self._last_feed_run = now
            pending.wake = False
        active = self._active()
        targets = []
        for pane in self._panes():
            shown = pane.PANE_ID == active or pane.LIVE_WHEN_HIDDEN
            if pane.PANE_ID in pending.reload and not shown:
                pane.stale = True
            targets.append(Target(pane, pane.view_state(), pane.generation, pane.PANE_ID in pending.reload and shown,
                                  pane.PANE_ID in pending.detail and shown, shown))
        summary = self._summary_mode(now)
        self.jobs_started += 1
        job = Job(number=self.jobs_started, read_feed=feed, cursor=self.cursor, targets=tuple(targets),
                  summary=summary, page_size=self.page_size)
        pending.reload.clear()
        pending.detail.clear()
        pending.summary = False
        self.running = True
        dl, clock = self.dl, self._clock
        self.run_worker(lambda: self.post_message(RunDone(run_job(dl, job, clock()))), thread=True,
                        group="refresh", name=f"refresh-{job.number}", exit_on_error=False)

    # -- applying a run (UI thread) ------------------------------------------------
    def on_run_done(self, message: RunDone) -> None:
        message.stop()
        result: RunResult = message.result
        self.running = False
        self.jobs_done = result.job
        now = self._clock()
        if result.summary is not None:
            self.summary = result.summary
            self._summary_cost = result.summary.cost
            self._summary_read_at = time.monotonic()
        if result.heartbeats is not None:
            self.heartbeats = result.heartbeats
        panes = {pane.PANE_ID: pane for pane in self._panes()}
        self._book(result, now, panes.values())
        for pane_id, data in result.data:
            pane = panes.get(pane_id)
            if pane is not None:
                pane.apply(data)
        self._applied()
        self._kick()

    def _book(self, result: RunResult, now: float, panes) -> None:
        if result.error is None or result.failed_panes:
            self.cursor = result.cursor
        if result.error is None:
            self.error = None
            self.last_ok_at = now
        else:
            self.error, self.error_at = result.error, now
            self._retry.update(result.failed_panes)
        if not result.feed_moved:
            return
        self.last_change_at = now
        self.changes_applied += result.changed
        active = self._active()
        for pane in panes:
            touched = result.reload or bool(result.tables & pane.TABLES)
            if pane.PANE_ID != active and not pane.LIVE_WHEN_HIDDEN and touched:
                pane.stale = True
