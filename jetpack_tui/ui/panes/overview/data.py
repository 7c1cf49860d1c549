"""What the Overview reads (refresh worker thread only).

Each section is re-read only when one of its tables changed (or on a
reload); the pane merges sections.  Figures that move with time alone —
liveness, expired claims and leases, completions per hour — are kept as raw
timestamps and recomputed on the UI thread every second (:mod:`.figures`),
so they stay true between database changes.

Completions per hour (``dl.tasks.completions_per_hour``, one GROUP BY) come
as hour buckets counted back from the moment of the read; the figures shift
them as the clock moves on (:func:`.figures.hourly`).  Expired claims are one
``count(*)`` at the moment of the read (``dl.tasks.count_expired_claims``).
Both are re-read at least every :data:`TIMED_EVERY` seconds so they follow
the clock between database changes.

The sections that scan many rows (:data:`EXPENSIVE`; completions ~18 ms and
expired claims ~4 ms at 100k tasks / 360k audit rows, orphaned tasks and
reservation conflicts more) are re-read at most every :data:`THROTTLE` seconds while
changes stream in; one skipped is reported back (``skipped``) and the pane
asks for it once the interval has passed, so the figure is never left stale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ...messages import PaneData
from ..base import FetchRequest

HOURS = 12
#: Sections whose figures move with time alone and are re-read this often (s).
TIMED = frozenset({"completions", "claims"})
TIMED_EVERY = 30.0
EXPENSIVE = frozenset({"completions", "claims", "orphaned", "conflicts"})
#: Seconds (monotonic) between two reads of an expensive section.
THROTTLE = 2.0

#: Section -> the change-feed tables it depends on.
SECTIONS: dict[str, frozenset[str]] = {
    "tasks": frozenset({"tasks"}),
    "completions": frozenset({"tasks"}),
    "claims": frozenset({"tasks"}),
    "agents": frozenset({"agents"}),
    "orphaned": frozenset({"tasks", "agents"}),
    "leases": frozenset({"leases"}),
    "conflicts": frozenset({"file_reservations"}),
    "mail": frozenset({"messages"}),
    "sync": frozenset(),
}


@dataclass(frozen=True)
class OverviewView:
    #: Sections skipped by the throttle that the pane now asks for.
    due: frozenset[str] = field(default_factory=frozenset)


class OverviewData(PaneData):
    """``sections`` maps a section name to its raw values (only the re-read ones);
    ``skipped`` names the changed sections the throttle left for later."""

    def __init__(self, generation: int, sections: dict[str, Any], skipped: frozenset[str] = frozenset()) -> None:
        super().__init__(generation)
        self.sections = sections
        self.skipped = skipped


def read_completions(dl: Any, now: float) -> tuple[float, list[int]]:
    """(``now``, completions per hour for the last :data:`HOURS` hours, oldest first)."""
    since = now - HOURS * 3600
    per_hour = dl.tasks.completions_per_hour(since, now + 1.0)  # up to and including ``now``
    buckets = [0] * HOURS
    for start, n in per_hour.items():
        index = int((start - int(since)) // 3600)
        if 0 <= index <= HOURS:
            buckets[min(index, HOURS - 1)] += n
    return now, buckets


def read_section(dl: Any, name: str, now: float) -> Any:
    if name == "tasks":
        return dict(dl.tasks.counts_by_status())
    if name == "completions":
        return read_completions(dl, now)
    if name == "claims":
        return dl.tasks.count_expired_claims(now)
    if name == "agents":
        return tuple((a.last_heartbeat, a.status) for a in dl.agents.list())
    if name == "orphaned":
        return len(dl.agents.orphaned_tasks())
    if name == "leases":
        return tuple(lease.expires_at for lease in dl.leases.list(live_only=False) if lease.agent_id is not None)
    if name == "conflicts":
        pairs = dl.reservations.conflicts()
        ids = {p.first.id for p in pairs} | {p.second.id for p in pairs}
        return len(pairs), len(ids)
    if name == "mail":
        return dl.messages.unacked_count(), dl.messages.unread_count()
    if name == "sync":
        status = getattr(dl, "sync_status", None)
        return status() if callable(status) else None
    raise KeyError(name)


class Throttle:
    """When each expensive section was last read (refresh worker thread only:
    the refresher never runs two fetches at once)."""

    def __init__(self) -> None:
        self.read_at: dict[str, float] = {}

    def allows(self, name: str, moment: float) -> bool:
        return name not in EXPENSIVE or moment - self.read_at.get(name, -1e18) >= THROTTLE


def fetch_overview(dl: Any, request: FetchRequest, throttle: Throttle) -> list[OverviewData]:
    tables = request.changes.tables
    view: OverviewView = request.view or OverviewView()
    due = view.due if request.detail else frozenset()
    changed = [name for name, deps in SECTIONS.items()
               if request.reload or (deps & tables) or (name == "sync" and tables) or name in due]
    if not changed:
        return []
    moment = time.monotonic()
    wanted = [name for name in changed if request.reload or name in due or throttle.allows(name, moment)]
    sections = {}
    for name in wanted:
        sections[name] = read_section(dl, name, request.now)
        if name in EXPENSIVE:
            throttle.read_at[name] = moment
    return [OverviewData(request.generation, sections, frozenset(changed) - set(wanted))]
