"""Where "something changed" comes from, and merging change sets.

Three sources feed the one refresh path (:mod:`.refresh`):

* :class:`WatcherSource` — local mode: ``jetpack_tui.data.watcher.ChangeWatcher``
  wakes ~2 ms after another process commits and hands us the change set;
* :class:`PollSource` — the fallback (no watcher module, or it failed): a
  timer asks the refresher to read ``dl.changes_since(cursor)``;
* :class:`SyncSource` — Turso mode: ``dl.on_sync`` reports each sync; a good
  one calls :meth:`Refresher.poke_threadsafe` (read the replica's feed), a
  failed one ``fail_threadsafe(reason)``.  All of them end in the same worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from jetpack_tui.data.changes import MAX_CHANGES_PER_CALL, ChangeSet

if TYPE_CHECKING:
    from .refresh import Refresher


def merge_changes(first: ChangeSet | None, second: ChangeSet | None) -> ChangeSet:
    """Both change sets as one (later operations win; delete wins; too many → reload)."""
    if first is None:
        return second or ChangeSet()
    if second is None:
        return first
    if first.reload or second.reload:
        return ChangeSet(reload=True)
    rows: dict[str, dict[str, str]] = {table: dict(ids) for table, ids in first.rows.items()}
    for table, ids in second.rows.items():
        target = rows.setdefault(table, {})
        for row_id, op in ids.items():
            previous = target.get(row_id)
            target[row_id] = "insert" if previous == "insert" and op == "update" else op
    merged = ChangeSet(rows=rows)
    return ChangeSet(reload=True) if len(merged) > MAX_CHANGES_PER_CALL else merged


class FeedSource(Protocol):
    kind: str
    #: Start only after the first refresh has read the change-feed cursor.
    needs_cursor: bool

    def start(self, cursor: int | None) -> None: ...

    def stop(self) -> None: ...


class PollSource:
    """Read the feed every ``interval`` seconds (the refresher skips while busy)."""

    kind = "poll"
    needs_cursor = False

    def __init__(self, refresher: "Refresher", interval: float) -> None:
        self._refresher = refresher
        self._interval = interval
        self._timer: Any = None

    def start(self, cursor: int | None) -> None:
        self._timer = self._refresher.app.set_interval(self._interval, self._refresher.poke, name="feed-poll")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None


class WatcherSource:
    """Local mode: the file watcher delivers change sets from its own thread."""

    kind = "watch"
    needs_cursor = True  # started once the first refresh knows the cursor

    def __init__(self, refresher: "Refresher", watcher_class: Any, fallback_poll: float = 1.0) -> None:
        self._refresher = refresher
        self._class = watcher_class
        self._fallback = fallback_poll
        self._watcher: Any = None

    def start(self, cursor: int | None) -> None:
        self._watcher = self._class(
            self._refresher.dl,
            self._refresher.deliver_threadsafe,
            cursor=cursor,
            fallback_poll=self._fallback,
            on_error=lambda error: self._refresher.fail_threadsafe(f"watcher: {error}"),
        )
        self._watcher.start()

    def stop(self) -> None:
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            watcher.stop()


class SyncSource:
    """Turso mode: ``dl.on_sync(callback)`` reports every sync (from the sync
    loop's thread).  A good sync reads the change feed of the replica; a
    failed one turns the status line into a warning that keeps the last data."""

    kind = "sync"
    needs_cursor = False

    def __init__(self, refresher: "Refresher", dl: Any) -> None:
        self._refresher = refresher
        self._dl = dl
        self._unsubscribe: Any = None

    def start(self, cursor: int | None) -> None:
        self._unsubscribe = self._dl.on_sync(self._synced)
        status = getattr(self._dl, "sync_status", None)
        current = status() if callable(status) else None
        if current is not None and getattr(current, "last_error", None) and getattr(current, "stale", False):
            self._refresher.fail_threadsafe(f"sync failed: {current.last_error}")

    def _synced(self, report: Any) -> None:
        error = getattr(report, "error", None)
        if error:
            self._refresher.fail_threadsafe(f"sync failed: {error}")
        else:
            self._refresher.poke_threadsafe("sync")

    def stop(self) -> None:
        if self._unsubscribe is not None:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            unsubscribe()


def watcher_class() -> Any | None:
    """``ChangeWatcher`` when the data package has it, else ``None``."""
    try:
        from jetpack_tui.data.watcher import ChangeWatcher  # type: ignore[import-not-found]
    except ImportError:
        return None
    return ChangeWatcher


def choose_source(refresher: "Refresher", dl: Any, *, poll_interval: float, watch: bool = True) -> FeedSource:
    if callable(getattr(dl, "on_sync", None)):
        return SyncSource(refresher, dl)
    cls = watcher_class() if watch and getattr(dl, "mode", None) == "local" else None
    if cls is not None:
        return WatcherSource(refresher, cls)
    return PollSource(refresher, poll_interval)
