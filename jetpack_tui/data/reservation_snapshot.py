"""What a new reservation is decided against, and the guard that it still holds.

Deciding overlap takes microseconds for ordinary patterns but milliseconds
for large ones - too long to hold the write lock, behind which every claim
of the swarm waits (one pattern once held it 102 s).  So ``reserve`` reads
the active reservations that might clash (:func:`read_snapshot`), decides
*outside* any transaction, then writes inside ``BEGIN IMMEDIATE`` only if no
reservation changed since it read (:func:`check_unchanged`): the change feed
(``change_log``, filled by triggers for every writer, the ``sqlite3`` shell
included) has no ``file_reservations`` entry after the sequence number read
*before* the rows.  The transaction holds the lock for that one indexed range
read plus the insert.

When something did change, the guard hands back the changed rows, read in
the same short transaction (on a Turso primary, so a lagging replica cannot
make it loop), and the decision is made again with them.  When the change
feed was pruned past the snapshot, or too much changed, the whole snapshot
is read again inside a write transaction (a plain read, no glob work).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .backend import Tx
from .errors import JetpackError
from .jsonvalues import as_text
from .reservation_models import COLUMNS, SELECT, Reservation, could_overlap, reservation_from_row, types_conflict

#: Changed rows the guard brings back at most before asking for a full re-read.
GUARD_ROWS = 256
#: ``status = 'active'`` rows whose epoch expiry has not passed (text expiries
#: written by other clients are decided when decoded).
LIVE = ("r.status = 'active' AND (r.expires_at IS NULL OR typeof(r.expires_at) NOT IN ('integer', 'real')"
        " OR r.expires_at > ?)")
_PATH_AT = COLUMNS.index("file_path")
#: Reservation changes after a sequence number, with each row as it is now
#: (NULLs when deleted), and the oldest sequence number still kept - the one
#: scalar subquery also pulls in the oldest entry, so a pruned gap shows.
_GUARD_SQL = (
    "SELECT c.seq, (SELECT min(seq) FROM change_log), c.tbl, c.row_id, "
    + ", ".join(f"r.{c}" for c in COLUMNS)
    + " FROM change_log c LEFT JOIN file_reservations r ON c.tbl = 'file_reservations' AND r.id = c.row_id"
    " WHERE c.seq > ? AND (c.tbl = 'file_reservations' OR c.seq = (SELECT min(seq) FROM change_log))"
    " ORDER BY c.seq LIMIT ?"
)


class ReservationsChanged(JetpackError):
    """Raised inside the guarded write (so it rolls back): reservations
    changed after the snapshot.  ``rows``: ``(id, row or None)`` as they are
    now; ``reload``: too much changed, read everything again."""

    def __init__(self, rows: list[tuple[str, tuple | None]], seen: int, reload: bool = False) -> None:
        super().__init__("reservations changed while a new one was decided")
        self.rows, self.seen, self.reload = rows, seen, reload


@dataclass
class Snapshot:
    """The other agents' active reservations that might clash with
    ``pattern``, as of change-feed sequence number ``seen``."""

    agent_id: str
    pattern: str
    reservation_type: str
    moment: float
    seen: int
    rows: dict[str, tuple] = field(default_factory=dict)

    def wanted(self, row: tuple) -> bool:
        """Could this row stand in the way (before any glob is compared)?"""
        path = as_text(row[_PATH_AT])
        return bool(path) and could_overlap(self.pattern, path)

    def candidates(self) -> list[Reservation]:
        found = (reservation_from_row(row, self.moment) for row in self.rows.values())
        return [r for r in found if r.active and r.agent_id != self.agent_id
                and types_conflict(self.reservation_type, r.reservation_type)]

    def apply(self, changed: ReservationsChanged) -> None:
        """Take in the rows that changed (a deleted one is ``None``)."""
        for row_id, row in changed.rows:
            self.rows.pop(row_id, None)
            if row is not None and self.wanted(row):
                self.rows[row_id] = row
        self.seen = changed.seen


def read_snapshot(tx: Tx, agent_id: str, pattern: str, reservation_type: str, moment: float) -> Snapshot:
    """The sequence number first, then the rows: whatever commits in between
    is both in the rows and after ``seen``, so it is looked at twice, never
    missed.  SQL drops the agent's own rows and compatible types."""
    seen = tx.value("SELECT max(seq) FROM change_log") or 0
    sql = SELECT + " WHERE " + LIVE + " AND r.agent_id IS NOT ?"
    if reservation_type == "read":
        sql += " AND r.reservation_type IS NOT 'read'"
    snapshot = Snapshot(agent_id, pattern, reservation_type, moment, int(seen))
    snapshot.rows = {as_text(row[0]) or "": row for row in tx.rows(sql, (moment, agent_id)) if snapshot.wanted(row)}
    return snapshot


def check_unchanged(tx: Tx, snapshot: Snapshot) -> None:
    """Inside the write: raise :class:`ReservationsChanged` unless no
    reservation changed after ``snapshot.seen``."""
    found = tx.rows(_GUARD_SQL, (snapshot.seen, GUARD_ROWS + 1))
    if not found:
        return
    oldest = found[0][1]
    if (oldest is not None and oldest > snapshot.seen + 1) or len(found) > GUARD_ROWS:
        raise ReservationsChanged([], snapshot.seen, reload=True)
    mine = [(row[0], as_text(row[3]) or "", tuple(row[4:]) if row[4] is not None else None)
            for row in found if row[2] == "file_reservations"]
    if mine:
        raise ReservationsChanged([(row_id, row) for _, row_id, row in mine], int(mine[-1][0]))
