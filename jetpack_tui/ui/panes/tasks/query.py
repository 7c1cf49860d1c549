"""What the task board shows: quick filter, text, sort, page — as SQL
arguments for ``dl.tasks.list``/``count`` and as a Python predicate/sort key.

The predicate and sort key mirror the SQL so a row that changed can be
placed in (or dropped from) the visible page without re-reading the page.
They follow the DataLayer's rules: ``instr(lower(...))`` lowers ASCII only,
NULLs sort first ascending, ties broken by ``created_at`` then ``id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from jetpack_tui.data.models import OWNED_STATUSES, PRIORITIES, Task

#: Quick filters in the order ``f`` cycles through them.
QUICK_FILTERS = ("all", "ready", "blocked", "claimed", "failed", "completed")

#: Sortable columns in the order ``s`` cycles through them (names of ``dl.tasks.SORTABLE``).
SORT_COLUMNS = ("priority", "id", "title", "status", "claimed_by", "required_skills", "dependencies",
                "created_at", "lease_expires_at", "attempts", "updated_at")

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def _rank(priority: str) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)


def _field(task: Task, name: str) -> Any:
    if name == "priority":
        return _rank(task.priority)
    if name in ("required_skills", "dependencies"):
        raw = task.raw.get(name)
        if raw is not None:
            return raw
        return json.dumps(getattr(task, name), ensure_ascii=False, separators=(",", ":"))
    return getattr(task, name)


def _nullable(value: Any) -> tuple[int, Any]:
    """SQLite order: NULL < numbers < text."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


@dataclass(frozen=True)
class TaskQuery:
    quick: str = "all"
    text: str = ""
    order_by: str = "priority"
    descending: bool = False
    show_completed: bool = False
    offset: int = 0

    # -- SQL side -------------------------------------------------------------
    def filter_kwargs(self) -> dict[str, Any]:
        """Arguments shared by ``dl.tasks.list`` and ``dl.tasks.count``."""
        kwargs: dict[str, Any] = {}
        if self.quick == "ready":
            kwargs["ready"] = True
        elif self.quick == "blocked":
            kwargs["ready"] = False
        elif self.quick == "claimed":
            kwargs["status"] = list(OWNED_STATUSES)
        elif self.quick in ("failed", "completed"):
            kwargs["status"] = self.quick
        elif not self.show_completed:
            kwargs["exclude_status"] = ("completed",)
        if self.text:
            kwargs["text"] = self.text
        return kwargs

    def list_kwargs(self, limit: int) -> dict[str, Any]:
        return {**self.filter_kwargs(), "order_by": self.order_by, "descending": self.descending,
                "limit": limit, "offset": self.offset}

    # -- Python side ------------------------------------------------------------
    def matches(self, task: Task) -> bool:
        quick = self.quick
        if quick == "ready" and not (task.status == "pending" and task.ready is True):
            return False
        if quick == "blocked" and not (task.status == "pending" and task.ready is False):
            return False
        if quick == "claimed" and task.status not in OWNED_STATUSES:
            return False
        if quick in ("failed", "completed") and task.status != quick:
            return False
        if quick == "all" and not self.show_completed and task.status == "completed":
            return False
        if self.text:
            needle = ascii_lower(self.text)
            haystacks = (task.title or "", task.id or "", task.claimed_by or "")
            if not any(needle in ascii_lower(h) for h in haystacks):
                return False
        return True

    def sort_key(self, task: Task) -> tuple:
        """Key for ``sorted(..., reverse=descending)`` after a stable sort by id."""
        return (_nullable(_field(task, self.order_by)), _nullable(task.created_at))

    def order(self, tasks: list[Task]) -> list[Task]:
        ordered = sorted(tasks, key=lambda t: t.id)
        return sorted(ordered, key=self.sort_key, reverse=self.descending)

    # -- changes --------------------------------------------------------------------
    def with_(self, **changes: Any) -> "TaskQuery":
        """A copy; any change other than ``offset`` starts again at page one."""
        if set(changes) - {"offset"}:
            changes.setdefault("offset", 0)
        return replace(self, **changes)

    def describe(self) -> str:
        parts = [self.quick if self.quick != "all" else ("all" if self.show_completed else "open")]
        if self.text:
            parts.append(f"matching {self.text!r}")
        parts.append(f"by {self.order_by.replace('_', ' ')} {'▼' if self.descending else '▲'}")
        return " · ".join(parts)
