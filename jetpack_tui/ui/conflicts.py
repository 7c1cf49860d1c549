"""Reservation conflicts, grouped and counted one way on every screen.

``dl.reservations.conflicts()`` gives conflicting *pairs*; three agents
editing one file are three pairs but one problem.  :func:`group_conflicts`
joins pairs into connected groups (labelled C1, C2… by their first path), and
:func:`describe` is the one wording of the count ("3 reservations in 1
conflict group") used by the Overview and the Reservations pane.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


def describe(conflicts: Conflicts) -> str:
    """The count of conflicts as every screen says it."""
    groups = len(conflicts.groups)
    if not groups:
        return "no conflicts"
    members = len(conflicts.members)
    return f"{members:,} reservations in {groups:,} conflict group{'s' if groups != 1 else ''}"
