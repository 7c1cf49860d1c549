"""The one libSQL connection of a process, used by one thread at a time.

libsql-experimental holds the GIL while a query runs and its busy handler
spins, so several threads each with a connection starve each other and see
"database is locked".  Instead every query of this process goes through one
connection, guarded by a re-entrant lock: a caller on any thread takes the
lock and runs its work inline (a hand-off to a dedicated thread cost about
110 µs per call, half of a claim), so transactions never interleave.
The engine also turns the binding's ``ValueError``\\ s and Rust panics into
the typed errors of :mod:`jetpack_tui.data.errors`, and retries a locked
database with a bounded, GIL-releasing back-off.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import libsql_experimental as libsql

from .backend import Tx, TxBase
from .driver import bind, is_undecodable, translate
from .errors import (
    ClosedError,
    JetpackError,
    ReadOnlyError,
    StorageBusyError,
    StorageError,
)

T = TypeVar("T")
Params = Sequence[Any]

#: How long SQLite's own busy handler waits before we take over (ms).  Kept
#: short because it holds the GIL; the Python back-off below sleeps without it.
NATIVE_BUSY_TIMEOUT_MS = 10


class LocalTx(TxBase):
    """:class:`~jetpack_tui.data.backend.Tx` over the libSQL connection."""

    __slots__ = ("_conn", "_rescue")

    def __init__(self, conn: Any, rescue: Callable[[str, Params], list[tuple]] | None = None) -> None:
        self._conn = conn
        self._rescue = rescue

    def rows(self, sql: str, params: Params = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, bind(params)).fetchall()
        except BaseException as error:  # noqa: BLE001 - the binding panics on bad UTF-8
            if self._rescue is None or not is_undecodable(error) or self._conn.in_transaction:
                raise
            return self._rescue(sql, params)

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        return self._conn.execute(sql, bind(params)).rowcount

    def script(self, sql: str) -> None:
        self._conn.executescript(sql)


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class LocalEngine:
    """Serialises all database work of this process on one connection."""

    def __init__(
        self,
        path: str,
        *,
        read_only: bool = False,
        busy_deadline: float = 10.0,
        connect: Callable[[str], Any] | None = None,
        single_thread: bool = False,
        own_thread: bool = False,
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.busy_deadline = busy_deadline
        #: Called (on the thread whose write waits) with seconds waited while
        #: the file is locked by someone else, so a screen can say "waiting".
        self.on_busy: Callable[[float], None] | None = None
        self._closed = False
        #: ``single_thread``: only the opening thread may use the engine (a
        #: promise that agents which are one loop can make; it is checked).
        #: Otherwise any thread may call; the lock keeps calls one at a time.
        self.single_thread = single_thread
        self._owner = threading.get_ident() if single_thread else None
        self._lock = threading.RLock()
        #: ``own_thread``: for drivers whose connections must stay on the
        #: thread that made them (pyturso: sharing one aborted the process),
        #: every call is handed to one private thread instead (~110 µs each).
        self._thread: ThreadPoolExecutor | None = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="jetpack-db") if own_thread else None)
        self._thread_id: int | None = None
        self._conn: Any = None
        self._connect = connect or (lambda p: libsql.connect(p, isolation_level=None))
        self.run(self._open)
        self._file_id = _file_identity(path)

    # -- plumbing -----------------------------------------------------------
    def _open(self) -> None:
        self._thread_id = threading.get_ident()
        try:
            self._conn = self._connect(self.path)
        except BaseException as error:  # noqa: BLE001 - panics are BaseException
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            raise translate(error, self.path) from None

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` with the connection to itself; re-entrant, so
        work inside a transaction may call the engine again and joins it."""
        if self._owner is not None and threading.get_ident() != self._owner:
            raise JetpackError(
                f"{self.path}: opened with single_thread=True; use it only from the thread that opened it"
            )
        if self._thread is not None and threading.get_ident() != self._thread_id:
            try:
                return self._thread.submit(self._run_here, fn, *args).result()
            except RuntimeError:  # the thread was shut down by close()
                raise ClosedError(f"{self.path}: the DataLayer is closed") from None
        return self._run_here(fn, *args)

    def _run_here(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._closed:
                raise ClosedError(f"{self.path}: the DataLayer is closed")
            return fn(*args)

    def _rescue_rows(self, sql: str, params: Params) -> list[tuple]:
        """Re-run a read that the binding cannot decode (a TEXT value that is
        not UTF-8, written by another client) with every text column cast to
        BLOB, and decode those in Python with U+FFFD, so the row still shows.

        Same connection, same snapshot rules: a second SQLite driver in this
        process would break the connection's POSIX locks.
        """
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            raise StorageError(f"{self.path}: a stored value is not valid UTF-8")
        width = len(self._conn.execute(f"SELECT * FROM ({sql}) LIMIT 0", tuple(params)).description or ())
        names = ", ".join(f"c{i}" for i in range(width))
        columns = ", ".join(
            f"typeof(c{i}), CASE WHEN typeof(c{i}) = 'text' THEN CAST(c{i} AS BLOB) ELSE c{i} END"
            for i in range(width)
        )
        raw = self._conn.execute(f"WITH q({names}) AS ({sql}) SELECT {columns} FROM q", tuple(params)).fetchall()
        return [
            tuple(
                value.decode("utf-8", errors="replace") if kind == "text" and isinstance(value, bytes) else value
                for kind, value in zip(row[0::2], row[1::2])
            )
            for row in raw
        ]

    def _guarded(self, fn: Callable[[Tx], T]) -> T:
        try:
            return fn(LocalTx(self._conn, self._rescue_rows))
        except JetpackError:
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # noqa: BLE001
            raise translate(error, self.path) from None

    def _check_same_file(self) -> None:
        """A file deleted or replaced under an open connection keeps taking
        writes into its old, unlinked inode, where they are lost: refuse."""
        if self._file_id is not None and _file_identity(self.path) != self._file_id:
            raise StorageError(f"{self.path}: the database file was deleted or replaced while open; "
                               "writes are refused (they would be lost): reopen it")

    # -- public ---------------------------------------------------------------
    def read(self, fn: Callable[[Tx], T]) -> T:
        """Run read-only work, retrying while the file is briefly busy."""
        return self.run(self._with_busy_retry, fn, False)

    def write(self, fn: Callable[[Tx], T], *, cas: bool | None = None) -> T:
        """Run ``fn`` inside ``BEGIN IMMEDIATE`` … ``COMMIT``; roll back on error.

        ``BEGIN IMMEDIATE`` takes the write lock before the first read, so a
        compare-and-swap decided inside ``fn`` cannot be invalidated by
        another writer before it commits.  ``cas`` matters only to backends
        that can queue writes while offline (Turso); a local file is always
        reachable.
        """
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: opened read-only; writes are refused")
        self._check_same_file()
        return self.run(self._with_busy_retry, fn, True)

    def write_statement(self, sql: str, params: Params = (), *, cas: bool | None = None) -> list[tuple]:
        """Run ONE writing statement in autocommit mode and return its rows.

        A single ``UPDATE … WHERE <expected state> RETURNING …`` takes the write
        lock when it starts, so it is a compare-and-swap on its own (its
        triggers included) and holds the lock for one statement only: the
        claim's hot path.
        """
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: opened read-only; writes are refused")
        self._check_same_file()
        return self.run(self._with_busy_retry, lambda tx: tx.rows(sql, params), False)

    def rows(self, sql: str, params: Params = ()) -> list[tuple]:
        return self.read(lambda tx: tx.rows(sql, params))

    def row(self, sql: str, params: Params = ()) -> tuple | None:
        return self.read(lambda tx: tx.row(sql, params))

    def value(self, sql: str, params: Params = ()) -> Any:
        return self.read(lambda tx: tx.value(sql, params))

    def _with_busy_retry(self, fn: Callable[[Tx], T], transactional: bool) -> T:
        started = time.monotonic()
        pause = 0.002
        while True:
            try:
                if transactional:
                    return self._transaction(fn)
                return self._guarded(fn)
            except StorageBusyError:
                waited = time.monotonic() - started
                if waited >= self.busy_deadline:
                    raise StorageBusyError(
                        f"{self.path}: database stayed locked by another process for {waited:.1f} s"
                    ) from None
                if self.on_busy is not None and waited > 0.5:
                    self.on_busy(waited)
                time.sleep(pause)  # releases the GIL, unlike the native handler
                pause = min(pause * 2, 0.1)

    def _transaction(self, fn: Callable[[Tx], T]) -> T:
        tx = LocalTx(self._conn)
        if self._conn.in_transaction:  # nested write: join the open transaction
            return self._guarded(fn)
        self._guarded(lambda t: t.execute("BEGIN IMMEDIATE"))
        try:
            result = self._guarded(fn)
            self._guarded(lambda t: t.execute("COMMIT"))
            return result
        except BaseException:
            try:
                if self._conn.in_transaction:
                    tx.execute("ROLLBACK")
            except BaseException:  # noqa: BLE001 - rollback failure must not mask the cause
                pass
            raise

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.run(self._close)
        except JetpackError:  # closed meanwhile, or single_thread and called from another thread
            self._closed = True
        if self._thread is not None:
            self._thread.shutdown(wait=True)

    def _close(self) -> None:
        self._closed = True
        if self._conn is not None:
            try:
                self._conn.close()
            except BaseException:  # noqa: BLE001
                pass
        self._conn = None

    @property
    def closed(self) -> bool:
        return self._closed
