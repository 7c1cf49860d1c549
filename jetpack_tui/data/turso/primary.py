"""Transactions on the primary over plain Hrana requests.

Compare-and-swap changes must be decided on the primary (Turso Sync replays
replica pushes as unconditional writes: the last push wins silently), so
``engine.write(fn)`` runs ``fn`` against the primary.  ``fn`` reads, decides
and writes in several steps, which needs an interactive transaction.

**This relies on the tursodb 0.6.0 sync server serialising every request
through ONE shared connection** (docs/turso-notes.md): a ``BEGIN`` sent in one
request stays open for every later request.  So a transaction here is:

1. one request ``BEGIN IMMEDIATE`` + an *owner marker* (a random token in the
   connection's temp table ``jetpack_tx``);
2. one request per statement, each guarded by "the marker is still mine" (a
   step that fails otherwise, so the statement does not run);
3. one request ``COMMIT`` (guarded too), or ``ROLLBACK``.

Every DataLayer write starts with ``BEGIN IMMEDIATE``, so while one client is
inside a transaction everyone else's ``BEGIN`` fails with "cannot start a
transaction within a transaction": that is *busy*, retried with back-off until
``busy_deadline``.  A client that died mid-transaction would block the server
forever, so when the same owner marker has been seen for ``stuck_after``
seconds, a waiting client rolls that transaction back (fenced on the marker:
it never rolls back a newer transaction) and logs it.  The owner guard in
step 2 means a slow client whose transaction was rolled back that way gets an
error instead of writing outside (or inside someone else's) transaction.

Turso Cloud has real interactive transactions (Hrana batons, ``sequence``
requests): :class:`PrimarySession` is the extension point -- a Cloud session
would keep the baton instead of the marker and need no stuck detection.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..engine import translate
from ..errors import StorageBusyError, StorageError
from .hrana import HranaClient, HranaError, StepOutcome
from .hrana_wire import and_, atomic_steps, is_autocommit, not_, ok

log = logging.getLogger(__name__)
T = TypeVar("T")

MARKER_TABLE = "temp.jetpack_tx"
_CREATE_MARKER = "CREATE TEMP TABLE IF NOT EXISTS jetpack_tx(owner TEXT)"
_OWNER_SQL = f"SELECT owner FROM {MARKER_TABLE}"
#: Fails ("malformed JSON") unless the marker holds exactly the given owner:
#: Hrana conditions can test success, not values, so the guard turns a value
#: test into success or failure.
_GUARD_SQL = (f"SELECT json_extract(CASE WHEN (SELECT owner FROM {MARKER_TABLE}) IS ? "
              "THEN '1' ELSE 'not-this-transaction' END, '$')")
_BUSY_WORDS = ("cannot start a transaction within a transaction", "database is locked",
               "database is busy", "database schema changed")


def is_busy(error: BaseException | str) -> bool:
    text = (error if isinstance(error, str) else str(error)).lower()
    return any(word in text for word in _BUSY_WORDS)


class TransactionLost(StorageError):
    """Our transaction on the primary is gone (rolled back by a client that
    found it stuck, or the primary restarted); nothing of it was committed."""


class PrimaryTx:
    """The :class:`~jetpack_tui.data.engine.Tx` of ``fn`` inside a primary
    transaction: one guarded request per call."""

    def __init__(self, session: "PrimarySession", owner: str) -> None:
        self._session = session
        self._owner = owner

    def _run(self, sql: str, params: Sequence[Any], count: bool) -> tuple[list[tuple], int]:
        steps = [(_GUARD_SQL, (self._owner,), None), (sql, tuple(params), ok(0))]
        if count:
            steps.append(("SELECT changes()", (), ok(1)))
        for _attempt in range(3):  # another client's DDL invalidates prepared statements once
            outcomes = self._session.send(steps)
            if outcomes[1].error is None or "schema changed" not in outcomes[1].error.lower():
                break
        if outcomes[0].error is not None:
            raise TransactionLost(f"{self._session.where}: the transaction on the primary was lost "
                                  "(rolled back as stuck, or the primary restarted); nothing was committed")
        if outcomes[1].error is not None:
            raise translate(Exception(outcomes[1].error), self._session.where)
        changed = int(outcomes[2].rows[0][0]) if count and outcomes[2].rows else 0
        return outcomes[1].rows or [], changed

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._run(sql, params, False)[0]

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.row(sql, params)
        return found[0] if found else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; returns the number of rows it changed (the server
        always reports 0, so a ``SELECT changes()`` step asks for it)."""
        return self._run(sql, params, True)[1]

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> None:
        for params in seq:
            self._run(sql, params, False)

    def commit(self) -> None:
        outcomes = self._session.send([
            (_GUARD_SQL, (self._owner,), None),
            ("COMMIT", (), ok(0)),
            (f"DELETE FROM {MARKER_TABLE}", (), ok(1)),
        ])
        if outcomes[0].error is not None:
            raise TransactionLost(f"{self._session.where}: the transaction was lost before COMMIT; "
                                  "nothing was committed")
        if outcomes[1].error is not None:
            raise translate(Exception(f"COMMIT failed: {outcomes[1].error}"), self._session.where)

    def rollback(self) -> None:
        """Roll back if the transaction is still ours (best effort)."""
        self._session.send([(_GUARD_SQL, (self._owner,), None), ("ROLLBACK", (), ok(0))])


class PrimarySession:
    """Statements, atomic batches and interactive transactions on the primary,
    with busy back-off and stuck-transaction recovery."""

    def __init__(self, client: HranaClient, *, where: str, busy_deadline: float = 10.0,
                 stuck_after: float = 5.0) -> None:
        self.client = client
        self.where = where
        self.busy_deadline = busy_deadline
        self.stuck_after = stuck_after
        #: Called with seconds waited while another client holds the primary.
        self.on_busy: Callable[[float], None] | None = None
        #: Called with a message after a stuck transaction was rolled back.
        self.on_unstick: Callable[[str], None] | None = None

    def send(self, steps: list[tuple[str, Sequence[Any], Any]]) -> list[StepOutcome]:
        return self.client.steps(steps)

    # -- one request ------------------------------------------------------------
    def batch(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple]]:
        """Run statements atomically in one request, retrying while busy."""

        def attempt() -> list[list[tuple]] | None:
            outcomes = self.send(atomic_steps(statements))
            if outcomes[0].error is not None:
                if is_busy(outcomes[0].error):
                    return None
                raise translate(Exception(outcomes[0].error), self.where)
            for outcome in outcomes[1:-1]:
                if outcome.error is not None:
                    raise translate(Exception(outcome.error), self.where)
            if outcomes[-1].error is not None:
                raise StorageError(f"{self.where}: ROLLBACK failed: {outcomes[-1].error}")
            return [outcomes[i + 1].rows or [] for i in range(len(statements))]

        return self._retry(attempt)

    def statement(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """One writing statement as its own transaction (the claim hot path)."""
        return self.batch([(sql, tuple(params))])[0]

    # -- several requests -------------------------------------------------------
    def transaction(self, fn: Callable[[PrimaryTx], T]) -> T:
        owner = uuid.uuid4().hex

        def begin() -> PrimaryTx | None:
            outcomes = self.send([
                (_CREATE_MARKER, (), is_autocommit()),
                ("BEGIN IMMEDIATE", (), None),
                (f"DELETE FROM {MARKER_TABLE}", (), ok(1)),
                (f"INSERT INTO {MARKER_TABLE}(owner) VALUES (?)", (owner,), ok(2)),
                ("ROLLBACK", (), and_(ok(1), not_(ok(3)))),
            ])
            if outcomes[1].error is not None:
                if is_busy(outcomes[1].error):
                    return None
                raise translate(Exception(outcomes[1].error), self.where)
            if outcomes[3].error is not None:
                if is_busy(outcomes[3].error):  # rolled back by step 4: try again
                    return None
                raise StorageError(f"{self.where}: could not mark the transaction: {outcomes[3].error}")
            return PrimaryTx(self, owner)

        tx = self._retry(begin)
        try:
            result = fn(tx)
        except BaseException:
            try:
                tx.rollback()
            except HranaError:  # the cause matters more than a failed rollback
                pass
            raise
        tx.commit()
        return result

    # -- busy and stuck ---------------------------------------------------------
    def _retry(self, attempt: Callable[[], T | None]) -> T:
        started = time.monotonic()
        pause = 0.004
        seen: tuple[str | None, float] | None = None  # (owner, first seen)
        next_look = started + min(0.5, self.stuck_after / 4)
        while True:
            result = attempt()
            if result is not None:
                return result
            now = time.monotonic()
            waited = now - started
            if waited >= self.busy_deadline:
                raise StorageBusyError(f"{self.where}: the primary stayed busy with another client's "
                                       f"transaction for {waited:.1f} s")
            if self.on_busy is not None and waited > 0.5:
                self.on_busy(waited)
            if now >= next_look:
                next_look = now + min(0.5, self.stuck_after / 4)
                owner = self._owner_now()
                if seen is None or seen[0] != owner:
                    seen = (owner, now)
                elif now - seen[1] >= self.stuck_after:
                    self._unstick(owner, now - seen[1])
                    seen = None
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.05)

    def _owner_now(self) -> str | None:
        try:
            rows = self.client.execute(_OWNER_SQL)
        except HranaError:  # no marker table: a foreign client's transaction
            return None
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def _unstick(self, owner: str | None, held: float) -> None:
        if owner is None:
            outcomes = self.send([("ROLLBACK", (), not_(is_autocommit()))])
        else:
            outcomes = self.send([(_GUARD_SQL, (owner,), None), ("ROLLBACK", (), ok(0))])
        if outcomes[-1].rows is not None:
            message = (f"rolled back a transaction stuck on the primary {self.where} for {held:.1f} s "
                       f"(owner {owner or 'unknown'})")
            log.warning(message)
            if self.on_unstick is not None:
                self.on_unstick(message)
