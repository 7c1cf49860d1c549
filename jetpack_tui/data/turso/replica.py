"""The pyturso replica connection, on the one thread that may use it.

pyturso allows one connection per thread (sharing one across threads
aborted the process), so every call is handed to a private thread; work
already on that thread (a read inside a write) runs inline.  The replica is
only ever *read* and *pulled*: writes are decided on the primary, and a
write's rehearsal runs inside ``BEGIN … ROLLBACK`` (:mod:`.recording`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import turso
import turso.sync

from ..backend import TxBase
from ..driver import bind, translate
from ..errors import ClosedError, PrimaryUnavailableError, ReadOnlyError
from .nettimeout import network_timeout

T = TypeVar("T")


class ReplicaTx(TxBase):
    """Reads on the replica (``engine.read``); writes go through ``engine.write``."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._conn.execute(sql, bind(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise ReadOnlyError("the Turso replica is read here; write through engine.write(fn)")


class Replica:
    """One replica file, its connection and its thread."""

    def __init__(self, path: str, remote_url: str, auth_token: Callable[[], str | None] | None,
                 *, sync_timeout: float, where: str, redact: Callable[[str], str]) -> None:
        self.path = path
        self.redact = redact
        self.sync_timeout = sync_timeout
        self._where = where
        self._closed = False
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jetpack-turso")
        self._thread_id: int | None = None

        def connect() -> Any:
            self._thread_id = threading.get_ident()
            with network_timeout(sync_timeout):
                return turso.sync.connect(path, remote_url, auth_token=auth_token,
                                          client_name="jetpack-tui", isolation_level=None)

        try:
            self.conn: Any = self.run(connect)
        except turso.Error as error:
            self._thread.shutdown(wait=True)
            text = redact(str(error))
            if "network error" in text or "http error" in text:
                raise PrimaryUnavailableError(f"{path}: cannot create the replica: the primary at {where} "
                                              f"is unreachable ({text})") from None
            raise translate(type(error)(text), path) from None
        except BaseException:
            self._thread.shutdown(wait=True)
            raise

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the replica's thread (inline when already there)."""
        if threading.get_ident() == self._thread_id:
            if self._closed:
                raise ClosedError(f"{self.path}: the DataLayer is closed")
            return fn(*args)
        if self._closed:
            raise ClosedError(f"{self.path}: the DataLayer is closed")
        try:
            return self._thread.submit(self._checked, fn, *args).result()
        except RuntimeError:  # the thread was shut down by close()
            raise ClosedError(f"{self.path}: the DataLayer is closed") from None

    def _checked(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise ClosedError(f"{self.path}: the DataLayer is closed")
        return fn(*args)

    def pull(self) -> bool:
        """Pull from the primary (on the replica's thread); True if it brought changes."""
        try:
            with network_timeout(self.sync_timeout):
                return bool(self.conn.pull())
        except turso.Error as error:
            detail = self.redact(str(error)).replace("sync engine operation failed: database sync engine error: ", "")
            raise PrimaryUnavailableError(f"pull from {self._where} failed: {detail}") from None

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.run(self._close)
        except ClosedError:
            pass
        self._thread.shutdown(wait=threading.get_ident() != self._thread_id)

    def _close(self) -> None:
        self._closed = True
        try:
            self.conn.close()
        except BaseException:  # noqa: BLE001 - closing must not raise
            pass

    @property
    def closed(self) -> bool:
        return self._closed
