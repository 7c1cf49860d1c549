"""What the Overview reads (refresh worker thread only).

Each section is re-read only when one of its tables changed (or on a
reload); the pane merges sections.  Figures that move with time alone —
liveness, expired claims and leases, completions per hour — are kept as raw
timestamps and recomputed on the UI thread every second (:mod:`.figures`),
so they stay true between database changes.

Completions per hour have no DataLayer method yet: they are read as pages
of ``dl.tasks.list(status="completed", order_by="updated_at")`` back to
:data:`HOURS` ago, capped at :data:`MAX_ROWS` rows (then shown as "≥").

The sections that read many rows (:data:`EXPENSIVE`: ~0.9 s together at
100k tasks) are re-read at most every :data:`THROTTLE` seconds while
changes stream in; one skipped is reported back (``skipped``) and the pane
asks for it once the interval has passed, so the figure is never left stale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from jetpack_tui.data.models import OWNED_STATUSES

from ...messages import PaneData
from ..base import FetchRequest

HOURS = 12
PAGE = 500
MAX_ROWS = 5000
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


def read_completions(dl: Any, now: float) -> tuple[tuple[float, ...], bool]:
    """``updated_at`` of tasks completed in the last :data:`HOURS` hours (newest first)."""
    since = now - HOURS * 3600
    found: list[float] = []
    offset = 0
    while offset < MAX_ROWS:
        page = dl.tasks.list(status="completed", order_by="updated_at", descending=True, limit=PAGE, offset=offset)
        for task in page:
            if task.updated_at is None or task.updated_at < since:
                return tuple(found), False
            found.append(task.updated_at)
        if len(page) < PAGE:
            return tuple(found), False
        offset += PAGE
    return tuple(found), True


def read_section(dl: Any, name: str, now: float) -> Any:
    if name == "tasks":
        return dict(dl.tasks.counts_by_status())
    if name == "completions":
        return read_completions(dl, now)
    if name == "claims":
        owned = dl.tasks.list(status=list(OWNED_STATUSES), order_by="lease_expires_at", limit=MAX_ROWS)
        return tuple(t.lease_expires_at for t in owned), len(owned) >= MAX_ROWS
    if name == "agents":
        return tuple(a.last_heartbeat for a in dl.agents.list())
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
