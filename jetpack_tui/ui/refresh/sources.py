"""Where "something may have changed" comes from.

Every source only wakes the refresher; none reads the change feed or keeps a
cursor (the refresher's worker does both):

* :class:`WatchSource` — local mode: ``jetpack_tui.data.watcher.FileWakeup``
  wakes ~2 ms after another process commits (and polls slowly as well);
* :class:`PollSource` — the fallback (no file watcher): a timer;
* :class:`SyncSource` — Turso mode: ``dl.on_sync`` reports each sync; a
  good one wakes the refresher (read the replica's feed), a failed one says
  so (the status line turns into a warning that keeps the last data).

A source calls the :class:`Sink` it was given, from any thread.
"""

from __future__ import annotations

from typing import Any, Protocol

from jetpack_tui.data.protocol import DataLayer, SyncingDataLayer
from jetpack_tui.data.watcher import FileWakeup


class Sink(Protocol):
    """What a source tells (thread-safe)."""

    def wake_threadsafe(self, reason: str) -> None: ...

    def fail_threadsafe(self, reason: str) -> None: ...

    def recovered_threadsafe(self) -> None: ...


class Source(Protocol):
    kind: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


class PollSource:
    """Wake every ``interval`` seconds (``set_interval`` is the refresher's)."""

    kind = "poll"

    def __init__(self, set_interval: Any, wake: Any, interval: float) -> None:
        self._set_interval = set_interval
        self._wake = wake
        self._interval = interval
        self._timer: Any = None

    def start(self) -> None:
        self._timer = self._set_interval(self._interval, lambda: self._wake("poll"), name="feed-poll")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None


class WatchSource:
    """Local mode: file events on the database wake the refresher."""

    kind = "watch"

    def __init__(self, path: str, sink: Sink, fallback_poll: float = 1.0) -> None:
        self._wakeup = FileWakeup(path, lambda: sink.wake_threadsafe("watch"), fallback_poll=fallback_poll,
                                  on_error=lambda error: sink.fail_threadsafe(f"watcher: {error}"),
                                  on_recovered=sink.recovered_threadsafe)

    def start(self) -> None:
        self._wakeup.start()

    def stop(self) -> None:
        self._wakeup.stop()


class SyncSource:
    """Turso mode: every sync report wakes the refresher or says what failed."""

    kind = "sync"

    def __init__(self, dl: SyncingDataLayer, sink: Sink) -> None:
        self._dl = dl
        self._sink = sink
        self._unsubscribe: Any = None

    def start(self) -> None:
        self._unsubscribe = self._dl.on_sync(self._synced)
        current = self._dl.sync_status()
        if current is not None and current.last_error and current.stale:
            self._sink.fail_threadsafe(f"sync failed: {current.last_error}")

    def _synced(self, report: Any) -> None:
        if report.error:
            self._sink.fail_threadsafe(f"sync failed: {report.error}")
        else:
            self._sink.recovered_threadsafe()
            self._sink.wake_threadsafe("sync")

    def stop(self) -> None:
        if self._unsubscribe is not None:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            unsubscribe()


def choose_source(dl: DataLayer, sink: Sink, *, set_interval: Any, poll_interval: float,
                  watch: bool = True) -> Source:
    if isinstance(dl, SyncingDataLayer):
        return SyncSource(dl, sink)
    if watch and dl.mode == "local":
        return WatchSource(dl.location, sink)
    return PollSource(set_interval, sink.wake_threadsafe, poll_interval)
