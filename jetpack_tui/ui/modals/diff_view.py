"""What changed between two moments (the time bar's ``d``), read-only.

``Insight.diff`` in a worker: the tasks whose status or owner differ between
the two moments, the events in between counted by kind (claims, completions,
failures, operator actions…) and listed (the first :data:`LIMIT`), and what
the audit log cannot say there.  Database text is shown literally.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from jetpack_tui.data.insight import SwarmDiff
from jetpack_tui.data.insight.history.diff import OPERATOR_ACTIONS

from ..safe_text import clean, shorten
from ..timetravel import stamp
from .read_view import ReadView

LIMIT = 500
#: The kinds of event worth a line of their own, in this order.
KINDS = ("operator", "failures", "claims", "starts", "completions", "returned", "created", "cancelled", "priority",
         "external", "other")


def _side(status: str | None, owner: str | None) -> str:
    if status is None:
        return "—"
    return clean(status) + (f" ({clean(owner)})" if owner else "")


class DiffScreen(ReadView[None]):
    BOX = "view-box diff-box"
    HINT = "j/k: scroll · esc: close"

    def __init__(self, start: float, end: float) -> None:
        super().__init__(f"What changed from {stamp(start)} to {stamp(end)}")
        self.start, self.end = start, end

    def read(self, dl: Any) -> SwarmDiff:
        return self.jetpack.insight.diff(self.start, self.end, limit=LIMIT)

    def render_result(self, result: SwarmDiff, now: float) -> Text:
        out = Text()
        kinds = ", ".join(f"{result.by_kind[k]:,} {k}" for k in KINDS if result.by_kind.get(k))
        out.append(f"{result.events_total:,} audit event(s)", style="bold")
        out.append(f": {kinds}\n" if kinds else "\n")
        for note in dict.fromkeys(result.start.notes + result.end.notes):
            out.append(f"⚠ {clean(note)}\n", style="italic")
        out.append(f"\nTasks that moved ({result.moved_total:,})\n", style="bold underline")
        for moved in result.moved:
            out.append(f"{shorten(clean(moved.task_id), 40):<20} {_side(*moved.before)} → {_side(*moved.after)}\n")
        if not result.moved:
            out.append("none: every task has the same status and owner at both moments\n", style="dim")
        operator = [e for e in result.events if e.action in OPERATOR_ACTIONS]
        if operator:
            out.append(f"\nOperator actions ({len(operator)})\n", style="bold underline")
            for event in operator:
                out.append(self._event(event))
        out.append(f"\nEvents ({result.events_total:,})\n", style="bold underline")
        for event in result.events:
            out.append(self._event(event))
        if result.truncated:
            out.append(f"… the first {LIMIT} shown (jetpack-tui replay --between for all)\n", style="italic")
        return out

    @staticmethod
    def _event(event: Any) -> str:
        at = stamp(event.at) if event.at is not None else "?"
        owner = f" → {clean(event.to_owner)}" if event.to_owner and event.to_owner != event.from_owner else ""
        return (f"{at}  {shorten(clean(event.task_id), 24):<14} {clean(event.action or '?'):<12} "
                f"{clean(event.from_status or '—')} → {clean(event.to_status or '—')}{owner}"
                f"  by {shorten(clean(event.actor or '?'), 20)}\n")
