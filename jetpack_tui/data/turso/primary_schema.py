"""Schema on the primary: checks, migrations and primary-only objects.

All schema is made on the primary and reaches replicas by pulling: DDL run on
a replica is not pushed for triggers and views, and the change-feed and
audit triggers must fire exactly once, where the writes happen (the primary).

The migrations are :data:`jetpack_tui.data.schema.MIGRATIONS`, applied by the
same :func:`jetpack_tui.data.store.migrate` as in local mode, through a Tx
whose reads go to the primary and whose statements are collected and sent as
ONE atomic batch (one request instead of ~90).  Statements Turso's engine
does not have (FTS5 virtual tables, ``libsql_vector_idx`` indexes) are
skipped, with everything that refers to the skipped tables.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from ..errors import JetpackError, SchemaMismatchError
from ..schema import latest_version
from ..store import installed_version, migrate
from .hrana import HranaClient
from .outbox import APPLIED_TABLE_SQL
from .primary import PrimarySession

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


class PrimaryReadTx:
    """Autocommit reads on the primary (each statement one request)."""

    def __init__(self, client: HranaClient) -> None:
        self._client = client

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._client.execute(sql, params)

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.row(sql, params)
        return found[0] if found else None


class MigrationTx(PrimaryReadTx):
    """Reads from the primary; writes are collected for one atomic batch."""

    def __init__(self, client: HranaClient) -> None:
        super().__init__(client)
        self.statements: list[tuple[str, tuple]] = []
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
        self.statements.append((sql, tuple(params)))
        return 0


def primary_version(client: HranaClient, where: str) -> int:
    """The primary's schema version; refuses a foreign or newer database."""
    return installed_version(PrimaryReadTx(client), where)  # type: ignore[arg-type]


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
    if version < latest_version():
        tx = MigrationTx(client)
        migrate(tx, where)  # type: ignore[arg-type]
        for sql in tx.skipped:
            log.info("%s: skipped on Turso (feature missing there): %s", where, sql.split("\n")[0][:80])
        try:
            session.batch(tx.statements)
        except JetpackError:
            # Another process may have migrated first (our ALTERs then fail
            # and the whole batch rolled back): fine if it is now current.
            if primary_version(client, where) < latest_version():
                raise
    session.batch([(APPLIED_TABLE_SQL, ()), (OWNER_GUARD_SQL, ())])
    version = primary_version(client, where)
    if version != latest_version():
        raise SchemaMismatchError(f"{where}: schema version {version} after migrating "
                                  f"(expected {latest_version()})")
    return version
