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

from .backend import Engine
from .schema_claims import DEFAULT_AGING_SECONDS, claim_order_sql

__all__ = ["DEFAULT_AGING_SECONDS", "MAX_AGING_SECONDS", "REORDER_CHUNK", "aging_seconds", "reorder"]

#: The longest step allowed: a month per priority level.
MAX_AGING_SECONDS = 30 * 24 * 3600.0
#: Rows re-ordered per transaction when the setting changes: the write lock
#: is held for a few milliseconds at a time, never for the whole table.
REORDER_CHUNK = 2000

_REORDER_SQL = (f"UPDATE tasks SET claim_order = {claim_order_sql('tasks')}"
                " WHERE rowid IN (SELECT rowid FROM tasks WHERE rowid > ? ORDER BY rowid LIMIT ?)"
                " RETURNING rowid")


def aging_seconds(value: object) -> float:
    """The ``claim_aging`` setting's value: seconds per level, 0 for off."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"must be seconds per priority level (0: off), not {value!r}")
    if value != 0 and not 1 <= value <= MAX_AGING_SECONDS:
        raise ValueError(f"must be 0 (off) or between 1 and {MAX_AGING_SECONDS:.0f} seconds, not {value!r}")
    return float(value)


def reorder(engine: Engine) -> int:
    """Recompute every task's claim order after the rule changed, in short
    transactions; returns how many rows were re-ordered.  Claims made
    meanwhile see a mix of old and new order for a moment, never a task
    claimed twice (each claim is still one compare-and-swap)."""
    done, last = 0, -1
    while True:
        rows = engine.write(lambda tx: tx.rows(_REORDER_SQL, (last, REORDER_CHUNK)))
        if not rows:
            return done
        done += len(rows)
        last = max(int(row[0]) for row in rows)
