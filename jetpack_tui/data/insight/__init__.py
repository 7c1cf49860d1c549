"""Operator insight: why nothing moves, whether it gets better, what happened.

Three questions the live dashboard cannot answer, from data every writer
already records (tasks, the ``task_events`` audit log, heartbeats):

* the dependency graph of unfinished work: critical path, bottlenecks and
  stuck work (:mod:`.analysis`, :mod:`.stuck`, :mod:`.neighbourhood`);
* trends over a window, from minute rollups of the audit log (:mod:`.trends`);
* the swarm as it was at any moment, and what changed between two
  (:mod:`.history`).

:class:`Insight` ties them to one DataLayer (``Insight(dl)``): it holds the
history checkpoints and rollups of that DataLayer's database across calls,
so keep one per DataLayer.  Never imports Textual; every method may be
called from a worker thread (queries take the engine's lock one at a time).
"""

from __future__ import annotations

import math
from typing import Any

from .. import clock
from ..models import Liveness
from .analysis import Bottleneck, GraphAnalysis, PathStep, analyse
from .durations import Estimate
from .history.agents import AgentsThen, AgentThen, agents_at
from .history.checkpoints import CHECKPOINT_EVERY, HistoryIndex
from .history.diff import SwarmDiff, diff
from .history.log import neighbour_event
from .history.state import SwarmState, TaskThen, state_at
from .moments import MomentError, parse_moment, parse_span
from .neighbourhood import GraphNode, Subgraph, neighbourhood
from .past import analyse_at
from .snapshot import rule_of
from .source import EngineReader
from .stuck import StuckReason, StuckReport, find_stuck
from .trends.rollups import MinuteRollups
from .trends.series import WINDOWS, Trends, build

_CHECKPOINT_SQL = ("INSERT OR IGNORE INTO history_checkpoints(event_id, at, format, tasks, new_ids, state, built_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)")
_MINUTE_SQL = ("INSERT OR IGNORE INTO history_minutes(minute, last_event_id, created, claims, completed, failed,"
               " retries, operator, ready, blocked, claimed, in_progress, agents_alive, agents_busy, agents_idle,"
               " waits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Insight:
    """Graph, trends and history of one DataLayer."""

    def __init__(self, dl: Any, *, checkpoint_every: int = CHECKPOINT_EVERY, persist: bool | None = None) -> None:
        self._dl = dl
        self._reader = EngineReader(dl.engine)
        if persist is None:
            persist = getattr(dl, "mode", "") == "local" and not dl.read_only
        self.history = HistoryIndex(self._reader, persist=self._store_checkpoints if persist else None,
                                    every=checkpoint_every, discard=self._discard if persist else None)
        self.rollups = MinuteRollups(self._reader, self.history, self.liveness,
                                     persist=self._store_minutes if persist else None)
        self._unrecorded: dict = {}

    @property
    def liveness(self) -> Liveness:
        """The DataLayer's liveness rule (read from the database each time:
        an operator may change it with ``jetpack-tui settings``)."""
        return rule_of(self._dl) or Liveness()

    def _store_checkpoints(self, rows: list[tuple]) -> None:
        self._dl.engine.write(lambda tx: tx.executemany(_CHECKPOINT_SQL, rows))

    def _store_minutes(self, rows: list[tuple]) -> None:
        self._dl.engine.write(lambda tx: tx.executemany(_MINUTE_SQL, rows))

    def _discard(self, bound: int) -> None:
        """Stored history that no longer matches the audit log (rewritten or
        pruned past it): checkpoints from ``bound`` on and the minutes after."""
        def write(tx):
            tx.execute("DELETE FROM history_checkpoints WHERE event_id >= ?", (bound,))
            tx.execute("DELETE FROM history_minutes WHERE last_event_id >= ?", (bound,))
        self._dl.engine.write(write)

    # -- why is nothing moving --------------------------------------------------
    def graph(self, *, top: int = 20) -> GraphAnalysis:
        """Critical path, bottlenecks and stuck work of the unfinished tasks."""
        return analyse(self._dl, liveness=self.liveness, top=top)

    def graph_at(self, moment: float, *, top: int = 20, state: SwarmState | None = None) -> GraphAnalysis:
        """The same analysis of the work unfinished at ``moment`` (see
        :mod:`.past` for what the audit log can and cannot say); ``state``:
        :meth:`state_at` of that moment, when the caller already has it."""
        return analyse_at(self._reader, state if state is not None else self.state_at(moment), top=top)

    def stuck(self) -> StuckReport:
        return find_stuck(self._dl, liveness=self.liveness)

    def neighbourhood(self, task_id: str, analysis: GraphAnalysis | None = None, *, up: int = 40,
                      down: int = 40) -> Subgraph:
        """``task_id`` with its ancestors and descendants, for drawing."""
        return neighbourhood(analysis or self.graph(), self._reader, task_id, up=up, down=down)

    # -- what happened ---------------------------------------------------------------
    def state_at(self, moment: float, *, readiness: bool = True, agents: bool = True) -> SwarmState:
        """The swarm at ``moment`` (epoch seconds): every task's status and
        owner, counts, and (``agents``) each agent's liveness then."""
        state = state_at(self.history, self._reader, moment, readiness=readiness, unrecorded_cache=self._unrecorded)
        if agents:
            state.agents = agents_at(self._reader, moment, self.liveness, state.owners_busy())
        return state

    def step(self, moment: float, direction: int = 1) -> float | None:
        """The moment of the next (``direction`` > 0) or previous audit event
        from ``moment``, ``None`` past either end: the time bar's event step."""
        return neighbour_event(self._reader, moment, direction)

    def diff(self, start: float, end: float, *, limit: int = 500) -> SwarmDiff:
        """What changed from ``start`` to ``end`` (epoch seconds)."""
        if end < start:
            start, end = end, start
        first = self.state_at(start, readiness=False, agents=False)
        last = self.state_at(end, readiness=False, agents=False)
        return diff(self._reader, first, last, limit=limit)

    # -- is it getting better -------------------------------------------------------
    def trends(self, window: str | float = "12h", *, step: float | None = None,
               end: float | None = None) -> Trends:
        """Points over the last ``window`` (``"1h"``, ``"12h"``, ``"7d"`` or
        seconds) ending at ``end`` (the end of the current minute by
        default), one per ``step``.  Rollups are per minute, so a window
        ends on a minute and a step is best a whole number of minutes."""
        if isinstance(window, str):
            span, default_step = WINDOWS.get(window) or (parse_span(window), None)
        else:
            span, default_step = float(window), None
        step = step or default_step or max(60.0, span / 60)
        finish = math.ceil(clock.now() / 60) * 60 if end is None else float(end)
        start = finish - span
        self.rollups.catch_up(start_hint=start)
        before, slots = self.rollups.slots(start, finish, step)
        return build(start, finish, step, before, slots, self.rollups.covered_from)


__all__ = [
    "AgentThen", "AgentsThen", "Bottleneck", "Estimate", "GraphAnalysis", "GraphNode", "Insight", "MomentError",
    "PathStep", "StuckReason", "StuckReport", "Subgraph", "SwarmDiff", "SwarmState", "TaskThen", "Trends",
    "WINDOWS", "analyse", "find_stuck", "parse_moment", "parse_span",
]
