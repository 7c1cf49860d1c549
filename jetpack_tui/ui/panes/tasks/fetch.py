"""Reads of the task board — run in the refresh worker thread only.

Small, paged reads: one page (``LIMIT page OFFSET o``) plus a count for a
reload; only the changed ids (``get_many``) for a change; the selected task's
detail when the drawer shows it.  No widgets are touched here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jetpack_tui.data.errors import JetpackError

from ..base import FetchRequest
from .messages import DepNode, TaskDetail, TaskDetailLoaded, TasksChanged, TasksPage, TaskView

#: More changed task ids than this in one run: re-reading the page is cheaper.
MAX_DELTA = 1000
MAX_TREE = 60
MAX_DEPTH = 4
MAIL_LIMIT = 50
CHILD_LIMIT = 50


def _dep_tree(dl: Any, root: Any) -> list[DepNode]:
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


def _optional(notes: list[str], label: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    if not callable(fn):
        notes.append(f"{label}: not available in this DataLayer yet")
        return None
    try:
        return fn(*args, **kwargs)
    except JetpackError as error:
        notes.append(f"{label}: {error}")
        return None


def fetch_detail(dl: Any, task_id: str) -> TaskDetail | None:
    task = dl.tasks.find(task_id)
    if task is None:
        return None
    notes: list[str] = []
    blockers = dl.tasks.blockers(task_id) if task.status == "pending" else None
    parent = dl.tasks.find(task.parent_id) if task.parent_id else None
    children = dl.tasks.list(parent_id=task_id, order_by="created_at", limit=CHILD_LIMIT)
    mail = _optional(notes, "mail", getattr(dl.messages, "for_task", None), task_id, limit=MAIL_LIMIT)
    reservations = _optional(notes, "reservations", getattr(dl.reservations, "list", None),
                             active_only=False, task_id=task_id, limit=MAIL_LIMIT)
    return TaskDetail(task=task, blockers=blockers, parent=parent, children=children,
                      dep_tree=_dep_tree(dl, task), history=dl.tasks.history(task_id),
                      mail=mail, reservations=reservations, notes=notes)


def fetch_tasks(dl: Any, request: FetchRequest) -> Iterable[Any]:
    view: TaskView = request.view
    query = view.query
    gen = request.generation
    changes = request.changes
    changed = changes.ids("tasks")
    out: list[Any] = []
    if request.reload or len(changed) > MAX_DELTA:
        tasks = dl.tasks.list(**query.list_kwargs(request.page_size))
        out.append(TasksPage(gen, query, tasks, dl.tasks.count(**query.filter_kwargs())))
    elif changed or view.count_due:
        deleted = changes.deleted("tasks")
        found = dl.tasks.get_many(changed - deleted) if changed else {}
        rows = {task_id: task for task_id, task in found.items() if query.matches(task)}
        total = dl.tasks.count(**query.filter_kwargs()) if view.count_due else None
        out.append(TasksChanged(gen, rows, frozenset(changed - rows.keys()), total))
    related = bool(changes.tables & {"messages", "file_reservations"})
    selected = view.selected
    if selected and view.drawer and (request.reload or request.detail or selected in changed or related):
        try:
            out.append(TaskDetailLoaded(gen, selected, fetch_detail(dl, selected)))
        except JetpackError as error:
            out.append(TaskDetailLoaded(gen, selected, None, str(error)))
    return out
