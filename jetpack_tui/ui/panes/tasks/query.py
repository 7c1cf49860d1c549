"""What the task board shows: quick filter, text, sort, page — as arguments
for ``dl.tasks.list``, ``count`` and ``order_of``.

SQL decides everything about rows: which match, in which order, which ones
a change brings onto the page (``order_of``).  Nothing here re-implements
a filter or the sort in Python.  The board's total comes from the status counts
when the filter is one of them (:meth:`TaskQuery.total_from`), so the board and
the status line never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from jetpack_tui.data.models import OWNED_STATUSES

from ..kit.filters import split_agent

#: Quick filters in the order ``f`` cycles through them; "open" (the
#: default) is what still needs doing: neither completed nor cancelled.
QUICK_FILTERS = ("open", "ready", "blocked", "claimed", "failed", "cancelled", "completed", "all")
FINISHED = ("completed", "cancelled")

#: Sortable columns in the order ``s`` cycles through them (names of ``dl.tasks.SORTABLE``).
SORT_COLUMNS = ("priority", "id", "title", "status", "claimed_by", "required_skills", "dependencies",
                "created_at", "lease_expires_at", "attempts", "updated_at")


@dataclass(frozen=True)
class TaskQuery:
    quick: str = "open"
    text: str = ""
    order_by: str = "priority"
    descending: bool = False
    #: First row shown, counted from the start — or from the end when ``from_end``
    #: (the last pages are read in reverse order: cheap whatever the table size).
    offset: int = 0
    from_end: bool = False

    # -- SQL side -------------------------------------------------------------
    def filter_kwargs(self) -> dict[str, Any]:
        """Arguments shared by ``dl.tasks.list``, ``count`` and ``order_of``."""
        kwargs: dict[str, Any] = {}
        if self.quick == "ready":
            kwargs["ready"] = True
        elif self.quick == "blocked":
            kwargs["ready"] = False
        elif self.quick == "claimed":
            kwargs["status"] = list(OWNED_STATUSES)
        elif self.quick in ("failed", "completed", "cancelled"):
            kwargs["status"] = self.quick
        elif self.quick == "open":
            kwargs["exclude_status"] = FINISHED
        words, agent = split_agent(self.text)
        if words:
            kwargs["text"] = words
        if agent:
            kwargs["claimed_by"] = agent
        return kwargs

    def order_kwargs(self) -> dict[str, Any]:
        return {**self.filter_kwargs(), "order_by": self.order_by, "descending": self.descending}

    def list_kwargs(self, limit: int) -> dict[str, Any]:
        """One SQL page for ``dl.tasks.list`` (``from_end``: the caller reverses the sort)."""
        return {**self.order_kwargs(), "limit": limit, "offset": self.offset}

    def total_from(self, counts: dict[str, int]) -> int | None:
        """The number of matching tasks, from the status counts (``None`` with a text filter)."""
        if self.text.strip():
            return None
        if self.quick in ("ready", "blocked", "failed", "completed", "cancelled"):
            return counts.get(self.quick, 0)
        if self.quick == "claimed":
            return sum(counts.get(s, 0) for s in OWNED_STATUSES)
        raw = {s: n for s, n in counts.items() if s not in ("ready", "blocked")}
        return sum(n for s, n in raw.items() if self.quick == "all" or s not in FINISHED)

    # -- changes --------------------------------------------------------------------
    def with_(self, **changes: Any) -> "TaskQuery":
        """A copy; any change but the page starts again at page one."""
        if set(changes) - {"offset", "from_end"}:
            changes.setdefault("offset", 0)
            changes.setdefault("from_end", False)
        return replace(self, **changes)

    def describe(self) -> str:
        parts = [self.quick]
        if self.text:
            parts.append(f"matching {self.text!r}")
        parts.append(f"by {self.order_by.replace('_', ' ')} {'▼' if self.descending else '▲'}")
        return " · ".join(parts)
