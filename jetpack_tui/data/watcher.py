"""Local mode live sync: wake up when the database file may have changed.

Any writer — another agent process, a client in another language, the
``sqlite3`` shell — touches the database file or its ``-wal``.  A watchfiles
thread notices that within a few milliseconds (``step=1``; watchfiles'
default ``step=50`` costs 50-100 ms, see ``bench/latency.py``) and wakes a
second thread, which calls ``on_wake()``.  A slow poll wakes it as well, for
filesystems without inotify (network mounts) and for the commits that land
before the file watch is registered.

Two layers, each with one job:

* :class:`FileWakeup` only says "something may have changed".  It never
  reads the database and keeps no cursor: whoever it wakes reads the change
  feed itself.  The dashboard's one refresh worker uses it this way.
* :class:`ChangeWatcher` is a wake-up plus a reader of the change feed, for
  programs that want the changed rows handed to them (agents, benchmarks):
  it keeps its own cursor and calls ``callback(changes, cursor)``.

Threads: every callback is called **from the watcher's own threads, never
the caller's**: a Textual app must hop back with ``post_message``.  Nothing
here ever blocks the caller's thread except ``stop()``, which returns within
a few milliseconds unless a callback is still running.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import watchfiles

from .changes import ChangeSet
from .errors import ClosedError, StorageError

log = logging.getLogger(__name__)

Callback = Callable[[ChangeSet, int], None]
ErrorCallback = Callable[[BaseException], None]

#: Extra wake-ups after each file event (seconds between them).  A WAL commit
#: is a ``write()`` of frames (the file event) followed by an update of the
#: ``-shm`` index through ``mmap``, which makes no event: a reader woken in
#: between sees nothing yet, and without these the commit would wait for the
#: slow poll.  Each extra wake-up costs the reader one primary-key lookup.
RECHECK_AFTER = (0.005, 0.02, 0.1, 0.5)

#: Files whose writes mean "someone may have committed".
_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class FileWakeup:
    """Calls ``on_wake()`` whenever the file at ``path`` may have changed.

    ``on_wake`` runs on the wake-up thread, one call at a time.  An exception
    it raises goes to ``on_error`` (once per distinct error until a wake-up
    succeeds again, which calls ``on_recovered``) and the wake-ups go on; a
    :class:`ClosedError` ends them.  Before each wake-up the file is checked
    to be the one that was opened: a deleted or replaced file is an error
    (an open connection keeps reading the old inode without a word).

    ``use_filesystem_events=False`` relies on the poll alone (every
    ``fallback_poll`` seconds).  ``debounce_ms`` bounds how long a burst of
    file events is gathered before a wake-up.
    """

    def __init__(self, path: str, on_wake: Callable[[], None], *, step_ms: int = 1, debounce_ms: int = 50,
                 fallback_poll: float = 1.0, use_filesystem_events: bool = True,
                 on_error: ErrorCallback | None = None, on_recovered: Callable[[], None] | None = None) -> None:
        if fallback_poll <= 0:
            raise ValueError("fallback_poll must be a positive number of seconds")
        if step_ms < 1 or debounce_ms < step_ms:
            raise ValueError("need 1 <= step_ms <= debounce_ms")
        self._path = os.path.abspath(path)
        self._on_wake = on_wake
        self._on_error = on_error
        self._on_recovered = on_recovered
        self._step_ms = int(step_ms)
        self._debounce_ms = int(debounce_ms)
        self._fallback_poll = float(fallback_poll)
        self._use_events = use_filesystem_events
        self._file_id: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._report_lock = threading.Lock()
        self._error_key: tuple[str, str] | None = None
        self._reports = 0
        self._threads: list[threading.Thread] = []
        self._started = False
        #: The last error reported (stays set after recovery, for display).
        self.last_error: BaseException | None = None

    # -- lifecycle ----------------------------------------------------------
    def start(self, *, wake_now: bool = False) -> "FileWakeup":
        if self._started:
            raise RuntimeError("a watcher can only be started once")
        self._started = True
        self._file_id = _identity(self._path)
        if wake_now:
            self._wake.set()
        self._spawn(self._pulse_loop, "jetpack-watch-check")
        if self._use_events:
            self._spawn(self._watch_files, "jetpack-watch-files")
        return self

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop both threads; True when they have ended within ``timeout``.

        Safe to call from ``on_wake`` (it then does not wait for itself).
        """
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads if t is not current)

    def poke(self) -> None:
        """Wake up now (e.g. right after this process wrote something)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- the file-event thread ----------------------------------------------
    def _watch_files(self) -> None:
        folder = os.path.dirname(self._path)
        names = {os.path.basename(self._path) + suffix for suffix in _SUFFIXES}

        def only_the_database(_change: watchfiles.Change, path: str) -> bool:
            return os.path.basename(path) in names

        last_problem = None
        while not self._stop.is_set():
            try:
                for _events in watchfiles.watch(
                    folder, watch_filter=only_the_database, step=self._step_ms, debounce=self._debounce_ms,
                    rust_timeout=max(1000, int(self._fallback_poll * 1000)), stop_event=self._stop,
                    recursive=False, raise_interrupt=False, ignore_permission_denied=True,
                ):
                    self._wake.set()
            except Exception as error:  # noqa: BLE001 - the poll carries on meanwhile
                problem = f"{folder}: cannot watch for file changes ({error}); " \
                          f"polling every {self._fallback_poll:g} s"
                if problem != last_problem:  # not again on every retry
                    self._emit(StorageError(problem))
                last_problem = problem
            self._stop.wait(self._fallback_poll)  # then try to watch again

    # -- the wake-up thread ---------------------------------------------------
    def _pulse_loop(self) -> None:
        rechecks: list[float] = []
        while not self._stop.is_set():
            timeout = rechecks.pop(0) if rechecks else self._fallback_poll
            woke = self._wake.wait(min(timeout, self._fallback_poll))
            if self._stop.is_set():
                return
            if woke:
                self._wake.clear()  # before waking: a later event means a later commit
                rechecks = list(RECHECK_AFTER)
            self._pulse()

    def _pulse(self) -> None:
        reports = self._reports
        try:
            self._confirm_same_file()
            self._on_wake()
        except ClosedError as error:
            self.report(error)
            self._stop.set()
            return
        except Exception as error:  # noqa: BLE001 - reported, then keep watching
            self.report(error)
            return
        if self._reports == reports:  # on_wake reported nothing itself
            self._recovered()

    def _confirm_same_file(self) -> None:
        """An open DataLayer keeps reading a deleted or replaced file's old
        inode without any error: say so instead of showing stale data."""
        if self._file_id is None:  # the file was already gone at start(): say so too
            self._file_id = _identity(self._path)
            if self._file_id is not None:
                return
        now = _identity(self._path)
        if now is None:
            raise StorageError(f"{self._path}: the database file was deleted; "
                               "what is shown is the copy still open, no longer shared")
        if now != self._file_id:
            raise StorageError(f"{self._path}: the database file was replaced by another file; "
                               "reopen it to see the new one")

    # -- errors ---------------------------------------------------------------
    def _recovered(self) -> None:
        with self._report_lock:
            was_failing, self._error_key = self._error_key is not None, None
        if was_failing and self._on_recovered is not None:
            try:
                self._on_recovered()
            except Exception:  # noqa: BLE001
                log.exception("change watcher: on_recovered failed")

    def report(self, error: BaseException, *, force: bool = False) -> None:
        """Hand ``error`` to ``on_error`` unless it is the one reported last."""
        key = (type(error).__name__, str(error))
        with self._report_lock:
            self._reports += 1
            if key == self._error_key and not force:
                return
            self._error_key = key
        self._emit(error)

    def _emit(self, error: BaseException) -> None:
        self.last_error = error
        if self._on_error is None:
            log.warning("change watcher: %s: %s", type(error).__name__, error)
            return
        try:
            self._on_error(error)
        except Exception:  # noqa: BLE001
            log.exception("change watcher: on_error failed")


class ChangeWatcher:
    """Calls ``callback(changes, cursor)`` whenever the database changes.

    A :class:`FileWakeup` on ``dl.location`` plus a reader of the change
    feed: each wake-up confirms a change cheaply (``dl.change_cursor()``, one
    primary-key lookup) and reads it with ``dl.changes_since``.  ``(changes,
    cursor)`` are delivered in order, one call at a time.

    ``cursor``: where to start.  ``None`` takes :meth:`dl.change_cursor` at
    :meth:`start` (so read your initial data *after* ``start()``, or take the
    cursor yourself *before* reading it and pass it in: then anything that
    changed in between is delivered at once).

    Errors (a broken file, a dropped table, the file deleted or replaced
    under an open DataLayer, an exception from ``callback``) go to
    ``on_error`` as described in :class:`FileWakeup`; only a closed DataLayer
    ends the watcher.  The DataLayer serialises its queries on its one
    connection, so calling ``dl`` from the watcher's thread is safe.
    """

    def __init__(self, dl: Any, callback: Callback, *, cursor: int | None = None, step_ms: int = 1,
                 debounce_ms: int = 50, fallback_poll: float = 1.0, use_filesystem_events: bool = True,
                 on_error: ErrorCallback | None = None, on_recovered: Callable[[], None] | None = None) -> None:
        self._dl = dl
        self._callback = callback
        self._cursor = cursor
        self._paused = threading.Event()
        self._wakeup = FileWakeup(dl.location, self._check, step_ms=step_ms, debounce_ms=debounce_ms,
                                  fallback_poll=fallback_poll, use_filesystem_events=use_filesystem_events,
                                  on_error=on_error, on_recovered=on_recovered)
        #: ``time.time()`` of the last non-empty delivery, or ``None``.
        self.last_change_at: float | None = None

    def start(self) -> "ChangeWatcher":
        catch_up = self._cursor is not None
        if self._cursor is None:
            self._cursor = self._dl.change_cursor()
        self._wakeup.start(wake_now=catch_up)
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        return self._wakeup.stop(timeout)

    def pause(self) -> None:
        """Stop delivering; changes accumulate and arrive on :meth:`resume`."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wakeup.poke()

    def poke(self) -> None:
        """Check now (e.g. right after this process wrote something)."""
        self._wakeup.poke()

    @property
    def cursor(self) -> int | None:
        """The cursor of the last delivery (what the callback was given)."""
        return self._cursor

    @property
    def running(self) -> bool:
        return self._wakeup.running

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def last_error(self) -> BaseException | None:
        return self._wakeup.last_error

    def __enter__(self) -> "ChangeWatcher":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ChangeWatcher {self._dl.location!r} {state} cursor={self._cursor}>"

    def _check(self) -> None:
        """One wake-up (the wake-up thread): read and deliver what changed."""
        if self._paused.is_set() or self._dl.change_cursor() == self._cursor:
            return
        changes, cursor = self._dl.changes_since(self._cursor)
        self._cursor = cursor
        if not changes:
            return
        self.last_change_at = time.time()
        try:
            self._callback(changes, cursor)
        except Exception as error:  # noqa: BLE001 - a broken callback must not stop the feed
            self._wakeup.report(error, force=True)
