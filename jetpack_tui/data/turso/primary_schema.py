"""Schema on the primary: checks, migrations and primary-only objects.

All schema is made on the primary and reaches replicas by pulling: DDL run on
a replica is not pushed for triggers and views, and the change-feed and
audit triggers must fire exactly once, where the writes happen (the primary).

The migrations are :data:`jetpack_tui.data.schema.MIGRATIONS`, applied by the
same :func:`jetpack_tui.data.store.migrate` as in local mode, through a Tx
whose reads go to the primary (each its own autocommit request) and whose
statements are collected and sent as ONE batch (:mod:`.plan`) that first
checks every read still returns what it did -- so two processes opening a
fresh primary at once cannot both migrate it: the second one's batch finds
the schema changed and changes nothing.  Statements Turso's engine does not
have (FTS5 virtual tables, ``libsql_vector_idx`` indexes) are skipped, with
everything that refers to the skipped tables.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from ..backend import TxBase
from ..driver import translate
from ..errors import ReadOnlyError, SchemaMismatchError
from ..schema import latest_version
from ..store import installed_version, migrate
from .hrana import HranaClient
from .outbox import APPLIED_TABLE_SQL
from .plan import APPLIED, FAILED, build, judge
from .primary import PrimarySession
from .recording import Op, Read, Write

log = logging.getLogger(__name__)

_VIRTUAL = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`\[]?(\w+)", re.IGNORECASE)
_VECTOR_INDEX = re.compile(r"\blibsql_vector_idx\b", re.IGNORECASE)

#: Cheap extra protection against a replica that writes ownership locally
#: and pushes it (Turso Sync applies pushes as unconditional writes): an
#: owner change between two different owners is ignored unless it comes
#: with a new lease token, which only a grant decided on the primary has
#: (claim, reassign).  Primary-only: replicas never write tasks.
OWNER_GUARD_SQL = """CREATE TRIGGER IF NOT EXISTS jetpack_primary_owner_guard
BEFORE UPDATE OF claimed_by ON tasks
WHEN OLD.claimed_by IS NOT NULL AND NEW.claimed_by IS NOT NULL
  AND OLD.claimed_by IS NOT NEW.claimed_by AND NEW.claim_token <= OLD.claim_token
BEGIN
  SELECT RAISE(IGNORE);
END"""


class PrimaryReadTx(TxBase):
    """Autocommit reads on the primary (each statement one request), kept as
    :class:`~.recording.Read` ops so that a batch decided on them can check them."""

    def __init__(self, client: HranaClient) -> None:
        self._client = client
        self.ops: list[Op] = []

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        found = self._client.execute(sql, params)
        self.ops.append(Read(sql, tuple(params), found))
        return found

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise ReadOnlyError(f"{self._client.url}: reads only here")


class MigrationTx(PrimaryReadTx):
    """Reads from the primary; writes are collected for one guarded batch."""

    def __init__(self, client: HranaClient) -> None:
        super().__init__(client)
        self.skipped: list[str] = []
        self._missing: set[str] = set()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        virtual = _VIRTUAL.match(sql)
        if virtual or _VECTOR_INDEX.search(sql):
            if virtual:
                self._missing.add(virtual.group(1).lower())
            self.skipped.append(sql)
            return 0
        words = set(re.findall(r"\w+", sql.lower()))
        if words & self._missing:
            self.skipped.append(sql)
            return 0
        self.ops.append(Write(sql, tuple(params), None))
        return 0


def primary_version(client: HranaClient, where: str) -> int:
    """The primary's schema version; refuses a foreign or newer database."""
    return installed_version(PrimaryReadTx(client), where)


def _migrate(session: PrimarySession, where: str) -> None:
    """Migrate to the latest version in one guarded request, unless another
    process got there first (its migration is then the one that counts)."""
    backoff = session.backoff(f"{where}: the primary's schema kept changing while migrating it")
    while primary_version(session.client, where) < latest_version():
        tx = MigrationTx(session.client)
        migrate(tx, where)
        for sql in tx.skipped:
            log.info("%s: skipped on Turso (feature missing there): %s", where, sql.split("\n")[0][:80])
        plan = build(tx.ops, commit=True)
        judgement = judge(plan, session.send(plan.steps))
        if judgement.verdict == APPLIED:
            return
        if judgement.verdict == FAILED and primary_version(session.client, where) < latest_version():
            raise translate(Exception(judgement.error), where)
        backoff.wait()


def prepare_primary(session: PrimarySession, where: str, *, read_only: bool = False) -> int:
    """Migrate the primary to the latest schema and add the primary-only
    objects; safe when several processes open the same fresh primary.
    ``read_only``: only check (nothing is written)."""
    client = session.client
    version = primary_version(client, where)
    if read_only:
        if version < latest_version():
            raise SchemaMismatchError(f"{where}: schema version {version} needs an upgrade to "
                                      f"{latest_version()}; open it once without --read-only")
        return version
    _migrate(session, where)
    session.batch([(APPLIED_TABLE_SQL, ()), (OWNER_GUARD_SQL, ())])
    version = primary_version(client, where)
    if version != latest_version():
        raise SchemaMismatchError(f"{where}: schema version {version} after migrating "
                                  f"(expected {latest_version()})")
    return version
