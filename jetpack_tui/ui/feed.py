"""Where "something changed" comes from, and merging change sets.

Three sources feed the one refresh path (:mod:`.refresh`):

* :class:`WatcherSource` — local mode: ``jetpack_tui.data.watcher.ChangeWatcher``
  wakes ~2 ms after another process commits and hands us the change set;
* :class:`PollSource` — the fallback (no watcher module, or it failed): a
  timer asks the refresher to read ``dl.changes_since(cursor)``;
* Turso mode: after each sync the replica calls :meth:`Refresher.poke_threadsafe`
  (or a watcher-like object calls ``deliver_threadsafe``); a failed sync calls
  ``fail_threadsafe(reason)``.  All three end in the same worker.
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

    def start(self, cursor: int | None) -> None: ...

    def stop(self) -> None: ...


class PollSource:
    """Read the feed every ``interval`` seconds (the refresher skips while busy)."""

    kind = "poll"

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


def watcher_class() -> Any | None:
    """``ChangeWatcher`` when the data package has it, else ``None``."""
    try:
        from jetpack_tui.data.watcher import ChangeWatcher  # type: ignore[import-not-found]
    except ImportError:
        return None
    return ChangeWatcher


def choose_source(refresher: "Refresher", dl: Any, *, poll_interval: float, watch: bool = True) -> FeedSource:
    cls = watcher_class() if watch and getattr(dl, "mode", None) == "local" else None
    if cls is not None:
        return WatcherSource(refresher, cls)
    return PollSource(refresher, poll_interval)
