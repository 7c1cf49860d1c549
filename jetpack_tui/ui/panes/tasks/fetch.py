"""Reads of the task board — run in the refresh worker thread only.

Small, paged reads: one page (``LIMIT page OFFSET o``, or from the end) for
a reload; for a change, ``order_of`` over the page's ids and the changed ids
(ids only, bounded by the page size whatever the table size: SQL says which
changed rows match and where they go) and ``get_many`` of those that match; the selected task's detail when the drawer shows
it.  Totals come from the status counts of the same run when they say it.
No widgets are touched here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jetpack_tui.data.errors import JetpackError
from jetpack_tui.data.models import Task
from jetpack_tui.data.protocol import DataLayer

from ...messages import PaneData
from ..base import FetchRequest
from .messages import DepNode, TaskDetail, TaskDetailLoaded, TasksChanged, TasksPage, TaskView
from .query import TaskQuery

#: More changed task ids than this in one run: re-reading the page is cheaper.
MAX_DELTA = 1000
MAX_TREE = 60
MAX_DEPTH = 4
MAIL_LIMIT = 50
CHILD_LIMIT = 50


def dep_tree(dl: DataLayer, root: Task) -> list[DepNode]:
    """Breadth-first dependencies of ``root`` (bounded), one query per level."""
    nodes: list[DepNode] = []
    seen = {root.id}
    level = [(root, 1)]
    while level and len(nodes) < MAX_TREE:
        wanted = [(dep, depth) for task, depth in level for dep in task.dependencies
                  if depth <= MAX_DEPTH]
        found = dl.tasks.get_many(dep for dep, _ in wanted) if wanted else {}
        next_level = []
        for dep, depth in wanted:
            if len(nodes) >= MAX_TREE:
                break
            task = found.get(dep)
            nodes.append(DepNode(depth, dep, task))
            if task is not None and dep not in seen:
                seen.add(dep)
                next_level.append((task, depth + 1))
        level = next_level
    return nodes


def _noted(notes: list[str], label: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except JetpackError as error:
        notes.append(f"{label}: {error}")
        return None


def fetch_detail(dl: DataLayer, task_id: str) -> TaskDetail | None:
    task = dl.tasks.find(task_id)
    if task is None:
        return None
    notes: list[str] = []
    blockers = dl.tasks.blockers(task_id) if task.status == "pending" else None
    parent = dl.tasks.find(task.parent_id) if task.parent_id else None
    children = dl.tasks.list(parent_id=task_id, order_by="created_at", limit=CHILD_LIMIT)
    mail = _noted(notes, "mail", dl.messages.for_task, task_id, limit=MAIL_LIMIT)
    reservations = _noted(notes, "reservations", dl.reservations.list, active_only=False, task_id=task_id,
                          limit=MAIL_LIMIT)
    return TaskDetail(task=task, blockers=blockers, parent=parent, children=children,
                      dep_tree=dep_tree(dl, task), history=dl.tasks.history(task_id),
                      mail=mail, reservations=reservations, notes=notes)


def _total(dl: DataLayer, query: TaskQuery, request: FetchRequest, count: bool) -> int | None:
    """From the counts read in this run when they say it, else a count when asked."""
    if request.summary is not None:
        derived = query.total_from(request.summary.tasks)
        if derived is not None:
            return derived
    return dl.tasks.count(**query.filter_kwargs()) if count else None


def read_page(dl: DataLayer, query: TaskQuery, page_size: int, total: int) -> tuple[list[Task], int]:
    """One SQL page and the position of its first row.  The last pages are
    read backwards — the same sort with every term reversed (``list`` breaks
    ties by id in the sort's direction), rows reversed back — so going to the
    end costs one page, not an OFFSET over the whole table."""
    kwargs = query.list_kwargs(page_size)
    if not query.from_end:
        return dl.tasks.list(**kwargs), query.offset
    tasks = dl.tasks.list(**{**kwargs, "descending": not query.descending})
    tasks.reverse()
    return tasks, max(0, total - query.offset - len(tasks))


def fetch_tasks(dl: DataLayer, request: FetchRequest) -> Iterable[PaneData]:
    view: TaskView = request.view
    query, gen, changes = view.query, request.generation, request.changes
    changed = changes.ids("tasks")
    out: list[PaneData] = []
    if request.reload or len(changed) > MAX_DELTA:
        if query.from_end:  # the last page is placed from the total
            total = _total(dl, query, request, count=True) or 0
            tasks, offset = read_page(dl, query, request.page_size, total)
        else:
            tasks, offset = read_page(dl, query, request.page_size, 0)
            # with a text the count is one more pass over the table: a short first page is every match
            short = bool(query.text.strip()) and query.offset == 0 and len(tasks) < request.page_size
            total = len(tasks) if short else (_total(dl, query, request, count=True) or 0)
        out.append(TasksPage(gen, query, tasks, total, offset))
    elif changed or view.count_due or request.summary is not None:
        # SQL decides which changed rows match the view and where they go among the page's rows:
        # one read of those ids only (bounded by the page, whatever the table size).
        order, fresh = list(view.page), {}
        if changed:
            order = dl.tasks.order_of((*view.page, *changed), **query.order_kwargs())
            fresh = dl.tasks.get_many(changed.intersection(order))
        total = _total(dl, query, request, count=view.count_due)
        if changed or total is not None:
            out.append(TasksChanged(gen, order, fresh, total))
    related = bool(changes.tables & {"messages", "file_reservations"})
    selected = view.selected
    if selected and view.drawer and (request.reload or request.detail or selected in changed or related):
        try:
            out.append(TaskDetailLoaded(gen, selected, fetch_detail(dl, selected)))
        except JetpackError as error:
            out.append(TaskDetailLoaded(gen, selected, None, str(error)))
    return out
