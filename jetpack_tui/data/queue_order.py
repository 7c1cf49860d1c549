"""Priority aging: the order in which agents get ready tasks.

Strict priority starves: with critical work arriving faster than the swarm
finishes it, nothing else is ever claimed (a trial saw 46 s of that and it
would go on for as long as the flood lasts).  With aging, a task that has
waited ``A`` seconds longer than another competes one priority level
higher, so a low task waits at most ``3·A`` behind a flood of fresh
critical ones.  ``claim_order = rank · A + enqueue time`` is stored on each
row by a trigger (:mod:`.schema_claims`), so the claim still reads the first
row of an index.  Aging off (``None``) is the old order: priority first, then
age.

The setting lives in the database (``jetpack_meta``), so every agent and
every dashboard on it uses the same rule.
"""

from __future__ import annotations

import math
from typing import Any

from .backend import Engine, Tx
from .errors import InvalidInputError
from .schema_claims import DEFAULT_AGING_SECONDS, claim_order_sql

__all__ = ["AGING_KEY", "DEFAULT_AGING_SECONDS", "check_aging", "read_aging", "set_aging"]

AGING_KEY = "claims.aging_seconds"
#: Rows re-ordered per transaction when the setting changes: the write lock
#: is held for a few milliseconds at a time, never for the whole table.
REORDER_CHUNK = 2000

_REORDER_SQL = (f"UPDATE tasks SET claim_order = {claim_order_sql('tasks')}"
                " WHERE rowid IN (SELECT rowid FROM tasks WHERE rowid > ? ORDER BY rowid LIMIT ?)"
                " RETURNING rowid")


def read_aging(tx: Tx) -> float | None:
    """Seconds per priority level, or ``None`` when aging is off."""
    raw = tx.value("SELECT value FROM jetpack_meta WHERE key = ?", (AGING_KEY,))
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def check_aging(seconds: Any) -> float | None:
    if seconds is None or seconds == 0:
        return None
    if (not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds)
            or not 1 <= seconds <= 30 * 24 * 3600):
        raise InvalidInputError(f"priority aging is seconds per level in [1, 2592000], or None/0 for off;"
                                f" not {seconds!r}")
    return float(seconds)


def set_aging(engine: Engine, seconds: float | None) -> int:
    """Store the rule, then re-order every task in short transactions.
    Returns how many rows were re-ordered.  Claims made meanwhile see a mix
    of old and new order for a moment; never a task claimed twice."""
    value = check_aging(seconds)

    def store(tx: Tx) -> None:
        if value is None:
            tx.execute("DELETE FROM jetpack_meta WHERE key = ?", (AGING_KEY,))
        else:
            tx.execute("INSERT INTO jetpack_meta(key, value) VALUES (?, ?)"
                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (AGING_KEY, repr(value)))

    engine.write(store)
    done, last = 0, -1
    while True:
        rows = engine.write(lambda tx: tx.rows(_REORDER_SQL, (last, REORDER_CHUNK)))
        if not rows:
            return done
        done += len(rows)
        last = max(int(row[0]) for row in rows)
