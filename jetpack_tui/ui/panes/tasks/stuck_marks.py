"""Stuck work on the board: a ``stuck`` mark next to ready / blocked.

A task that will never run however long the swarm waits (issue 12, hole 6:
a skill no agent has, unreadable fields, a dependency cycle, a cancelled or
missing dependency, or waiting on any of those) looks healthy as ``ready``
or ``blocked``.  Which tasks those are is a whole-swarm question
(:meth:`jetpack_tui.data.insight.Insight.stuck`, the same analysis as
``doctor`` and the Graph pane), too costly for every refresh at 100k tasks.
So it runs in a :class:`~..kit.recompute.Recompute`: after the board's rows
change, and every :data:`RECHECK` seconds while the board is shown (an
agent dying makes its skills unavailable without a task changing), at most
every :data:`MIN_INTERVAL` seconds and never more than :data:`SHARE` of the
time.  Until the first answer, and in the past, nothing is marked.

Its cost grows with the unfinished work (0.74 s at 100k unfinished tasks,
``bench/insight.py``), and holds the GIL: above :data:`LIMIT` unfinished
tasks the board does not check (the header says so; ``jetpack-tui doctor``
still does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jetpack_tui.data.insight.stuck import LABELS, StuckReason

from ..kit.recompute import Recompute

#: Seconds between two checks at least; the share of the time they may take.
MIN_INTERVAL = 5.0
SHARE = 0.1
#: Seconds after which the board asks again even though no row changed.
RECHECK = 30.0
#: Unfinished tasks above which the board does not run the check.
LIMIT = 200_000

#: The board's cell is narrow: nine characters at most per reason (the drawer has the sentence).
SHORT = {
    "skills_unreadable": "bad skill",
    "skills_unregistered": "no agent",
    "skills_no_live_agent": "all dead",
    "available_unreadable": "bad time",
    "available_far_future": "far off",
    "dependencies_unreadable": "bad deps",
    "dependency_missing": "dep gone",
    "dependency_dead": "dep dead",
    "dependency_cycle": "cycle",
    "upstream_stuck": "upstream",
}


class StuckMarks:
    """The stuck tasks of the last check, by id (blocking reasons only)."""

    def __init__(self, owner: Any, stuck: Callable[[], Any], changed: Callable[[], None],
                 counts: Callable[[], dict[str, int] | None]) -> None:
        self._owner = owner
        self._counts = counts
        self._stuck = stuck
        self._changed = changed
        self.reasons: dict[str, tuple[StuckReason, ...]] = {}
        #: Why the last check failed (``None``: it worked, or none ran yet).
        self.error: str | None = None
        self.checked = False
        self._asked_at = -1e18
        self.recompute: Recompute[float] | None = None

    def start(self) -> None:
        self.recompute = Recompute(self._owner, lambda _ask: self._stuck(), self._done, name="stuck",
                                   min_interval=MIN_INTERVAL, share=SHARE)

    @property
    def settled(self) -> bool:
        """A check has answered and none is running or waiting."""
        return self.too_many or (self.checked and self.recompute is not None and not self.recompute.busy)

    def rows_changed(self, now: float) -> None:
        self._ask(now)

    def tick(self, now: float) -> None:
        if now - self._asked_at >= RECHECK:
            self._ask(now)

    @property
    def too_many(self) -> bool:
        """More unfinished tasks than the board checks (:data:`LIMIT`)."""
        counts = self._counts() or {}
        unfinished = sum(counts.get(status, 0) for status in ("pending", "claimed", "in_progress"))
        return unfinished > LIMIT

    def _ask(self, now: float) -> None:
        if self.too_many:
            if self.reasons:
                self.reasons = {}
                self._changed()
            return
        if self.recompute is not None:
            self._asked_at = now
            self.recompute.request(now)

    def _done(self, _ask: float, result: Any) -> None:
        if isinstance(result, Exception):
            first = self.error is None
            self.error = f"{result.__class__.__name__}: {result}"
            if first:
                self._changed()
            return
        self.error = None
        self.checked = True
        found = {task_id: tuple(r for r in reasons if r.blocking) for task_id, reasons in result.reasons.items()}
        found = {task_id: reasons for task_id, reasons in found.items() if reasons}
        if found != self.reasons:
            self.reasons = found
            self._changed()

    def header(self) -> str:
        """For the board's header: how many are stuck, or why nobody checked."""
        if self.too_many:
            return f" · stuck work not checked above {LIMIT:,} unfinished tasks (doctor checks)"
        if self.error:
            return " · stuck check failed (doctor says why)"
        return f" · ⚠ {len(self.reasons):,} stuck" if self.reasons else ""

    def short(self, task_id: str) -> str | None:
        """``"cycle"``, ``"no agent"``...: the first reason, for the board's cell."""
        reasons = self.reasons.get(task_id)
        return SHORT.get(reasons[0].code, reasons[0].code) if reasons else None

    def lines(self, task_id: str) -> list[str]:
        """Every reason in full, for the drawer: what is wrong and what it names."""
        return [reason.message or LABELS.get(reason.code, reason.code) for reason in self.reasons.get(task_id, ())]
