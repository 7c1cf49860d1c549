"""What the last syncs did, and whether the data on screen is current.

A replica serves reads even when the primary is gone, so a screen must be
able to say "stale since 10:42, primary unreachable" instead of silently
showing old data.  :class:`SyncState` is the one place that knows; it is
updated from the engine thread and read from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncReport:
    """One sync: when it started (epoch), how long it took (s), whether the
    pull brought changes, how many queued writes were pushed, the error (safe
    to show: never holds the token) and since when data is stale (epoch of
    the first failure after the last success, ``None`` when current)."""

    started_at: float
    duration: float
    pulled_changes: bool
    pushed: int
    error: str | None
    stale_since: float | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot for a status line: ``online`` is whether the last contact
    with the primary worked; ``queued`` writes wait in the outbox; ``rejected``
    outbox entries could never be applied (kept in the ``.rejected`` file)."""

    online: bool
    last_ok_at: float | None
    last_error: str | None
    stale_since: float | None
    queued: int
    rejected: int
    last_report: SyncReport | None

    @property
    def stale(self) -> bool:
        return self.stale_since is not None


SyncCallback = Callable[[SyncReport], None]


class SyncState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._online = True
        self._last_ok_at: float | None = None
        self._last_error: str | None = None
        self._stale_since: float | None = None
        self._failed_at_mono: float | None = None
        self._queued = 0
        self._rejected = 0
        self._last_report: SyncReport | None = None
        self._callbacks: list[SyncCallback] = []

    # -- updates (engine thread) -------------------------------------------------
    def contact_ok(self) -> None:
        """A request to the primary worked (a write, a replay)."""
        with self._lock:
            self._online = True
            self._failed_at_mono = None

    def contact_failed(self, error: str, at: float) -> None:
        with self._lock:
            self._online = False
            self._last_error = error
            if self._stale_since is None:
                self._stale_since = at
            self._failed_at_mono = time.monotonic()

    def record(self, started_at: float, duration: float, pulled: bool, pushed: int,
               error: str | None) -> SyncReport:
        if error is None:
            with self._lock:
                self._online = True
                self._failed_at_mono = None
                self._last_ok_at = started_at
                self._last_error = None
                self._stale_since = None
        else:
            self.contact_failed(error, started_at)
        with self._lock:
            report = SyncReport(started_at, duration, pulled, pushed, error, self._stale_since)
            self._last_report = report
        return report

    def set_queue(self, queued: int, rejected: int) -> None:
        with self._lock:
            self._queued, self._rejected = queued, rejected

    # -- reads (any thread) -------------------------------------------------------
    def offline_recently(self, within: float) -> bool:
        """The primary failed less than ``within`` seconds ago: don't wait
        for it again yet (a black-holed host costs a full timeout per try)."""
        with self._lock:
            return (not self._online and self._failed_at_mono is not None
                    and time.monotonic() - self._failed_at_mono < within)

    def last_error(self) -> str | None:
        with self._lock:
            return self._last_error

    def snapshot(self) -> SyncStatus:
        with self._lock:
            return SyncStatus(self._online, self._last_ok_at, self._last_error, self._stale_since,
                              self._queued, self._rejected, self._last_report)

    # -- subscribers ----------------------------------------------------------------
    def subscribe(self, callback: SyncCallback) -> Callable[[], None]:
        with self._lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    def notify(self, report: SyncReport) -> None:
        """Call every subscriber (on the caller's thread, never the engine's:
        a callback may use the DataLayer); one failing does not stop others."""
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(report)
            except Exception:  # noqa: BLE001 - a subscriber's bug must not stop syncing
                log.exception("a sync subscriber failed")
