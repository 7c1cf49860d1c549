"""Columns of the task board and how one task becomes a row of cells.

Every cell is a :class:`rich.text.Text` made by :mod:`jetpack_tui.ui.safe_text`
(database text is shown literally).  Flagged rows (``Task.problems``) get a
``⚑`` marker in the id cell and show the raw stored value where parsing failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text

from jetpack_tui.data.models import Task

from ...safe_text import cell, clean
from ...timefmt import ago, left
from ..kit.keyed_table import KeyText, key_cell

FLAG = "⚑ "


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None  # name accepted by dl.tasks.list(order_by=...)
    width: int | None = None


COLUMNS: tuple[Column, ...] = (
    Column("id", "id", "id", 10),
    Column("title", "title", "title", 22),
    Column("status", "status", "status", 11),
    Column("priority", "prio", "priority", 8),
    Column("claimed_by", "claimed by", "claimed_by", 10),
    Column("skills", "skills", "required_skills", 9),
    Column("deps", "deps", "dependencies", 9),
    Column("age", "age", "created_at", 4),
    Column("lease", "lease", "lease_expires_at", 8),
    Column("attempts", "tries", "attempts", 5),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
COLUMN_BY_SORT = {c.sort: c for c in COLUMNS if c.sort}


_STATE_STYLE = {
    "ready": "bold", "blocked": "dim", "claimed": "italic", "in_progress": "bold italic",
    "failed": "bold", "cancelled": "dim strike", "completed": "dim",
}
_PRIORITY_STYLE = {"critical": "bold", "high": "bold", "low": "dim"}
#: Cells that also get a theme colour (kit.palette meanings), never reverse
#: video: a reversed cell on the selected row reads as a second cursor.
_STATE_MEANING = {"failed": "bad", "ready": "ok"}
_PRIORITY_MEANING = {"critical": "bad", "high": "warn"}


def _styled(base: str, meaning: str | None, palette: Callable[[str], str] | None) -> str:
    colour = palette(meaning) if palette is not None and meaning else ""
    return " ".join(part for part in (base, colour) if part)


def _list_cell(task: Task, name: str) -> Text:
    raw = task.raw.get(name)
    if raw is not None:
        return cell(raw, limit=60, style="italic")
    return cell(", ".join(getattr(task, name)), limit=60)


def id_cell(task: Task) -> KeyText:
    label = (FLAG if task.problems else "") + clean(task.id)
    return key_cell(task.id, label, style="bold" if task.problems else "")


def row_cells(task: Task, now: float, palette: Callable[[str], str] | None = None) -> tuple[Text, ...]:
    """The cells of one task, in :data:`COLUMNS` order (``palette``: theme colours)."""
    created = task.raw.get("created_at")
    age = cell(created, limit=20, style="italic") if created is not None else cell(ago(task.created_at, now))
    lease = cell(left(task.lease_expires_at, now)) if task.owned else cell("")
    state = task.state
    return (
        id_cell(task),
        cell(task.title),
        cell(state, style=_styled(_STATE_STYLE.get(state, "bold underline"), _STATE_MEANING.get(state), palette)),
        cell(task.priority, style=_styled(_PRIORITY_STYLE.get(task.priority, ""),
                                          _PRIORITY_MEANING.get(task.priority), palette)),
        cell(task.claimed_by or ""),
        _list_cell(task, "required_skills"),
        _list_cell(task, "dependencies"),
        age,
        lease,
        cell(f"{task.attempts}/{task.max_attempts}"),
    )


#: Cells that change with time alone (re-rendered every second).
TIME_COLUMNS = ("age", "lease")
