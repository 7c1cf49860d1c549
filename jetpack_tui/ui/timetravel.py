"""Time travel: the dashboard shows the swarm now (live) or as it was at a moment.

``app.time`` (:class:`TimeTravel`) is the one answer to "when am I looking
at": ``moment`` is ``None`` while live, else epoch seconds in the past.  The
dashboard screen owns the time bar and tells the time-aware panes (board,
agents, graph) when the moment changes; while it is set every operator action
is refused (:data:`PAST_REFUSAL`): the past is read-only.

The swarm at a moment is rebuilt from the audit log (``Insight.state_at``,
up to a few hundred ms on a long log), so it is computed in worker threads
only and kept in :class:`PastStates`, the one cache the refresh worker (board,
agents) and the graph's worker share.  Nothing here touches widgets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .timefmt import span

if TYPE_CHECKING:
    from jetpack_tui.data.insight import Insight, SwarmState

#: What a write key says while the dashboard shows the past.
PAST_REFUSAL = "refused, you are viewing the past (esc on the time bar: back to live)"


class PastStates:
    """The swarm at the last moment asked for, rebuilt once (thread-safe:
    two workers asking for the same moment wait for one rebuild)."""

    def __init__(self, insight: Callable[[], "Insight"]) -> None:
        self._insight = insight
        self._lock = threading.Lock()
        self._moment: float | None = None
        self._state: SwarmState | None = None

    def state(self, moment: float) -> "SwarmState":
        with self._lock:
            if self._state is None or self._moment != moment:
                self._state = self._insight().state_at(moment)
                self._moment = moment
            return self._state


@dataclass(frozen=True)
class PastSummary:
    """What the time bar and the status line say about a moment."""

    moment: float
    counts: dict[str, int]
    agents: dict[str, int]
    #: The last audit event at or before the moment, in words (``None``: none).
    event: str | None
    #: What cannot be known there (a pruned log, tasks without history...).
    notes: tuple[str, ...]


def summarise(state: "SwarmState", event: str | None) -> PastSummary:
    agents = state.agents.counts() if state.agents is not None else {}
    notes = list(state.notes)
    if state.agents is not None and state.agents.note:
        notes.append(state.agents.note)
    return PastSummary(state.moment, state.counts, agents, event, tuple(dict.fromkeys(notes)))


def stamp(moment: float) -> str:
    """``2026-01-15 10:42:13`` in the operator's local time (what the wall clock said)."""
    return datetime.fromtimestamp(moment).strftime("%Y-%m-%d %H:%M:%S")


def relative(moment: float, now: float) -> str:
    """``1h ago`` / ``now``: how far back the moment is."""
    back = now - moment
    return "now" if back < 1 else f"{span(back)} ago"


class TimeTravel:
    """Live, or a moment in the past; see the module docstring."""

    def __init__(self, insight: Callable[[], "Insight"]) -> None:
        self.moment: float | None = None
        #: A moment marked as the start of the diff view (``space`` on the time bar).
        self.mark: float | None = None
        self.summary: PastSummary | None = None
        self.states = PastStates(insight)

    @property
    def past(self) -> bool:
        return self.moment is not None
