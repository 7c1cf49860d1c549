"""Messages the task board's ``fetch`` (worker thread) posts to the pane."""

from __future__ import annotations

from dataclasses import dataclass, field

from jetpack_tui.data.mail_models import Message
from jetpack_tui.data.models import Blockers, Task, TaskEvent
from jetpack_tui.data.reservation_models import Reservation

from ...messages import PaneData
from .query import TaskQuery


@dataclass(frozen=True)
class TaskView:
    """The board as the operator sees it (``Pane.view_state``)."""

    query: TaskQuery
    selected: str | None = None
    drawer: bool = True
    #: The ids on the page, in order: a change is placed among them by SQL.
    page: tuple[str, ...] = ()
    #: The page is full and more rows follow it (a new row may sort past it).
    more_after: bool = False
    #: A text filter's count is older than the rows shown: count again.
    count_due: bool = False
    #: The past moment shown (time travel), ``None`` when live.
    moment: float | None = None


class TasksPage(PaneData):
    """A full page read for ``query`` (first paint, filter/sort/page change, reload).
    ``offset`` is the first row's position counted from the start."""

    def __init__(self, generation: int, query: TaskQuery, tasks: list[Task], total: int, offset: int,
                 *, sorted_by: str | None = None) -> None:
        super().__init__(generation)
        self.query = query
        self.tasks = tasks
        self.total = total
        self.offset = offset
        #: The sort actually used (the past board sorts many tasks by id).
        self.sorted_by = sorted_by or query.order_by


class TasksChanged(PaneData):
    """Changed rows placed by SQL: ``order`` is the page's ids plus the changed
    ids that match the view, in SQL order; ``rows`` the changed tasks among them.
    Page rows missing from ``order`` no longer match (or are gone).  ``total`` is
    a fresh count, or ``None`` when not re-counted in this run."""

    def __init__(self, generation: int, order: list[str], rows: dict[str, Task], total: int | None = None) -> None:
        super().__init__(generation)
        self.order = order
        self.rows = rows
        self.total = total


@dataclass(frozen=True)
class DepNode:
    depth: int
    id: str
    task: Task | None  # None: the dependency does not exist


@dataclass(frozen=True)
class TaskDetail:
    """Everything the drawer shows about one task; ``None`` parts could not be read (see ``notes``)."""

    task: Task
    blockers: Blockers | None = None
    parent: Task | None = None
    children: list[Task] = field(default_factory=list)
    dep_tree: list[DepNode] = field(default_factory=list)
    history: list[TaskEvent] = field(default_factory=list)
    mail: list[Message] | None = None
    reservations: list[Reservation] | None = None
    notes: list[str] = field(default_factory=list)


class TaskDetailLoaded(PaneData):
    def __init__(self, generation: int, task_id: str, detail: TaskDetail | None, error: str | None = None) -> None:
        super().__init__(generation)
        self.task_id = task_id
        self.detail = detail
        self.error = error
