"""The ONE request that replays a recorded write on the primary, and what
its answer means.

A write recorded on the replica (:mod:`.recording`) becomes one Hrana batch::

    0      BEGIN IMMEDIATE                (BEGIN when nothing is written)
    1      watermark guard                (only for large reads, :mod:`.watermark`)
    …      per read of a table: a guard that fails unless it returns the same rows
           per write: the statement (a RETURNING write also fails on rows
                      the replica did not return) + a guard on changes()
           the statement that failed on the replica, if fn raised on it
    n      COMMIT                         (only when the write is to be applied)
    n + 1  ROLLBACK  if BEGIN ok and COMMIT not ok (ROLLBACK if BEGIN ok, without COMMIT)

Every step after ``BEGIN`` runs only if the one before it succeeded, so the
first failure skips the rest and the ``ROLLBACK`` ends the transaction in
the same request: nothing is ever left open on the server, whatever the
server does with the next request.  (tursodb 0.6.0 rolls the transaction
back itself when a statement fails; its ``ROLLBACK`` step then reports "no
transaction is active", which is fine.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .guards import Statement, count_guard, is_stale, read_guard, returning_guard
from .hrana import StepOutcome
from .hrana_wire import and_, not_, ok
from .recording import Failed, Op, Read, Write
from .sqltext import reads_tables

APPLIED, CONFIRMED, STALE, BUSY, FAILED = "applied", "confirmed", "stale", "busy", "failed"

_BUSY_WORDS = ("cannot start a transaction within a transaction", "database is locked",
               "database is busy", "database table is locked")
_NOTHING_TO_ROLL_BACK = "no transaction is active"


def is_busy(error: str | None) -> bool:
    text = (error or "").lower()
    return any(word in text for word in _BUSY_WORDS)


@dataclass(frozen=True)
class Plan:
    steps: list[tuple[str, list[Any], Any]]
    roles: list[str]  # per step: begin, guard, write, expect-fail, commit, rollback
    commit: bool


@dataclass(frozen=True)
class Judgement:
    """``verdict``: APPLIED (committed), CONFIRMED (every guard held and the
    replica's failure happened on the primary too: ``fn``'s own result or
    error stands), STALE (the replica was behind: pull and run ``fn`` again),
    BUSY (another writer holds the primary) or FAILED (``error`` from the
    primary: a statement the replica accepted, BEGIN, COMMIT or ROLLBACK)."""

    verdict: str
    error: str | None = None


def build(ops: list[Op], *, commit: bool, watermark: Statement | None = None,
          covered: frozenset[int] = frozenset()) -> Plan:
    """The batch for ``ops``; reads whose index is in ``covered`` are checked
    by ``watermark`` instead of each on its own."""
    writes = any(isinstance(op, (Write, Failed)) for op in ops)
    steps: list[tuple[str, list[Any], Any]] = [("BEGIN IMMEDIATE" if writes or commit else "BEGIN", [], None)]
    roles = ["begin"]

    def add(statement: Statement, role: str) -> None:
        steps.append((statement[0], statement[1], ok(len(steps) - 1)))
        roles.append(role)

    if watermark is not None:
        add(watermark, "guard")
    for index, op in enumerate(ops):
        if isinstance(op, Read):
            if index not in covered and reads_tables(op.sql):
                add(read_guard(op.sql, op.params, op.rows), "guard")
        elif isinstance(op, Write):
            if op.returning is not None and op.rows:
                add(returning_guard(op.sql, op.params, op.returning, op.rows), "write")
            else:
                add((op.sql, list(op.params)), "write")
            if op.changed is not None:
                add(count_guard(op.changed), "guard")
        else:
            add((op.sql, list(op.params)), "expect-fail")
    last = len(steps) - 1
    if commit:
        steps.append(("COMMIT", [], ok(last)))
        roles.append("commit")
        steps.append(("ROLLBACK", [], and_(ok(0), not_(ok(last + 1)))))
    else:
        steps.append(("ROLLBACK", [], ok(0)))
    roles.append("rollback")
    return Plan(steps, roles, commit)


def judge(plan: Plan, outcomes: list[StepOutcome]) -> Judgement:
    rollback = outcomes[-1].error
    if rollback is not None and _NOTHING_TO_ROLL_BACK not in rollback.lower():
        return Judgement(FAILED, f"ROLLBACK failed: {rollback}")
    for role, outcome in zip(plan.roles[:-1], outcomes[:-1]):
        error = outcome.error
        if role == "expect-fail":
            return Judgement(CONFIRMED) if error is not None else Judgement(STALE)
        if error is None:
            if outcome.rows is None:  # skipped although the step before succeeded
                return Judgement(FAILED, f"the server skipped a step ({role}) it should have run")
            continue
        if is_stale(error) or "schema changed" in error.lower():
            return Judgement(STALE)
        if is_busy(error):
            return Judgement(BUSY)
        return Judgement(FAILED, f"COMMIT failed: {error}" if role == "commit" else error)
    return Judgement(APPLIED if plan.commit else CONFIRMED)
