"""``get_task_context``: the bundle an agent reads before starting a task.

One call gathers what would otherwise take an agent a dozen: the task, the
chain of parents above it (the bigger goal), its dependencies with their
results (the work it builds on), the mail about it, the memories written for
it and the memories most relevant to its title and description.  The rows
are read in one read so they are consistent with each other; related
memories are searched afterwards (the embedder may be a network call, which
must not run while the connection's lock is held).

The mail comes as :class:`~.mail_models.Message`, read with the same SQL and
decoder as ``dl.messages.for_task`` (broken rows flagged, never raised).  The
related-memory search is handed in as a function, so this module knows
nothing of ``dl.memories`` (which offers it as ``get_task_context``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .backend import Engine, Tx
from .embedders import EmbedderError
from .errors import NotFoundError
from .jsonvalues import dump_json
from .mail_models import Message, message_from_row, message_page_sql
from .memory_models import MEMORY_SELECT, Memory, MemoryHit, memory_from_row
from .models import Task
from .task_rows import TASK_SELECT, task_from_row

#: Newest messages of a task included (older ones are for the mail view).
MESSAGE_LIMIT = 200
#: Parent links followed at most (a longer chain is almost surely a loop).
MAX_PARENT_DEPTH = 32
#: ``search(text, k, embed)``: the ``k`` memories most relevant to ``text``;
#: ``embed=False`` ranks by keywords only (when the embedder is down).
RelatedSearch = Callable[[str, int, bool], list[MemoryHit]]
_TASK_MESSAGES_SQL = message_page_sql(" WHERE m.task_id = ?", True)


@dataclass(frozen=True)
class TaskContext:
    task: Task
    #: Parent, grandparent, … (nearest first).
    parents: list[Task]
    #: Dependencies in the task's order, each with its status and ``result``.
    dependencies: list[Task]
    #: Dependency ids with no task row.
    missing_dependencies: list[str]
    #: The newest :data:`MESSAGE_LIMIT` messages whose ``task_id`` is the task, oldest first.
    messages: list[Message]
    #: Memories written for this task, most important first.
    task_memories: list[Memory]
    #: Other memories most relevant to the task's title and description.
    related_memories: list[MemoryHit]
    problems: tuple[str, ...] = ()

    @property
    def memories(self) -> list[Memory]:
        """Task memories, then related ones (no duplicates)."""
        seen = {m.id for m in self.task_memories}
        return self.task_memories + [h.memory for h in self.related_memories if h.memory.id not in seen]


def _read(tx: Tx, task_id: str, k: int) -> tuple[Task, list[Task], list[Task], list[str], list[Message],
                                                    list[Memory], list[str]]:
    row = tx.row(TASK_SELECT + " WHERE t.id = ?", (task_id,))
    if row is None:
        raise NotFoundError(f"no task {task_id!r}")
    task = task_from_row(row)
    problems: list[str] = []

    parents: list[Task] = []
    seen = {task.id}
    parent_id = task.parent_id
    while parent_id:
        if parent_id in seen:
            problems.append(f"parent chain loops back to {parent_id}")
            break
        if len(parents) >= MAX_PARENT_DEPTH:
            problems.append(f"parent chain longer than {MAX_PARENT_DEPTH}; cut")
            break
        found = tx.row(TASK_SELECT + " WHERE t.id = ?", (parent_id,))
        if found is None:
            problems.append(f"parent {parent_id} does not exist")
            break
        parent = task_from_row(found)
        parents.append(parent)
        seen.add(parent.id)
        parent_id = parent.parent_id

    dependencies: list[Task] = []
    missing: list[str] = []
    if task.dependencies:
        rows = tx.rows(TASK_SELECT + " WHERE t.id IN (SELECT value FROM json_each(?))",
                       (dump_json(task.dependencies, what="dependencies"),))
        by_id = {t.id: t for t in map(task_from_row, rows)}
        for dep in task.dependencies:
            (dependencies.append(by_id[dep]) if dep in by_id else missing.append(dep))

    messages = [message_from_row(r) for r in reversed(tx.rows(_TASK_MESSAGES_SQL, (task_id, MESSAGE_LIMIT, 0)))]

    memory_rows = tx.rows(
        MEMORY_SELECT + " WHERE m.task_id = ? ORDER BY CASE WHEN typeof(m.importance) IN ('integer', 'real')"
        " THEN m.importance ELSE -1 END DESC, m.created_at DESC LIMIT ?", (task_id, k))
    return task, parents, dependencies, missing, messages, [memory_from_row(r) for r in memory_rows], problems


def get_task_context(engine: Engine, search: RelatedSearch, task_id: str, *, k: int = 10) -> TaskContext:
    """The task, its parents, dependencies + results, mail and relevant memories."""
    task, parents, dependencies, missing, messages, own, problems = engine.read(lambda tx: _read(tx, task_id, k))
    query = " ".join(part for part in (task.title, task.description) if part)
    related: list[MemoryHit] = []
    if query.strip():
        try:
            related = search(query, k + len(own), True)
        except EmbedderError as error:
            problems.append(f"related memories by keywords only: {error}")
            related = search(query, k + len(own), False)
    own_ids = {m.id for m in own}
    related = [hit for hit in related if hit.memory.id not in own_ids][:k]
    return TaskContext(task=task, parents=parents, dependencies=dependencies, missing_dependencies=missing,
                       messages=messages, task_memories=own, related_memories=related,
                       problems=tuple(problems))
