"""The task board as it was at a moment (time travel) — refresh worker only.

Which tasks existed then and each one's status and owner come from the
audit log (:class:`~jetpack_tui.ui.timetravel.PastStates`, one rebuild per
moment); the rest of a row (title, priority, skills, dependencies) is read
as it is now, since the log does not record it.  Fields that only make sense
at their own time (lease, claim time, attempts) are left empty rather than
shown with today's values.  A task whose status at the moment cannot be
known is shown as ``unknown``, one whose history was inferred is flagged,
and the drawer says so.

The quick filter applies to the status then (a Python pass over the rebuilt
state); words and the sort are SQL's, through ``order_of`` over the matching
ids — bounded: beyond :data:`SORT_LIMIT` matching tasks the board is sorted
by id (the header says so) and words are matched a chunk at a time.
"""

from __future__ import annotations

from dataclasses import replace

from jetpack_tui.data.models import OWNED_STATUSES, Task
from jetpack_tui.data.protocol import DataLayer

from ...messages import PaneData
from ...timetravel import PastStates, stamp
from ..base import FetchRequest
from ..kit.filters import split_agent
from .fetch import dep_tree
from .messages import TaskDetail, TaskDetailLoaded, TasksPage, TaskView
from .query import FINISHED, TaskQuery

#: Most matching tasks sorted by SQL; more are sorted by id.
SORT_LIMIT = 5_000
#: Ids per ``order_of`` call when matching words over many tasks.
CHUNK = 2_000
BASIS_NOTE = {
    "inferred": "status inferred from its first recorded event (its earlier history is not in the log)",
    "unrecorded": "no audit history: shown as it is now",
    "unknown": "status unknown: the moment is before the audit log",
}


def _wanted(state_name: str, status: str | None, quick: str) -> bool:
    """Does a task in ``state_name`` (ready / blocked / a status) pass ``quick``?"""
    if quick == "all":
        return True
    if quick == "open":
        return status not in FINISHED
    if quick == "claimed":
        return status in OWNED_STATUSES
    return state_name == quick


def matching(dl: DataLayer, state, query: TaskQuery) -> tuple[list[str], str]:
    """The ids shown for ``query`` at the state's moment, in order, and the sort used."""
    words, agent = split_agent(query.text)
    ids = [t.id for t in state if _wanted(t.state, t.status, query.quick)
           and (not agent or (t.owner or "").lower() == agent.lower())]
    if len(ids) <= SORT_LIMIT:
        ordered = dl.tasks.order_of(ids, text=words or None, order_by=query.order_by, descending=query.descending)
        if not words:  # tasks that existed then but are gone now keep their place at the end
            known = set(ordered)
            ordered += [task_id for task_id in ids if task_id not in known]
        return ordered, query.order_by
    ids.sort(reverse=query.descending)
    if words:
        kept: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            kept.update(dl.tasks.order_of(ids[start:start + CHUNK], text=words, order_by="id"))
        ids = [task_id for task_id in ids if task_id in kept]
    return ids, "id"


def as_then(task: Task | None, then, moment: float) -> Task:
    """The row as it was: status, owner and readiness then; today's lease,
    claim time and counters left out."""
    status = then.status or "unknown"
    ready = then.ready if status == "pending" else None
    note = BASIS_NOTE.get(then.basis)
    if task is None:
        return Task(id=then.id, title="(this task no longer exists)", status=status, priority="?",
                    required_skills=[], dependencies=[], claimed_by=then.owner, ready=ready,
                    problems=(note,) if note else ())
    created = task.created_at if task.created_at is None or task.created_at <= moment else None
    return replace(task, status=status, claimed_by=then.owner, ready=ready, session_id=None, updated_at=None,
                   claimed_at=None, lease_expires_at=None, available_at=None, created_at=created, attempts=0,
                   claim_token=0, version=0, last_actor=None, last_action=None, last_error=None, result=None,
                   problems=task.problems + ((note,) if note else ()))


def _page(ordered: list[str], query: TaskQuery, page_size: int) -> tuple[list[str], int]:
    total = len(ordered)
    if query.from_end:
        first = max(0, total - query.offset - page_size)
        return ordered[first:total - query.offset], first
    return ordered[query.offset:query.offset + page_size], query.offset


def detail_then(dl: DataLayer, state, task: Task, moment: float) -> TaskDetail:
    """The drawer at a moment: the row then, its dependencies' states then,
    and its audit events up to then."""
    history = [e for e in dl.tasks.history(task.id) if e.at is not None and e.at <= moment]
    parent = dl.tasks.find(task.parent_id) if task.parent_id else None
    tree = []
    for node in dep_tree(dl, task):
        then = state.get(node.id)
        tree.append(replace(node, task=as_then(node.task, then, moment) if then is not None else None))
    note = (f"As it was at {stamp(moment)}: status and owner from the audit log; title, priority, skills and "
            "dependencies as they are now (the log does not record them); lease and counters not shown; a "
            "dependency that did not exist then shows as missing.")
    return TaskDetail(task=task, parent=parent, dep_tree=tree, history=history, notes=[note])


def fetch_past(dl: DataLayer, states: PastStates, request: FetchRequest) -> list[PaneData]:
    """Messages for the board at ``request.view.moment`` (the past never
    changes: only a reload or a detail request reads)."""
    view: TaskView = request.view
    moment = view.moment
    if moment is None or not (request.reload or request.detail):
        return []
    state = states.state(moment)
    out: list[PaneData] = []
    shown: dict[str, Task] = {}
    if request.reload:
        ordered, sorted_by = matching(dl, state, view.query)
        ids, offset = _page(ordered, view.query, request.page_size)
        rows = dl.tasks.get_many(ids)
        shown = {task_id: as_then(rows.get(task_id), state.get(task_id), moment) for task_id in ids
                 if state.get(task_id) is not None}
        out.append(TasksPage(request.generation, view.query, list(shown.values()), len(ordered), offset,
                             sorted_by=sorted_by))
    selected = view.selected
    if selected and view.drawer:
        then = state.get(selected)
        task = shown.get(selected)
        if task is None and then is not None:
            task = as_then(dl.tasks.find(selected), then, moment)
        detail = detail_then(dl, state, task, moment) if task is not None else None
        out.append(TaskDetailLoaded(request.generation, selected, detail,
                                    None if detail else f"did not exist at {stamp(moment)}"))
    return out
