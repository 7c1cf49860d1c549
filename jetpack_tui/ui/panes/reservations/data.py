"""What the Reservations pane shows and how it is read (refresh worker only).

Every change to ``file_reservations`` re-reads the visible list (one SQL
page, filters in SQL) and the swarm's conflicts (``dl.reservations.conflicts``
pairs, grouped here into connected groups: three agents editing one file
are one group, not three pairs).  A change to ``agents`` alone re-reads just
the holders, whose liveness colours the agent column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...messages import PaneData
from ..base import FetchRequest

#: Rows read per refresh (the list is ordered by path; the rest is counted).
ROW_LIMIT = 1000


@dataclass(frozen=True)
class ReservationsView:
    agent: str = ""
    path: str = ""
    show_expired: bool = False
    conflicts_only: bool = False
    selected: str | None = None


@dataclass(frozen=True)
class ConflictGroup:
    """Reservations that conflict with each other, directly or through others."""

    label: str
    ids: tuple[str, ...]
    #: ``(first id, second id, a path both cover)`` for every conflicting pair.
    pairs: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Conflicts:
    groups: tuple[ConflictGroup, ...] = ()
    by_id: dict[str, ConflictGroup] = field(default_factory=dict)
    #: The reservations of every pair (they may be filtered out of the list).
    members: dict[str, Any] = field(default_factory=dict)


class ReservationsLoaded(PaneData):
    """``rows`` (in path order) and ``conflicts`` are ``None`` when unchanged;
    ``holders`` maps agent id -> Agent (or ``None`` when not registered)."""

    def __init__(self, generation: int, *, rows: list[Any] | None, conflicts: Conflicts | None,
                 holders: dict[str, Any], truncated: bool = False) -> None:
        super().__init__(generation)
        self.rows = rows
        self.conflicts = conflicts
        self.holders = holders
        self.truncated = truncated


def group_conflicts(pairs: list[Any]) -> Conflicts:
    """Union-find over conflicting pairs; groups labelled C1, C2… by first path."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    members: dict[str, Any] = {}
    for pair in pairs:
        members[pair.first.id], members[pair.second.id] = pair.first, pair.second
        a, b = root(pair.first.id), root(pair.second.id)
        if a != b:
            parent[max(a, b)] = min(a, b)
    clusters: dict[str, list[str]] = {}
    for rid in members:
        clusters.setdefault(root(rid), []).append(rid)
    ordered = sorted(clusters.values(), key=lambda ids: min((members[i].file_path or "", i) for i in ids))
    groups, by_id = [], {}
    for n, ids in enumerate(ordered, 1):
        inside = set(ids)
        group = ConflictGroup(
            label=f"C{n}", ids=tuple(sorted(ids, key=lambda i: (members[i].file_path or "", i))),
            pairs=tuple((p.first.id, p.second.id, p.path) for p in pairs if p.first.id in inside))
        groups.append(group)
        by_id.update({rid: group for rid in ids})
    return Conflicts(groups=tuple(groups), by_id=by_id, members=members)


def fetch_reservations(dl: Any, request: FetchRequest) -> list[ReservationsLoaded]:
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


def ordered_rows(rows: list[Any], conflicts: Conflicts, view: ReservationsView) -> list[Any]:
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


def _matches(reservation: Any, view: ReservationsView) -> bool:
    """Would the SQL filters of ``view`` keep this (active) reservation?"""
    if view.agent.strip() and reservation.agent_id != view.agent.strip():
        return False
    return not view.path or view.path in (reservation.file_path or "")
