"""The Turso engine: reads from the local replica, writes decided on the primary.

A sibling of :class:`jetpack_tui.data.engine.LocalEngine` implementing the
same :class:`~jetpack_tui.data.backend.Engine` protocol, so every
sub-interface (``Tasks(ctx)``, ``Agents(ctx)`` …) runs unchanged on it:

* ``read(fn)`` runs ``fn`` on the pyturso replica (:mod:`.replica`).
* ``write(fn)`` is *rehearsed* on the replica and *decided* on the primary
  in ONE request: ``fn`` runs inside a local ``BEGIN … ROLLBACK`` that
  records what it read and wrote (:mod:`.recording`); the primary then gets
  one batch that checks every read still returns what ``fn`` saw, replays
  the writes (checking their row counts and ``RETURNING`` rows) and commits
  -- or changes nothing (:mod:`.plan`).  When the replica was behind, the
  engine pulls and runs ``fn`` again; when another client holds the write
  lock, it backs off; both until ``busy_deadline``.  No transaction ever
  spans two HTTP requests, so this works on Turso Cloud (sqld) as on
  tursodb.  An error ``fn`` raises after reading (``ConflictError``,
  ``StaleLeaseError`` …) is confirmed the same way before it is raised.
* ``write_statement`` sends its one compare-and-swap statement as is: the
  claim's hot path, one request, the rows from the primary.
* After a write the next read or write pulls first: a writer reads its own
  writes.  The replica itself is never written (Turso Sync replays pushes as
  unconditional writes: a claim made on a replica could silently lose).
* Offline (primary unreachable): reads go on from the replica; writes that
  are not compare-and-swap are recorded into the outbox (:mod:`.outbox`)
  and replayed in order by the next sync (:mod:`.offline`); CAS writes raise
  :class:`PrimaryUnavailableError`.  ``write(fn, cas=…)`` lets a caller say
  which it is; by default the recorded statements decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from ..backend import Tx
from ..driver import bind, translate
from ..errors import JetpackError, PrimaryUnavailableError, ReadOnlyError, StorageError
from .hrana import HranaError, PrimaryUnreachable
from .hrana_wire import wire_values
from .offline import OfflineWrites
from .outbox import Outbox
from .plan import APPLIED, BUSY, CONFIRMED, FAILED, Plan, build, judge
from .primary import PrimarySession
from .recording import Failed, RecordingTx, Write
from .replica import Replica, ReplicaTx
from .status import SyncState
from .watermark import EXACT_MAX_ROWS, SCHEMA_SQL, SNAPSHOT_SQL, Feeds, watermark_guard

T = TypeVar("T")

#: Own writes replayed before a rehearsal at most; beyond, pull instead.
MAX_UNPULLED = 8


@dataclass
class Rehearsal(Generic[T]):
    """``fn`` run on the replica: what it did, what it returned or raised,
    and the replica's change-feed position before it started."""

    tx: RecordingTx
    result: T | None
    error: JetpackError | None
    snapshot: int

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return cast(T, self.result)


class TursoEngine:
    def __init__(self, replica_path: str, *, session: PrimarySession, remote_url: str,
                 auth_token: Callable[[], str | None] | None, outbox: Outbox, state: SyncState,
                 sync_timeout: float = 10.0, retry_offline_after: float = 1.0, read_only: bool = False) -> None:
        self.session = session
        self.state = state
        self.read_only = read_only
        self._tx: RecordingTx | None = None  # the rehearsal running on the replica's thread
        #: This engine's writes committed on the primary since the replica
        #: last pulled, replayed at the start of each rehearsal so that a
        #: write sees the one before it without waiting for a pull; ``None``
        #: when some cannot be replayed (a claim, the outbox): pull first.
        self.unpulled: list[tuple[str, Any]] | None = []
        #: The next read pulls first (once: offline, reads go on without).
        self._reads_behind = False
        self._pulled = 0  # pulls that brought changes: the data version
        self.replica = Replica(replica_path, remote_url, auth_token, sync_timeout=sync_timeout,
                               where=session.where, redact=self.safe)
        self.offline = OfflineWrites(self, outbox, f"{remote_url} {replica_path}",
                                     retry_after=retry_offline_after)

    # -- the Engine protocol's attributes ----------------------------------------
    @property
    def path(self) -> str:
        return self.replica.path

    @property
    def where(self) -> str:
        return self.session.where

    @property
    def outbox(self) -> Outbox:
        return self.offline.outbox

    @property
    def retry_offline_after(self) -> float:
        return self.offline.retry_after

    @retry_offline_after.setter
    def retry_offline_after(self, seconds: float) -> None:
        self.offline.retry_after = seconds

    @property
    def busy_deadline(self) -> float:
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

    @property
    def closed(self) -> bool:
        return self.replica.closed

    def wrote(self, statements: list[tuple[str, Any]] | None) -> None:
        """Note writes committed on the primary (``None``: not replayable)."""
        self._reads_behind = True
        if statements is None or self.unpulled is None or len(self.unpulled) + len(statements) > MAX_UNPULLED:
            self.unpulled = None
        else:
            self.unpulled += statements

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the replica's thread."""
        return self.replica.run(fn, *args)

    def close(self) -> None:
        self.replica.close()

    def safe(self, error: BaseException | str) -> str:
        return self.session.client.redact(str(error))

    # -- reads ---------------------------------------------------------------------
    def read(self, fn: Callable[[Tx], T]) -> T:
        return self.run(self._read, fn)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.read(lambda tx: tx.rows(sql, params))

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.read(lambda tx: tx.row(sql, params))

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.read(lambda tx: tx.value(sql, params))

    def _read(self, fn: Callable[[Tx], T]) -> T:
        if self._tx is not None:  # a read inside a write sees the write's own state
            return self._call(fn, self._tx)
        if self._reads_behind:
            self._reads_behind = False
            try:
                self.pull()
            except JetpackError:
                pass  # serve what we have; the sync loop reports the failure
        return self._call(fn, ReplicaTx(self.replica.conn))

    def _call(self, fn: Callable[[Tx], T], tx: Tx) -> T:
        try:
            return fn(tx)
        except (JetpackError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # noqa: BLE001 - binding errors, panics
            text = self.safe(error)  # the SQL may hold the token (it never should)
            raise translate(error if text == str(error) else RuntimeError(text), self.path) from None

    def pull(self) -> bool:
        """Pull from the primary now (on the replica's thread)."""
        changed = self.replica.pull()
        self.unpulled, self._reads_behind = [], False
        if changed:
            self._pulled += 1
        return changed

    # -- writes --------------------------------------------------------------------
    def write(self, fn: Callable[[Tx], T], *, cas: bool | None = None) -> T:
        """Run ``fn`` as one transaction decided on the primary.  ``cas=True``:
        refuse when offline; ``cas=False``: queue when offline; ``None``: queue
        only if every statement ``fn`` ran is queueable (see :mod:`.recording`)."""
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: opened read-only; writes are refused")
        return self.run(self._write, fn, cas)

    def write_statement(self, sql: str, params: Sequence[Any] = (), *, cas: bool | None = None) -> list[tuple]:
        """One statement as its own transaction on the primary (the claim's
        hot path: one request, its rows from the primary)."""
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: opened read-only; writes are refused")
        return self.run(self._write_statement, sql, wire_values(bind(params)), cas)

    def _write_statement(self, sql: str, params: tuple, cas: bool | None) -> list[tuple]:
        if self._tx is not None:
            return self._write(lambda tx: tx.rows(sql, params), cas)
        reason = self.offline.blocked()
        if reason is None:
            try:
                rows = self.session.statement(sql, params)
            except PrimaryUnreachable as error:
                reason = self._unreachable(error)
            else:
                self.wrote(None)  # which row it changed is the primary's choice
                self.state.contact_ok()
                return rows
        return self.offline.queue(lambda tx: tx.rows(sql, params), cas, reason)

    def _write(self, fn: Callable[[Tx], T], cas: bool | None) -> T:
        if self._tx is not None:  # nested write: join the rehearsal
            return self._call(fn, self._tx)
        reason = self.offline.blocked()
        if reason is not None:
            return self.offline.queue(fn, cas, reason)
        busy = self.session.backoff(f"{self.where}: the primary stayed busy with another client's transaction")
        behind = self.session.backoff(f"{self.where}: what this write depends on kept changing on the primary")
        retries = unexplained = 0
        while True:
            if self.unpulled is None:
                try:
                    self.pull()
                except PrimaryUnavailableError as error:
                    return self.offline.queue(fn, cas, self.offline.went_offline(error))
            rehearsal = self.rehearse(fn)
            if not rehearsal.tx.ops:
                return rehearsal.outcome()
            plan = self._plan(rehearsal)
            try:
                outcomes = self.session.send(plan.steps)
            except PrimaryUnreachable as error:
                return self.offline.queue(fn, cas, self._unreachable(error))
            except HranaError as error:
                raise StorageError(f"{self.where}: {self.safe(error)}") from None
            self.state.contact_ok()
            judgement = judge(plan, outcomes)
            if judgement.verdict in (APPLIED, CONFIRMED):
                if judgement.verdict == APPLIED:
                    self.wrote(rehearsal.tx.statements)
                return rehearsal.outcome()
            if judgement.verdict == BUSY:
                busy.wait()
                continue
            # STALE, or a statement the replica accepted failed on the primary:
            # the replica was behind (pull and rehearse again) unless it was not.
            pulled = self.pull()
            error = judgement.error or ""
            if judgement.verdict == FAILED and (not pulled or error.startswith(("COMMIT", "ROLLBACK"))):
                raise translate(Exception(self.safe(error)), self.where)
            unexplained = 0 if pulled else unexplained + 1
            if unexplained >= 2:
                raise StorageError(f"{self.where}: this write reads differently on the primary and on the "
                                   "replica although both are current (a statement that is not deterministic?)")
            retries += 1
            if retries > 1:  # the first retry goes at once, later ones back off
                behind.wait()

    def rehearse(self, fn: Callable[[Tx], T], refuse_returning: str | None = None) -> Rehearsal[T]:
        """Run ``fn`` on the replica inside ``BEGIN … ROLLBACK``, recording it."""
        conn = self.replica.conn
        snapshot = int(conn.execute(SNAPSHOT_SQL).fetchall()[0][0])
        tx = RecordingTx(conn, refuse_returning)
        conn.execute("BEGIN")
        try:
            for sql, params in self.unpulled or ():
                conn.execute(sql, params).fetchall()  # pyturso runs a RETURNING write only as it is read
        except BaseException:  # noqa: BLE001 - cannot replay here: start from a pulled replica
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.pull()
            conn.execute("BEGIN")
        self._tx = tx
        result: T | None = None
        error: JetpackError | None = None
        try:
            result = self._call(fn, tx)
        except JetpackError as raised:
            error = raised
        finally:
            self._tx = None
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        failed = [i for i, op in enumerate(tx.ops) if isinstance(op, Failed)]
        if failed and (error is None or failed[0] != len(tx.ops) - 1):
            raise StorageError(f"{self.path}: a write that goes on after a failed statement cannot be "
                               "sent to the primary as one request")
        return Rehearsal(tx, result, error, snapshot)

    def _plan(self, rehearsal: Rehearsal[Any]) -> Plan:
        ops = rehearsal.tx.ops
        large = [i for i, op in enumerate(ops) if not isinstance(op, (Write, Failed)) and len(op.rows) > EXACT_MAX_ROWS]
        covered: set[int] = set()
        feeds: set[str] = set()
        if large:
            known = Feeds(self.replica.conn.execute(SCHEMA_SQL).fetchall())
            for index in large:
                found = known.for_read(ops[index].sql)
                if found:
                    covered.add(index)
                    feeds |= found
        commit = rehearsal.error is None and any(isinstance(op, Write) for op in ops)
        return build(ops, commit=commit, covered=frozenset(covered),
                     watermark=watermark_guard(feeds, rehearsal.snapshot) if covered else None)

    def _unreachable(self, error: PrimaryUnreachable) -> str:
        """Note that the primary is gone; raise if a write may have reached it."""
        reason = self.offline.went_offline(error)
        if error.sent:
            raise PrimaryUnavailableError(
                f"the primary at {self.where} stopped answering during this write "
                f"({reason}); it may or may not have been applied") from None
        return reason

    # -- sync ----------------------------------------------------------------------
    def sync_once(self) -> tuple[bool, int, str | None]:
        """Push the outbox, pull; see :meth:`.offline.OfflineWrites.sync_once`."""
        return self.offline.sync_once()
