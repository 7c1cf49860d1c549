"""The change feed: which rows of which tables changed since a cursor.

Triggers (see :mod:`.schema`) append one ``change_log`` row per changed row,
whoever the writer is, so a reader catches up in O(changes) instead of
rescanning tables.  The log is pruned by its own trigger; a cursor older than
what is kept gets ``reload=True`` instead of a silently incomplete answer.

Every reader should treat an id as "fetch it again": the operation is what the
row's state is *now* relative to the cursor (inserted, updated, gone), which
is all a screen needs to reconcile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .backend import Tx
from .errors import InvalidInputError

#: More changes than this in one call: cheaper to reload than to apply.
MAX_CHANGES_PER_CALL = 20_000

FEED_TABLES = ("tasks", "agents", "messages", "file_reservations", "memories", "leases")

#: Feed name -> (table, key column), used to confirm that a "deleted" row is
#: really gone.  Fixed names only: nothing here comes from the caller.
_KEYS = {
    "tasks": ("tasks", "id"),
    "agents": ("agents", "id"),
    "messages": ("messages", "id"),
    "file_reservations": ("file_reservations", "id"),
    "memories": ("memories", "id"),
    "leases": ("leases", "resource"),
}

#: The queries a refresh runs, each a primary-key search (never a scan).
FEED_SQL = "SELECT seq, tbl, row_id, op FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?"
#: Two subqueries on purpose: ``SELECT min(seq), max(seq)`` in one select
#: defeats SQLite's min/max optimisation and scans the whole kept log.
BOUNDS_SQL = "SELECT (SELECT min(seq) FROM change_log), (SELECT max(seq) FROM change_log)"
CURSOR_SQL = "SELECT coalesce((SELECT max(seq) FROM change_log), 0)"  # a subquery: O(1) on pyturso too


@dataclass(frozen=True)
class ChangeSet:
    """Changed row ids per table, each with what it is now: ``insert`` (new
    since the cursor), ``update`` (existed before, exists now) or ``delete``
    (gone now).

    ``reload`` means the reader must reload everything (first call, a cursor
    older than the kept log, too many changes, or a different database file).
    """

    reload: bool = False
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def ids(self, table: str) -> set[str]:
        return set(self.rows.get(table, {}))

    def deleted(self, table: str) -> set[str]:
        return {row for row, op in self.rows.get(table, {}).items() if op == "delete"}

    def upserted(self, table: str) -> set[str]:
        """Ids to fetch again (inserted or updated, not gone)."""
        return {row for row, op in self.rows.get(table, {}).items() if op != "delete"}

    @property
    def tables(self) -> set[str]:
        return set(self.rows)

    def __bool__(self) -> bool:
        return self.reload or any(self.rows.values())

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def current_cursor(tx: Tx) -> int:
    return int(tx.value(CURSOR_SQL) or 0)


def _check_cursor(cursor: object) -> int | None:
    if cursor is None:
        return None
    if isinstance(cursor, bool) or not isinstance(cursor, int):
        raise InvalidInputError(f"a change cursor is an int or None, not {type(cursor).__name__}")
    return cursor


def _merge(rows: list[tuple]) -> dict[str, dict[str, tuple[str, str]]]:
    """Per table and row: (first op, last op) inside the window."""
    merged: dict[str, dict[str, tuple[str, str]]] = {}
    for _seq, table, row_id, op in rows:
        if row_id is None:  # a foreign writer stored a NULL key: nothing to fetch by
            continue
        per_table = merged.setdefault(str(table), {})
        key = str(row_id)
        first = per_table[key][0] if key in per_table else str(op)
        if op == "insert" and first == "update":
            # a trigger updated the row it was inserting (derived columns)
            # before the insert itself was logged: still new in this window
            first = "insert"
        per_table[key] = (first, str(op))
    return merged


def _still_there(tx: Tx, table: str, ids: list[str]) -> set[str]:
    if table not in _KEYS or not ids:
        return set()
    name, key = _KEYS[table]
    found = tx.rows(f"SELECT {key} FROM {name} WHERE {key} IN (SELECT value FROM json_each(?))",
                    (json.dumps(ids),))
    return {str(row[0]) for row in found}


def _resolve(tx: Tx, merged: dict[str, dict[str, tuple[str, str]]]) -> dict[str, dict[str, str]]:
    """Turn (first, last) into what the row is now for the reader.

    A logged delete is confirmed against the table: ``message_recipients``
    rows are logged under their message, so removing a recipient must not
    read as "message gone", and a row deleted then re-inserted still exists.
    """
    result: dict[str, dict[str, str]] = {}
    for table, per_row in merged.items():
        gone = [row for row, (_first, last) in per_row.items() if last == "delete"]
        back = _still_there(tx, table, gone)
        out = result.setdefault(table, {})
        for row, (first, last) in per_row.items():
            if last == "delete" and row not in back:
                out[row] = "delete"
            else:
                out[row] = "insert" if first == "insert" else "update"
    return result


def changes_since(tx: Tx, cursor: int | None) -> tuple[ChangeSet, int]:
    """What changed after ``cursor`` and the cursor to pass next time.

    The range is read *before* the bounds: each statement is its own snapshot,
    and both ``min(seq)`` (pruning) and ``max(seq)`` only grow, so a cursor
    that is still covered by the later ``min`` was covered when the range was
    read — a prune racing this call can only cause a reload, never a gap.
    """
    cursor = _check_cursor(cursor)
    if cursor is None or cursor < 0:
        return ChangeSet(reload=True), current_cursor(tx)
    rows = tx.rows(FEED_SQL, (cursor, MAX_CHANGES_PER_CALL + 1))
    low, high = tx.row(BOUNDS_SQL) or (None, None)
    high = int(high or 0)
    if cursor > high or (low is not None and cursor < int(low) - 1):
        return ChangeSet(reload=True), high
    if len(rows) > MAX_CHANGES_PER_CALL:
        return ChangeSet(reload=True), high
    if not rows:
        return ChangeSet(), cursor
    return ChangeSet(rows=_resolve(tx, _merge(rows))), int(rows[-1][0])
