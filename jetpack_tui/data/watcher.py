"""Local mode live sync: wake on writes to the database file, hand over changes.

Any writer — another agent process, a client in another language, the
``sqlite3`` shell — touches the database file or its ``-wal``.  A watchfiles
thread notices that within a few milliseconds (``step=1``; watchfiles'
default ``step=50`` costs 50-100 ms, see ``bench/latency.py``) and wakes a
checker thread, which confirms the
change cheaply (``dl.change_cursor()``, one primary-key lookup), reads what
changed with ``dl.changes_since`` and calls the callback.  A slow poll runs
as well, for filesystems without inotify (network mounts) and for the
commits that land before the file watch is registered.

Threads: ``callback``, ``on_error`` and ``on_recovered`` are called **from
the watcher's own threads, never the caller's**: a Textual app must hop back with
``app.call_from_thread`` or ``post_message``.  ``(changes, cursor)`` are
delivered in order, one call at a time.  Nothing here ever blocks the
caller's thread except :meth:`ChangeWatcher.stop`, which returns within a few
milliseconds unless a callback is still running.

The DataLayer serialises its queries on its one connection, so calling
``dl`` methods from the checker thread is safe.
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

#: Extra checks after each wake-up (seconds between them).  A WAL commit is
#: a ``write()`` of frames (the file event) followed by an update of the
#: ``-shm`` index through ``mmap``, which makes no event: a check that runs in
#: between sees nothing yet, and without these the commit would wait for the
#: slow poll.  Each check is one primary-key lookup.
RECHECK_AFTER = (0.005, 0.02, 0.1, 0.5)

#: Files whose writes mean "someone may have committed".
_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class ChangeWatcher:
    """Calls ``callback(changes, cursor)`` whenever the database changes.

    ``cursor``: where to start.  ``None`` takes :meth:`dl.change_cursor` at
    :meth:`start` (so read your initial data *after* ``start()``, or take the
    cursor yourself *before* reading it and pass it in: then anything that
    changed in between is delivered at once).

    ``use_filesystem_events=False`` relies on the poll alone (every
    ``fallback_poll`` seconds).  ``debounce_ms`` bounds how long a burst of
    file events is gathered before waking the checker.

    Errors (a broken file, a dropped table, the file deleted or replaced
    under an open DataLayer, an exception from ``callback``) go to
    ``on_error`` — once per distinct error until a check succeeds again,
    which calls ``on_recovered`` — and the watcher keeps watching and
    polling.  Only a closed DataLayer ends it.
    """

    def __init__(
        self,
        dl: Any,
        callback: Callback,
        *,
        cursor: int | None = None,
        step_ms: int = 1,
        debounce_ms: int = 50,
        fallback_poll: float = 1.0,
        use_filesystem_events: bool = True,
        on_error: ErrorCallback | None = None,
        on_recovered: Callable[[], None] | None = None,
    ) -> None:
        if fallback_poll <= 0:
            raise ValueError("fallback_poll must be a positive number of seconds")
        if step_ms < 1 or debounce_ms < step_ms:
            raise ValueError("need 1 <= step_ms <= debounce_ms")
        self._dl = dl
        self._callback = callback
        self._on_error = on_error
        self._on_recovered = on_recovered
        self._cursor = cursor
        self._step_ms = int(step_ms)
        self._debounce_ms = int(debounce_ms)
        self._fallback_poll = float(fallback_poll)
        self._use_events = use_filesystem_events
        self._path = os.path.abspath(dl.location)
        self._file_id: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._paused = threading.Event()
        self._report_lock = threading.Lock()
        self._error_key: tuple[str, str] | None = None
        self._threads: list[threading.Thread] = []
        self._started = False
        #: ``time.time()`` of the last non-empty delivery, or ``None``.
        self.last_change_at: float | None = None
        #: The last error reported (stays set after recovery, for display).
        self.last_error: BaseException | None = None

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> "ChangeWatcher":
        if self._started:
            raise RuntimeError("a ChangeWatcher can only be started once")
        self._started = True
        self._file_id = _identity(self._path)
        if self._cursor is None:
            self._cursor = self._dl.change_cursor()
        else:
            self._wake.set()  # catch up from the given cursor at once
        self._spawn(self._check_loop, "jetpack-watch-check")
        if self._use_events:
            self._spawn(self._watch_files, "jetpack-watch-files")
        return self

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop both threads; True when they have ended within ``timeout``.

        Safe to call from the callback (it then does not wait for itself).
        """
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads if t is not current)

    def pause(self) -> None:
        """Stop delivering; changes accumulate and arrive on :meth:`resume`."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()

    def poke(self) -> None:
        """Check now (e.g. right after this process wrote something)."""
        self._wake.set()

    @property
    def cursor(self) -> int | None:
        """The cursor of the last delivery (what the callback was given)."""
        return self._cursor

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def __enter__(self) -> "ChangeWatcher":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ChangeWatcher {self._path!r} {state} cursor={self._cursor}>"

    # -- the file-event thread ----------------------------------------------
    def _watch_files(self) -> None:
        folder = os.path.dirname(self._path)
        base = os.path.basename(self._path)
        names = {base + suffix for suffix in _SUFFIXES}

        def only_the_database(_change: watchfiles.Change, path: str) -> bool:
            return os.path.basename(path) in names

        last_problem = None
        while not self._stop.is_set():
            try:
                for _events in watchfiles.watch(
                    folder,
                    watch_filter=only_the_database,
                    step=self._step_ms,
                    debounce=self._debounce_ms,
                    rust_timeout=max(1000, int(self._fallback_poll * 1000)),
                    stop_event=self._stop,
                    recursive=False,
                    raise_interrupt=False,
                    ignore_permission_denied=True,
                ):
                    self._wake.set()
            except Exception as error:  # noqa: BLE001 - the poll carries on meanwhile
                problem = f"{folder}: cannot watch for file changes ({error}); " \
                          f"polling every {self._fallback_poll:g} s"
                if problem != last_problem:  # not again on every retry
                    self._emit(StorageError(problem))
                last_problem = problem
            self._stop.wait(self._fallback_poll)  # then try to watch again

    # -- the checker thread ---------------------------------------------------
    def _check_loop(self) -> None:
        rechecks: list[float] = []
        while not self._stop.is_set():
            timeout = rechecks.pop(0) if rechecks else self._fallback_poll
            woke = self._wake.wait(min(timeout, self._fallback_poll))
            if self._stop.is_set():
                return
            if woke:
                self._wake.clear()  # before checking: a later wake means a later commit
                rechecks = list(RECHECK_AFTER)
            if not self._paused.is_set():
                self._check()

    def _check(self) -> None:
        try:
            self._confirm_same_file()
            if self._dl.change_cursor() == self._cursor:
                self._recovered()
                return
            changes, cursor = self._dl.changes_since(self._cursor)
        except ClosedError as error:
            self._report(error)
            self._stop.set()
            return
        except Exception as error:  # noqa: BLE001 - reported, then keep watching
            self._report(error)
            return
        self._recovered()
        self._cursor = cursor
        if not changes:
            return
        self.last_change_at = time.time()
        try:
            self._callback(changes, cursor)
        except Exception as error:  # noqa: BLE001 - a broken callback must not stop the feed
            self._report(error, force=True)

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

    def _report(self, error: BaseException, *, force: bool = False) -> None:
        key = (type(error).__name__, str(error))
        with self._report_lock:
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
