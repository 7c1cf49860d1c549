"""The change feed: which rows of which tables changed since a cursor.

Triggers (see :mod:`.schema`) append one ``change_log`` row per changed row,
whoever the writer is, so a reader catches up in O(changes) instead of
rescanning tables.  The log is pruned by its own trigger; a cursor older than
what is kept gets ``reload=True`` instead of a silently incomplete answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .engine import Tx

#: More changes than this in one call: cheaper to reload than to apply.
MAX_CHANGES_PER_CALL = 20_000

FEED_TABLES = ("tasks", "agents", "messages", "file_reservations", "memories", "leases")


@dataclass(frozen=True)
class ChangeSet:
    """Changed row ids per table, each with its last operation.

    ``reload`` means the reader must reload everything (first call, a cursor
    older than the kept log, or a different database file).
    """

    reload: bool = False
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def ids(self, table: str) -> set[str]:
        return set(self.rows.get(table, {}))

    def deleted(self, table: str) -> set[str]:
        return {row for row, op in self.rows.get(table, {}).items() if op == "delete"}

    @property
    def tables(self) -> set[str]:
        return set(self.rows)

    def __bool__(self) -> bool:
        return self.reload or any(self.rows.values())

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def current_cursor(tx: Tx) -> int:
    return int(tx.value("SELECT coalesce(max(seq), 0) FROM change_log") or 0)


def changes_since(tx: Tx, cursor: int | None) -> tuple[ChangeSet, int]:
    low, high = tx.row("SELECT min(seq), max(seq) FROM change_log") or (None, None)
    high = int(high or 0)
    if cursor is None or cursor > high or (low is not None and cursor < int(low) - 1):
        return ChangeSet(reload=True), high
    if cursor == high:
        return ChangeSet(), high
    rows = tx.rows(
        "SELECT seq, tbl, row_id, op FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
        (cursor, MAX_CHANGES_PER_CALL + 1),
    )
    if len(rows) > MAX_CHANGES_PER_CALL:
        return ChangeSet(reload=True), high
    changed: dict[str, dict[str, str]] = {}
    last = cursor
    for seq, table, row_id, op in rows:
        per_table = changed.setdefault(str(table), {})
        previous = per_table.get(str(row_id))
        # insert then update is still an insert for the reader; delete wins.
        per_table[str(row_id)] = "insert" if previous == "insert" and op == "update" else str(op)
        last = seq
    return ChangeSet(rows=changed), int(last)
