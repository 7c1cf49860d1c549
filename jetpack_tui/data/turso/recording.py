"""Offline writes: run ``fn`` against the replica, record its statements.

When the primary cannot be reached, a write that is not a compare-and-swap
(a heartbeat, a message, a memory, a new task…) is *queued*: ``fn`` runs
inside a local ``BEGIN … ROLLBACK`` on the replica, so its reads see its own
earlier statements and ``execute`` returns real row counts, while every
writing statement is recorded.  The transaction is then rolled back: the
replica itself is never written (its triggers would fill ``change_log`` /
``task_events`` with integer keys that collide with the primary's, and its
pushes would be last-push-wins).  The recorded statements become one outbox
entry, replayed on the primary as one atomic batch.

Which writes may be queued (:func:`queueable`) is decided from the recorded
statements unless the caller says so with ``cas=``: anything that changes
ownership (tasks other than creation, leases, reservations) or returns rows
from a write (``RETURNING``: the answer can only come from the primary) is
refused with :class:`~jetpack_tui.data.errors.PrimaryUnavailableError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import PrimaryUnavailableError

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_TARGET = re.compile(
    r"^\s*(?:(INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO\s+|(UPDATE)\s+(?:OR\s+\w+\s+)?|(DELETE)\s+FROM\s+)"
    r"[\"`\[]?(\w+)", re.IGNORECASE)

#: (verb, table) pairs that may wait in the outbox: they never decide who owns
#: what, and replaying them later on the primary has the effect the caller
#: expected (inserts with fresh ids, UPSERTs, idempotent "seen" marks).
QUEUEABLE: frozenset[tuple[str, str]] = frozenset({
    ("INSERT", "agents"), ("UPDATE", "agents"),
    ("INSERT", "messages"), ("INSERT", "message_recipients"), ("UPDATE", "message_recipients"),
    ("INSERT", "memories"), ("UPDATE", "memories"),
    ("INSERT", "tasks"),
})

Recorded = list[tuple[str, list[Any]]]


def is_write(sql: str) -> bool:
    return bool(_WRITE.match(sql))


def target(sql: str) -> tuple[str, str] | None:
    """``(VERB, table)`` of a writing statement, or ``None`` if unrecognised."""
    found = _TARGET.match(sql)
    if not found:
        return None
    verb = (found.group(1) or found.group(2) or found.group(3)).upper()
    return ("INSERT" if verb == "REPLACE" else verb), found.group(4).lower()


def queueable(statements: Recorded) -> bool:
    return all(target(sql) in QUEUEABLE and not _RETURNING.search(sql) for sql, _ in statements)


class RecordingTx:
    """A Tx over the replica connection inside a transaction that will be
    rolled back; writing statements are executed *and* recorded."""

    def __init__(self, conn: Any, refuse: str) -> None:
        self._conn = conn
        self._refuse = refuse  # message of the PrimaryUnavailableError
        self.statements: Recorded = []

    def _record(self, sql: str, params: Sequence[Any]) -> None:
        if _RETURNING.search(sql):
            raise PrimaryUnavailableError(f"{self._refuse} (this change needs the primary's answer)")
        self.statements.append((sql, list(params)))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if is_write(sql):
            self._record(sql, params)
        return self._conn.execute(sql, tuple(params)).fetchall()

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.row(sql, params)
        return found[0] if found else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        if is_write(sql):
            self._record(sql, params)
        cursor = self._conn.execute(sql, tuple(params))
        return max(int(cursor.rowcount or 0), 0)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> None:
        for params in seq:
            self.execute(sql, params)
