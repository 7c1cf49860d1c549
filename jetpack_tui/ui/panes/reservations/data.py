"""What the Reservations pane shows and how it is read (refresh worker only).

Every change to ``file_reservations`` re-reads the visible list (one SQL
page, filters in SQL) and the swarm's conflicts (``dl.reservations.conflicts``
pairs, grouped here into connected groups: three agents editing one file
are one group, not three pairs).  A change to ``agents`` alone re-reads just
the holders, whose liveness colours the agent column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jetpack_tui.data.protocol import DataLayer

from jetpack_tui.data.reservation_models import Reservation

from ...conflicts import Conflicts, group_conflicts
from ...messages import PaneData
from ..base import FetchRequest

#: Rows read per refresh (the list is ordered by path; the rest is counted).
ROW_LIMIT = 1000


#: Quick filters (``f``): the active ones, only those in conflict, all (expired and released too).
QUICK_FILTERS = ("active", "conflicts", "all")


@dataclass(frozen=True)
class ReservationsView:
    agent: str = ""
    path: str = ""
    quick: str = "active"
    selected: str | None = None

    @property
    def show_expired(self) -> bool:
        return self.quick == "all"

    @property
    def conflicts_only(self) -> bool:
        return self.quick == "conflicts"


class ReservationsLoaded(PaneData):
    """``rows`` (in path order) and ``conflicts`` are ``None`` when unchanged;
    ``holders`` maps agent id -> Agent (or ``None`` when not registered)."""

    def __init__(self, generation: int, *, rows: list[Reservation] | None, conflicts: Conflicts | None,
                 holders: dict[str, Any], truncated: bool = False) -> None:
        super().__init__(generation)
        self.rows = rows
        self.conflicts = conflicts
        self.holders = holders
        self.truncated = truncated


def fetch_reservations(dl: DataLayer, request: FetchRequest) -> list[ReservationsLoaded]:
    view: ReservationsView = request.view
    changes = request.changes
    if not (request.reload or "file_reservations" in changes.tables):
        holders = changes.ids("agents")
        if not holders:
            return []
        found = dl.agents.get_many(holders)
        return [ReservationsLoaded(request.generation, rows=None, conflicts=None,
                                   holders={a: found.get(a) for a in holders})]
    rows = dl.reservations.list(active_only=not view.show_expired, agent_id=view.agent.strip() or None,
                                path_contains=view.path or None, limit=ROW_LIMIT)
    conflicts = group_conflicts(dl.reservations.conflicts())
    holder_ids = {r.agent_id for r in rows if r.agent_id} | {r.agent_id for r in conflicts.members.values()
                                                            if r.agent_id}
    found = dl.agents.get_many(holder_ids) if holder_ids else {}
    return [ReservationsLoaded(request.generation, rows=rows, conflicts=conflicts,
                               holders={a: found.get(a) for a in holder_ids}, truncated=len(rows) >= ROW_LIMIT)]


def ordered_rows(rows: list[Reservation], conflicts: Conflicts, view: ReservationsView) -> list[Reservation]:
    """Conflict groups first (each group together), then the rest in path order."""
    by_id = {r.id: r for r in rows}
    grouped = []
    for group in conflicts.groups:
        for rid in group.ids:
            member = conflicts.members[rid]
            if rid in by_id or _matches(member, view):
                grouped.append(by_id.get(rid, member))
    if view.conflicts_only:
        return grouped
    in_groups = {r.id for r in grouped}
    return grouped + [r for r in rows if r.id not in in_groups]


def _matches(reservation: Reservation, view: ReservationsView) -> bool:
    """Would the SQL filters of ``view`` keep this (active) reservation?"""
    if view.agent.strip() and reservation.agent_id != view.agent.strip():
        return False
    return not view.path or view.path in (reservation.file_path or "")
