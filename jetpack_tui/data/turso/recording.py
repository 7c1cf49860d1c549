"""Run a write on the replica, record what it read and did.

Every ``engine.write(fn)`` first runs ``fn`` against the replica inside a
local ``BEGIN … ROLLBACK``: its reads see its own earlier statements,
``execute`` returns real row counts and ``RETURNING`` real rows, and the
replica itself is never changed (its triggers would fill ``change_log`` /
``task_events`` with integer keys that collide with the primary's, and a
push would be last-push-wins).  :class:`RecordingTx` keeps each step as an
op -- a :class:`Read` with the rows it got, a :class:`Write` with its row
count and ``RETURNING`` rows, or the :class:`Failed` statement that ended
``fn`` -- from which :mod:`.plan` builds ONE request for the primary that
replays the writes only if every read would still see the same (online), or
whose writes wait in the outbox (:mod:`.outbox`) while the primary is
unreachable (offline).

Which writes may wait offline (:func:`queueable`) is decided from the
recorded statements unless the caller says so with ``cas=``: anything that
changes ownership (tasks other than creation, leases, reservations) or
needs rows from a write (``RETURNING``: the answer must come from the
primary) is refused with :class:`~jetpack_tui.data.errors.PrimaryUnavailableError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union

from ..backend import TxBase
from ..driver import bind
from ..errors import PrimaryUnavailableError, StorageError
from . import sqltext
from .hrana_wire import wire_values

_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_TARGET = re.compile(
    r"^\s*(?:(INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO\s+|(UPDATE)\s+(?:OR\s+\w+\s+)?|(DELETE)\s+FROM\s+)"
    r"[\"`\[]?(\w+)", re.IGNORECASE)
_WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})

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


@dataclass(frozen=True)
class Read:
    sql: str
    params: tuple
    rows: list[tuple]


@dataclass(frozen=True)
class Write:
    """A statement that is not a read.  ``changed``: rows it changed (``None``
    for statements that change no rows, such as DDL); ``returning``: its
    ``RETURNING`` expressions and ``rows`` what they gave (``None`` without)."""

    sql: str
    params: tuple
    changed: int | None
    returning: list[str] | None = None
    rows: list[tuple] | None = None


@dataclass(frozen=True)
class Failed:
    """The statement whose error ended ``fn`` (the error is ``fn``'s to raise)."""

    sql: str
    params: tuple
    error: str


Op = Union[Read, Write, Failed]


def target(sql: str) -> tuple[str, str] | None:
    """``(VERB, table)`` of a writing statement, or ``None`` if unrecognised."""
    found = _TARGET.match(sql)
    if not found:
        return None
    verb = (found.group(1) or found.group(2) or found.group(3)).upper()
    return ("INSERT" if verb == "REPLACE" else verb), found.group(4).lower()


def queueable(statements: Recorded) -> bool:
    return all(target(sql) in QUEUEABLE and not _RETURNING.search(sql) for sql, _ in statements)


class RecordingTx(TxBase):
    """The Tx of ``fn`` over the replica connection, inside a transaction the
    engine rolls back; every statement is executed *and* recorded."""

    __slots__ = ("_conn", "_refuse_returning", "ops")

    def __init__(self, conn: Any, refuse_returning: str | None = None) -> None:
        """``refuse_returning``: offline, a statement whose rows only the
        primary can give raises :class:`PrimaryUnavailableError` with this
        message (before ``fn`` could decide anything on the replica's rows)."""
        self._conn = conn
        self._refuse_returning = refuse_returning
        self.ops: list[Op] = []

    @property
    def statements(self) -> Recorded:
        """The writing statements, in order (what an outbox entry replays)."""
        return [(op.sql, list(op.params)) for op in self.ops if isinstance(op, Write)]

    def _run(self, sql: str, params: Sequence[Any]) -> tuple[list[tuple], int]:
        values = wire_values(bind(params))
        kind = sqltext.verb(sql)
        if self.ops and isinstance(self.ops[-1], Failed):
            raise StorageError("a write cannot go on after a failed statement (it must be one request "
                               "on the primary, where that statement ended the transaction)")
        if self._refuse_returning is not None and kind in _WRITE_VERBS and _RETURNING.search(sql):
            raise PrimaryUnavailableError(f"{self._refuse_returning} (this change needs the primary's answer)")
        try:
            rows = self._conn.execute(sql, values).fetchall()
        except BaseException as error:  # noqa: BLE001 - the caller translates it
            self.ops.append(Failed(sql, values, str(error)))
            raise
        if kind in sqltext.READ_VERBS:
            self.ops.append(Read(sql, values, rows))
            return rows, 0
        if kind not in _WRITE_VERBS:
            self.ops.append(Write(sql, values, None))
            return rows, 0
        changed = int(self._conn.execute("SELECT changes()").fetchall()[0][0])
        expressions = sqltext.returning(sql)
        if expressions is not None and "*" in expressions:
            expressions = self._expand_star(sql, expressions)
        self.ops.append(Write(sql, values, changed, expressions, rows if expressions is not None else None))
        return rows, changed

    def _expand_star(self, sql: str, expressions: list[str]) -> list[str]:
        found = target(sql)
        if found is None:
            raise ValueError(f"cannot tell the table of RETURNING * in: {sql[:200]}")
        columns = [row[0] for row in self._conn.execute("SELECT name FROM pragma_table_info(?)", (found[1],)).fetchall()]
        return [part for expression in expressions
                for part in (columns if expression == "*" else [expression])]

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._run(sql, params)[0]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._run(sql, params)[1]
