"""Columns of the task board and how one task becomes a row of cells.

Every cell is a :class:`rich.text.Text` made by :mod:`jetpack_tui.ui.safe_text`
(database text is shown literally).  Flagged rows (``Task.problems``) get a
``⚑`` marker in the id cell and show the raw stored value where parsing failed.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from jetpack_tui.data.models import Task

from ...safe_text import cell, clean
from ...timefmt import ago, left
from ..kit.columns import Col
from ..kit.keyed_table import KeyText, key_cell

FLAG = "⚑ "


COLUMNS: tuple[Col, ...] = (
    Col("id", "id", auto=True, cap=64),
    Col("title", "title", 40, grow=True),
    Col("status", "status", auto=True, cap=19, least=11),
    Col("priority", "prio", 8),
    Col("claimed_by", "claimed by", auto=True, cap=24, drop=2),
    Col("lease", "lease", 11, drop=3),
    Col("deps", "deps", auto=True, cap=32, drop=5),
    Col("skills", "skills", auto=True, cap=24, drop=4),
    Col("age", "age", 4, drop=6),
    Col("attempts", "tries", 5, drop=7),
)
#: Column key -> the name ``dl.tasks.list(order_by=...)`` sorts it by.
SORT_OF = {"id": "id", "title": "title", "status": "status", "priority": "priority", "claimed_by": "claimed_by",
           "skills": "required_skills", "deps": "dependencies", "age": "created_at",
           "lease": "lease_expires_at", "attempts": "attempts"}


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


def state_cell(task: Task, palette: Callable[[str], str] | None = None, stuck: str | None = None) -> Text:
    """``ready``, ``blocked``, a status — or ``ready ⚠ cycle``: a pending task
    that can never run, with its reason in a word (:mod:`.stuck_marks`)."""
    state = task.state
    if stuck and task.status == "pending":
        return cell(f"{state} ⚠ {stuck}", style=_styled("bold", "warn", palette))
    return cell(state, style=_styled(_STATE_STYLE.get(state, "bold underline"), _STATE_MEANING.get(state), palette))


def row_cells(task: Task, now: float, palette: Callable[[str], str] | None = None,
              stuck: str | None = None) -> tuple[Text, ...]:
    """The cells of one task, in :data:`COLUMNS` order (``palette``: theme
    colours; ``stuck``: why it can never run, in a word)."""
    created = task.raw.get("created_at")
    age = cell(created, limit=20, style="italic") if created is not None else cell(ago(task.created_at, now))
    lease = cell(left(task.lease_expires_at, now)) if task.owned else cell("")
    return (
        id_cell(task),
        cell(task.title),
        state_cell(task, palette, stuck),
        cell(task.priority, style=_styled(_PRIORITY_STYLE.get(task.priority, ""),
                                          _PRIORITY_MEANING.get(task.priority), palette)),
        cell(task.claimed_by or ""),
        lease,
        _list_cell(task, "dependencies"),
        _list_cell(task, "required_skills"),
        age,
        cell(f"{task.attempts}/{task.max_attempts}"),
    )

