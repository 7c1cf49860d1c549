"""What changed between two moments: tasks that moved, and every event.

The net change of each task comes from the two states (:mod:`.state`), so
a task that was claimed, failed and retried in between shows only in the
event list, not as moved.  Events are counted by kind in SQL over the time
range (one pass over the ``at`` index in C) and listed up to ``limit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...models import TaskEvent
from ...task_rows import EVENT_SELECT, event_from_row
from ..source import Reader, text
from .state import SwarmState

#: Actions an operator takes (the audit ``action`` of each).
OPERATOR_ACTIONS = ("claim_for", "release", "reassign", "retry", "cancel", "set_priority", "release_all",
                    "deregister", "update")
KINDS = ("created", "claims", "starts", "completions", "failures", "returned", "cancelled", "operator",
         "priority", "external", "other")


def kind_of(action: str | None, from_status: str | None, to_status: str | None) -> str:
    """One word for an audit event (operator actions first: a ``claim_for``
    is an operator action, not an agent's claim)."""
    if action in OPERATOR_ACTIONS:
        return "operator"
    if from_status is None:
        return "created"
    if action == "external":
        return "external"
    if action == "fail" or to_status == "failed":
        return "failures"
    if to_status == "claimed":
        return "claims"
    if to_status == "in_progress":
        return "starts"
    if to_status == "completed":
        return "completions"
    if to_status == "cancelled":
        return "cancelled"
    if to_status == "pending":
        return "returned"
    if from_status == to_status:
        return "priority"
    return "other"


@dataclass(frozen=True)
class Moved:
    task_id: str
    before: tuple[str | None, str | None]  # (status, owner) at the first moment (None: did not exist)
    after: tuple[str | None, str | None]


@dataclass
class SwarmDiff:
    start: SwarmState
    end: SwarmState
    events_total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    events: list[TaskEvent] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    moved_total: int = 0

    @property
    def truncated(self) -> bool:
        return len(self.events) < self.events_total or len(self.moved) < self.moved_total


def _moved(start: SwarmState, end: SwarmState, limit: int) -> tuple[list[Moved], int]:
    found: list[Moved] = []
    total = 0
    for task in end:
        before = start.get(task.id)
        was = (before.status, before.owner) if before is not None else (None, None)
        if was != (task.status, task.owner):
            total += 1
            if len(found) < limit:
                found.append(Moved(task.id, was, (task.status, task.owner)))
    return found, total


def diff(reader: Reader, start: SwarmState, end: SwarmState, *, limit: int = 500) -> SwarmDiff:
    """The changes from ``start`` to ``end`` (two states of one log, start
    first): events with ``start.moment < at <= end.moment`` (the ``at`` index)."""
    result = SwarmDiff(start, end)
    window = (start.moment, end.moment)
    for action, from_status, to_status, count in reader.rows(
            "SELECT action, from_status, to_status, count(*) FROM task_events WHERE at > ? AND at <= ?"
            " GROUP BY action, from_status, to_status", window):
        kind = kind_of(text(action), text(from_status), text(to_status))
        result.by_kind[kind] = result.by_kind.get(kind, 0) + int(count)
        result.events_total += int(count)
    rows = reader.rows(EVENT_SELECT + " WHERE at > ? AND at <= ? ORDER BY at, id LIMIT ?", (*window, limit))
    result.events = [event_from_row(row) for row in rows]
    result.moved, result.moved_total = _moved(start, end, limit)
    return result
