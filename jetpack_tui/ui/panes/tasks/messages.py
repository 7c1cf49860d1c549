"""Messages the task board's ``fetch`` (worker thread) posts to the pane."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jetpack_tui.data.models import Blockers, Task, TaskEvent

from ...messages import PaneData
from .query import TaskQuery


@dataclass(frozen=True)
class TaskView:
    """The board as the operator sees it (``Pane.view_state``)."""

    query: TaskQuery
    selected: str | None = None
    drawer: bool = True
    count_due: bool = False


class TasksPage(PaneData):
    """A full page read for ``query`` (first paint, filter/sort/page change, reload)."""

    def __init__(self, generation: int, query: TaskQuery, tasks: list[Task], total: int) -> None:
        super().__init__(generation)
        self.query = query
        self.tasks = tasks
        self.total = total


class TasksChanged(PaneData):
    """Changed rows: ``rows`` still match the filter, ``removed`` no longer do
    (or were deleted).  ``total`` is a fresh count, or ``None`` when not re-counted."""

    def __init__(self, generation: int, rows: dict[str, Task], removed: frozenset[str],
                 total: int | None = None) -> None:
        super().__init__(generation)
        self.rows = rows
        self.removed = removed
        self.total = total


@dataclass(frozen=True)
class DepNode:
    depth: int
    id: str
    task: Task | None  # None: the dependency does not exist


@dataclass(frozen=True)
class TaskDetail:
    """Everything the drawer shows about one task; ``None`` parts are unsupported."""

    task: Task
    blockers: Blockers | None = None
    parent: Task | None = None
    children: list[Task] = field(default_factory=list)
    dep_tree: list[DepNode] = field(default_factory=list)
    history: list[TaskEvent] = field(default_factory=list)
    mail: list[Any] | None = None
    reservations: list[Any] | None = None
    notes: list[str] = field(default_factory=list)


class TaskDetailLoaded(PaneData):
    def __init__(self, generation: int, task_id: str, detail: TaskDetail | None, error: str | None = None) -> None:
        super().__init__(generation)
        self.task_id = task_id
        self.detail = detail
        self.error = error
