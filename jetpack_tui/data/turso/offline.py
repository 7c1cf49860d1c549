"""While the primary is unreachable: queue what may wait, refuse the rest,
and replay the queue in order once it is back.

A write is rehearsed on the replica (:mod:`.recording`) as online, but its
writing statements become an outbox entry (:mod:`.outbox`) instead of a
request -- when they are all queueable, or the caller said ``cas=False``.
Compare-and-swap writes raise :class:`PrimaryUnavailableError`.  Each entry
is replayed later as ONE atomic batch with its exactly-once marker; queued
writes go first, so writes reach the primary in the order they were made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from .. import clock
from ..errors import ConflictError, JetpackError, PrimaryUnavailableError, StorageBusyError
from .hrana import HranaError, PrimaryUnreachable
from .outbox import KEEP_MARKERS_SECONDS, MARK_SQL, PRUNE_SQL, Outbox
from .recording import queueable

T = TypeVar("T")


class EngineSide(Protocol):
    """What the offline queue needs of the Turso engine that owns it (the
    engine imports this module; naming it here would make the two one)."""

    state: Any
    session: Any

    @property
    def where(self) -> str: ...
    def safe(self, error: BaseException | str) -> str: ...
    def rehearse(self, fn: Callable[[Any], Any], refuse_returning: str | None = None) -> Any: ...
    def wrote(self, statements: list[tuple[str, Any]] | None) -> None: ...
    def run(self, fn: Callable[..., T], *args: Any) -> T: ...
    def pull(self) -> bool: ...


class OfflineWrites:
    def __init__(self, engine: EngineSide, outbox: Outbox, origin: str, *, retry_after: float) -> None:
        self.engine = engine
        self.outbox = outbox
        self.origin = origin  # recorded with each replayed entry's marker
        #: While the primary failed this recently, writes don't wait for it again.
        self.retry_after = retry_after
        engine.state.set_queue(len(outbox), outbox.rejected)

    def blocked(self) -> str | None:
        """Why the primary should not be tried now (``None``: try it).  Queued
        writes go first, so writes reach the primary in the order made."""
        state = self.engine.state
        if state.offline_recently(self.retry_after):
            return state.last_error() or "unreachable"
        if len(self.outbox):
            try:
                self.replay()
            except PrimaryUnreachable as error:
                return self.went_offline(error)
        return None

    def went_offline(self, error: BaseException) -> str:
        reason = self.engine.safe(error)
        self.engine.state.contact_failed(reason, clock.now())
        return reason

    def refusal(self, reason: str | None) -> str:
        since = self.engine.state.snapshot().stale_since
        when = f" since {clock.to_db_text(since)} UTC" if since else ""
        return (f"the primary at {self.engine.where} is unreachable{when} ({reason or 'no answer'}); "
                "claims and other compare-and-swap changes are refused until it is back")

    def queue(self, fn: Callable[[Any], T], cas: bool | None, reason: str | None) -> T:
        message = self.refusal(reason)
        if cas is True:
            raise PrimaryUnavailableError(message)
        rehearsal = self.engine.rehearse(fn, refuse_returning=message)
        result = rehearsal.outcome()
        statements = rehearsal.tx.statements
        if statements:
            if cas is None and not queueable(statements):
                raise PrimaryUnavailableError(message)
            self.outbox.append(statements, clock.now())
            self.engine.state.set_queue(len(self.outbox), self.outbox.rejected)
        return result

    def replay(self) -> int:
        """Send queued writes to the primary, oldest first, each entry one
        atomic batch (with its exactly-once marker)."""
        session, done = self.engine.session, set()
        try:
            for entry in self.outbox.entries():
                statements = [(MARK_SQL, (entry.id, clock.now(), self.origin)),
                              *((sql, tuple(params)) for sql, params in entry.statements)]
                try:
                    session.batch(statements)
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
            self.engine.state.set_queue(len(self.outbox), self.outbox.rejected)
        if done:
            self.engine.wrote(None)
            self.engine.state.contact_ok()
            try:
                session.statement(PRUNE_SQL, (clock.now() - KEEP_MARKERS_SECONDS,))
            except (JetpackError, HranaError):
                pass
        return len(done)

    def sync_once(self) -> tuple[bool, int, str | None]:
        """Push the outbox, pull; on the engine thread.  Returns
        ``(pulled_changes, pushed, error)``; never raises for a network failure.

        While the primary is known to be down, a cheap request from the
        *calling* thread checks it first: pyturso's pull would hold the engine
        thread (and every read queued behind it) for the whole network
        timeout against a black-holed host."""
        engine = self.engine
        if not engine.state.snapshot().online:
            try:
                engine.session.client.execute("SELECT 1")
            except HranaError as error:
                return False, 0, engine.safe(error)
        return engine.run(self._sync)

    def _sync(self) -> tuple[bool, int, str | None]:
        pushed = 0
        try:
            if len(self.outbox):
                pushed = self.replay()
            return self.engine.pull(), pushed, None
        except (HranaError, JetpackError) as error:
            return False, pushed, self.engine.safe(error)
