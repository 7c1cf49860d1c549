"""The Turso engine: reads from the local replica, writes on the primary.

Same API as :class:`jetpack_tui.data.engine.LocalEngine`, so every sub-interface
(``Tasks(ctx)``, ``Agents(ctx)`` …) runs unchanged on it:

* ``read(fn)`` runs ``fn`` on the pyturso replica connection, on the engine's
  own thread (pyturso allows one connection per thread).
* ``write(fn)`` / ``write_statement`` are decided ON THE PRIMARY through
  Hrana (:mod:`.primary`): Turso Sync replays replica pushes as
  unconditional writes, so a claim made on a replica could silently lose to
  another.  The replica is never written locally; it only pulls.  That also
  keeps ``task_events`` / ``change_log`` (INTEGER keys, filled by triggers)
  written in one place, exactly once.
* After a write the next read pulls first, so a writer reads its own writes.
* Offline (primary unreachable): reads go on from the replica; writes that
  are not compare-and-swap are recorded (:mod:`.recording`) into the outbox
  (:mod:`.outbox`) and replayed in order by the next sync; CAS writes raise
  :class:`PrimaryUnavailableError`.  ``write(fn, cas=…)`` lets a caller say
  which it is; by default the recorded statements decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import turso
import turso.sync

from .. import clock
from ..backend import Tx
from ..engine import LocalEngine, translate
from ..errors import (
    ConflictError, JetpackError, PrimaryUnavailableError, ReadOnlyError, StorageBusyError, StorageError,
)
from .hrana import HranaError, PrimaryUnreachable
from .nettimeout import network_timeout
from .outbox import KEEP_MARKERS_SECONDS, MARK_SQL, PRUNE_SQL, Outbox
from .primary import PrimarySession
from .recording import RecordingTx, queueable
from .status import SyncState

T = TypeVar("T")


class TursoEngine(LocalEngine):
    def __init__(self, replica_path: str, *, session: PrimarySession, remote_url: str,
                 auth_token: Callable[[], str | None] | None, outbox: Outbox, state: SyncState,
                 sync_timeout: float = 10.0, retry_offline_after: float = 1.0, read_only: bool = False) -> None:
        self.session = session
        self.outbox = outbox
        self.state = state
        self.sync_timeout = sync_timeout
        #: While the primary failed this recently, writes don't wait for it again.
        self.retry_offline_after = retry_offline_after
        self._tx: Any = None  # the Tx of the write running on the engine thread
        self._dirty = False
        self._pulled = 0  # pulls that brought changes: the data version
        self._origin = f"{remote_url} {replica_path}"
        self.session.on_unstick = state.unstuck

        def connect(path: str) -> Any:
            with network_timeout(sync_timeout):
                return turso.sync.connect(path, remote_url, auth_token=auth_token,
                                          client_name="jetpack-tui", isolation_level=None)

        super().__init__(replica_path, read_only=read_only, busy_deadline=session.busy_deadline, connect=connect,
                         own_thread=True)
        state.set_queue(len(outbox), outbox.rejected)

    @property
    def where(self) -> str:
        return self.session.where

    @property
    def busy_deadline(self) -> float:  # type: ignore[override]
        """Seconds to wait while another client holds the primary."""
        return self.session.busy_deadline

    @busy_deadline.setter
    def busy_deadline(self, seconds: float) -> None:
        self.session.busy_deadline = seconds

    @property
    def on_busy(self) -> Callable[[float], None] | None:
        return self.session.on_busy

    @on_busy.setter
    def on_busy(self, callback: Callable[[float], None] | None) -> None:
        self.session.on_busy = callback

    @property
    def data_version(self) -> int:
        return self._pulled

    def _open(self) -> None:
        try:
            super()._open()
        except StorageError as error:
            if "network error" in str(error) or "http error" in str(error):
                raise PrimaryUnavailableError(
                    f"{self.path}: cannot create the replica: the primary at {self.where} is unreachable "
                    f"({self._safe(error)})") from None
            raise

    def _safe(self, error: BaseException | str) -> str:
        return self.session.client.redact(str(error))

    # -- reads ---------------------------------------------------------------------
    def read(self, fn: Callable[[Tx], T]) -> T:
        return self.run(self._read, fn)

    def _read(self, fn: Callable[[Any], T]) -> T:
        if self._tx is not None:  # a read inside a write sees the write's own state
            return self._call(fn, self._tx)
        if self._dirty:
            self._dirty = False
            try:
                self._pull()
            except JetpackError:
                pass  # serve what we have; the sync loop reports the failure
        return self._guarded(fn)

    def _call(self, fn: Callable[[Any], T], tx: Any) -> T:
        try:
            return fn(tx)
        except (JetpackError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # noqa: BLE001 - binding errors, panics
            raise translate(error, self.path) from None

    # -- writes --------------------------------------------------------------------
    def write(self, fn: Callable[[Tx], T], *, cas: bool | None = None) -> T:  # type: ignore[override]
        """Run ``fn`` in a transaction on the primary.  ``cas=True``: refuse
        when offline; ``cas=False``: queue when offline; ``None``: queue only
        if every statement ``fn`` ran is queueable (see :mod:`.recording`)."""
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: opened read-only; writes are refused")
        return self.run(self._write, fn, cas)

    def write_statement(self, sql: str, params: Sequence[Any] = (), *,  # type: ignore[override]
                        cas: bool | None = None) -> list[tuple]:
        """One statement as its own transaction on the primary (the claim's
        hot path: one request)."""
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: opened read-only; writes are refused")
        return self.run(self._write, lambda tx: tx.rows(sql, params), cas, (sql, tuple(params)))

    def _write(self, fn: Callable[[Any], T], cas: bool | None, single: tuple | None = None) -> T:
        if self._tx is not None:  # nested write: join the open transaction
            if cas is True and isinstance(self._tx, RecordingTx):
                raise PrimaryUnavailableError(self._refusal(self.state.last_error()))
            return self._call(fn, self._tx)
        reason = self._blocked()
        if reason is None:
            try:
                if single is not None:
                    result = self.session.statement(*single)
                else:
                    result = self.session.transaction(lambda tx: self._joined(tx, fn))
            except PrimaryUnreachable as error:
                if error.sent:
                    self._went_offline(error)
                    raise PrimaryUnavailableError(
                        f"the primary at {self.where} stopped answering during this write "
                        f"({self._safe(error)}); it may or may not have been applied") from None
                reason = self._went_offline(error)
            except HranaError as error:
                raise StorageError(f"{self.where}: {self._safe(error)}") from None
            else:
                self._dirty = True
                self.state.contact_ok()
                return result  # type: ignore[return-value]
        return self._queue(fn, cas, reason)

    def _joined(self, tx: Any, fn: Callable[[Any], T]) -> T:
        self._tx = tx
        try:
            return self._call(fn, tx)
        finally:
            self._tx = None

    def _blocked(self) -> str | None:
        """Why the primary should not be tried now (``None``: try it).  Queued
        writes go first, so writes reach the primary in the order made."""
        if self.state.offline_recently(self.retry_offline_after):
            return self.state.last_error() or "unreachable"
        if len(self.outbox):
            try:
                self._replay()
            except PrimaryUnreachable as error:
                return self._went_offline(error)
        return None

    def _went_offline(self, error: BaseException) -> str:
        reason = self._safe(error)
        self.state.contact_failed(reason, clock.now())
        return reason

    def _refusal(self, reason: str | None) -> str:
        since = self.state.snapshot().stale_since
        when = f" since {clock.to_db_text(since)} UTC" if since else ""
        return (f"the primary at {self.where} is unreachable{when} ({reason or 'no answer'}); "
                "claims and other compare-and-swap changes are refused until it is back")

    def _queue(self, fn: Callable[[Any], T], cas: bool | None, reason: str | None) -> T:
        message = self._refusal(reason)
        if cas is True:
            raise PrimaryUnavailableError(message)
        recorder = RecordingTx(self._conn, message)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = self._joined(recorder, fn)
        finally:
            self._conn.execute("ROLLBACK")
        if recorder.statements:
            if cas is None and not queueable(recorder.statements):
                raise PrimaryUnavailableError(message)
            self.outbox.append(recorder.statements, clock.now())
            self.state.set_queue(len(self.outbox), self.outbox.rejected)
        return result

    # -- sync ----------------------------------------------------------------------
    def _pull(self) -> bool:
        try:
            with network_timeout(self.sync_timeout):
                changed = bool(self._conn.pull())
        except turso.Error as error:
            detail = self._safe(error).replace("sync engine operation failed: database sync engine error: ", "")
            raise PrimaryUnavailableError(f"pull from {self.where} failed: {detail}") from None
        if changed:
            self._pulled += 1
        return changed

    def _replay(self) -> int:
        """Send queued writes to the primary, oldest first, each entry one
        atomic batch (with its exactly-once marker)."""
        done: set[str] = set()
        try:
            for entry in self.outbox.entries():
                statements = [(MARK_SQL, (entry.id, clock.now(), self._origin)),
                              *((sql, tuple(params)) for sql, params in entry.statements)]
                try:
                    self.session.batch(statements)
                except (StorageBusyError, PrimaryUnreachable):
                    raise
                except ConflictError as error:
                    if "jetpack_outbox_applied" not in str(error):
                        self.outbox.reject(entry, str(error))
                except JetpackError as error:  # it can never apply: set it aside
                    self.outbox.reject(entry, str(error))
                done.add(entry.id)
        finally:
            self.outbox.drop(done)
            self.state.set_queue(len(self.outbox), self.outbox.rejected)
        if done:
            self._dirty = True
            self.state.contact_ok()
            try:
                self.session.statement(PRUNE_SQL, (clock.now() - KEEP_MARKERS_SECONDS,))
            except JetpackError:
                pass
        return len(done)

    def sync_once(self) -> tuple[bool, int, str | None]:
        """Push the outbox, pull; on the engine thread.  Returns
        ``(pulled_changes, pushed, error)``; never raises for a network failure.

        While the primary is known to be down, a cheap request from the
        *calling* thread checks it first: pyturso's pull would hold the engine
        thread (and every read queued behind it) for the whole network
        timeout against a black-holed host."""
        if not self.state.snapshot().online:
            try:
                self.session.client.execute("SELECT 1")
            except HranaError as error:
                return False, 0, self._safe(error)
        return self.run(self._sync)

    def _sync(self) -> tuple[bool, int, str | None]:
        pushed = 0
        try:
            if len(self.outbox):
                pushed = self._replay()
            self._dirty = False
            return self._pull(), pushed, None
        except (HranaError, JetpackError) as error:
            return False, pushed, self._safe(error)
