"""Trends over a window, from the minute rollups: one point per interval.

Counts (created, claims, completed, failed, retries, operator actions) are
summed over the interval; the queue depth and the agents are read at the
interval's end (the last minute rolled up in it, or carried from before
when nothing happened); the median wait from ready to claimed is over every
claim in the interval.  Values that cannot be known are ``None``: an
interval before the rollups begin, agents before the heartbeat records.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .fold import COUNTS, Figures, MinuteRow

#: Named windows and their default step (window, step), in seconds.
WINDOWS: dict[str, tuple[float, float]] = {
    "1h": (3600.0, 60.0),
    "12h": (43_200.0, 600.0),
    "7d": (604_800.0, 7_200.0),
}


@dataclass(kw_only=True)
class TrendPoint(Figures):
    start: float
    end: float
    median_wait: float | None = None
    #: How many claims the median is over.
    waits: int = 0


@dataclass
class Trends:
    start: float
    end: float
    step: float
    points: list[TrendPoint] = field(default_factory=list)
    #: The first minute rollups hold; intervals before it are unknown.
    covered_from: float | None = None
    notes: list[str] = field(default_factory=list)

    def series(self, name: str) -> list[tuple[float, float | None]]:
        """``[(interval end, value)]`` for one field (counts, levels, ``median_wait``)."""
        return [(p.end, getattr(p, name)) for p in self.points]


def _levels(point: TrendPoint, row: MinuteRow | None) -> None:
    if row is None:
        return
    point.ready, point.blocked, point.claimed, point.in_progress = row.ready, row.blocked, row.claimed, row.in_progress


def build(start: float, end: float, step: float, before: MinuteRow | None, slots: dict[int, MinuteRow],
          covered_from: float | None) -> Trends:
    """Points of ``[start, end)`` every ``step`` seconds from merged slot
    rows (see :meth:`MinuteRollups.slots`); a slot with no row carries the
    levels of the last one before it and has no agents figure."""
    trends = Trends(start, end, step, covered_from=covered_from)
    count = max(1, int(-(-(end - start) // step)))
    last = before
    for n in range(count):
        point = TrendPoint(start=start + n * step, end=min(start + (n + 1) * step, end))
        row = slots.get(n)
        if row is not None:
            for name in COUNTS:
                setattr(point, name, getattr(row, name))
            point.agents_alive, point.agents_busy, point.agents_idle = (row.agents_alive, row.agents_busy,
                                                                        row.agents_idle)
            if row.waits:
                point.median_wait, point.waits = statistics.median(row.waits), len(row.waits)
            last = row
        if covered_from is not None and point.end > covered_from:
            _levels(point, last)
        trends.points.append(point)
    if covered_from is None:
        trends.notes.append("no rollups yet: the audit log is empty")
    elif covered_from > start:
        trends.notes.append("nothing is known before the first rolled-up minute (where the audit log, or its"
                            " rollups, begin)")
    return trends
