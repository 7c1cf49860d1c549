"""``dl.tasks``: the task queue, as the seed design names it.

One object for callers (``dl.tasks.create``, ``.claim``, ``.release`` …) made
of parts with one job each, composed rather than mixed in:

* :class:`~.task_reads.TaskReads` — reads, pages, counts, history, blockers;
* :class:`~.task_lifecycle.TaskLifecycle` — claim, start, renew, complete, fail;
* :class:`~.task_operator.TaskOperatorActions` — the operator's guarded actions;
* this module — creating tasks and editing their descriptive fields.

Each public method of a part is reachable on ``dl.tasks`` under its own
name (:class:`_Part` forwards to the bound method, so signatures and
docstrings are the part's own).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import clock
from .backend import Tx
from .context import StoreContext
from .errors import ConflictError, InvalidInputError
from .ids import new_id
from .jsonvalues import dump_json
from .models import Task
from .task_inputs import (
    check_parent, dependencies_json, nobody_depends_on, skills_json, validate_max_attempts, validate_priority,
    validate_title, would_cycle,
)
from .task_lifecycle import TaskLifecycle
from .task_operator import TaskOperatorActions
from .task_reads import SORTABLE, TaskReads, current
from .task_rows import rank_of

__all__ = ["SORTABLE", "Tasks", "UPDATABLE"]

UPDATABLE = ("title", "description", "priority", "required_skills", "dependencies",
             "parent_id", "max_attempts", "result")


class _Part:
    """``dl.tasks.<name>`` is ``dl.tasks.<part>.<name>``."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(getattr(obj, self.part), self.name)


class Tasks:
    """The task queue of one DataLayer."""

    # reads
    get = _Part("reads")
    find = _Part("reads")
    get_many = _Part("reads")
    list = _Part("reads")
    count = _Part("reads")
    counts_by_status = _Part("reads")
    completions_per_hour = _Part("reads")
    count_expired_claims = _Part("reads")
    children = _Part("reads")
    history = _Part("reads")
    blockers = _Part("reads")
    # the life of a claim
    claim = _Part("lifecycle")
    start = _Part("lifecycle")
    renew = _Part("lifecycle")
    complete = _Part("lifecycle")
    fail = _Part("lifecycle")
    reclaim_expired = _Part("lifecycle")
    # the operator's actions (each takes the version the operator saw)
    release = _Part("operator")
    reassign = _Part("operator")
    retry = _Part("operator")
    cancel = _Part("operator")
    set_priority = _Part("operator")
    claim_for = _Part("operator")

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine
        self.reads = TaskReads(ctx.engine)
        self.lifecycle = TaskLifecycle(ctx)
        self.operator = TaskOperatorActions(ctx, self.lifecycle)

    def heartbeat(self, task_id: str, agent_id: str, token: int, *, ttl: float | None = None) -> Task:
        """Same as :meth:`renew` (the seed's name for it)."""
        return self.lifecycle.renew(task_id, agent_id, token, ttl=ttl)

    # -- create -------------------------------------------------------------
    def create(
        self,
        title: str,
        *,
        priority: str = "medium",
        required_skills: Iterable[str] = (),
        dependencies: Iterable[str] = (),
        parent_id: str | None = None,
        description: str | None = None,
        id: str | None = None,
        max_attempts: int = 3,
        by: str | None = None,
    ) -> Task:
        validate_title(title)
        validate_priority(priority)
        validate_max_attempts(max_attempts)
        if id is not None and (not isinstance(id, str) or not id.strip()):
            raise InvalidInputError("a task id must be a non-empty string")
        task_id = id or new_id("task")
        skills = skills_json(required_skills)
        deps = dependencies_json(dependencies, task_id)

        def check(tx: Tx) -> None:
            check_parent(tx, task_id, parent_id)
            if deps != "[]" and not nobody_depends_on(tx, task_id) and would_cycle(tx, task_id, deps):
                raise InvalidInputError(f"dependencies of {task_id} would form a cycle")

        self._engine.read(check)

        def write(tx: Tx) -> Task:
            if tx.value("SELECT 1 FROM tasks WHERE id = ?", (task_id,)):
                raise ConflictError(f"a task with id {task_id!r} already exists", current(tx, task_id))
            moment = clock.now()
            tx.execute(
                "INSERT INTO tasks(id, parent_id, title, status, priority, required_skills, dependencies,"
                " created_at, description, updated_at, max_attempts, version, last_actor, last_action, priority_rank)"
                " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, 1, ?, 'create', ?)",
                (task_id, parent_id, title, priority, skills, deps, clock.to_db_text(moment),
                 description, moment, max_attempts, by, rank_of(priority)),
            )
            return current(tx, task_id)

        return self._engine.write(write)

    # -- update -------------------------------------------------------------
    def update(self, task_id: str, *, expected_version: int | None = None, by: str | None = None,
               **fields: Any) -> Task:
        """Change descriptive fields; status changes go through the lifecycle verbs."""
        unknown = set(fields) - set(UPDATABLE)
        if unknown:
            raise InvalidInputError(f"cannot update {', '.join(sorted(unknown))} (allowed: {', '.join(UPDATABLE)})")
        sets: list[str] = []
        params: list[Any] = []
        deps = "[]"
        for name, value in fields.items():
            if name == "title":
                value = validate_title(value)
            elif name == "priority":
                validate_priority(value)
                sets.append("priority_rank = ?")
                params.append(rank_of(value))
            elif name == "required_skills":
                value = skills_json(value)
            elif name == "dependencies":
                value = deps = dependencies_json(value, task_id)
            elif name == "result":
                value = dump_json(value, what="result")
            elif name == "max_attempts":
                validate_max_attempts(value)
            sets.append(f"{name} = ?")
            params.append(value)

        def check(tx: Tx) -> None:
            if "parent_id" in fields:
                check_parent(tx, task_id, fields["parent_id"])
            if "dependencies" in fields and would_cycle(tx, task_id, deps):
                raise InvalidInputError(f"dependencies of {task_id} would form a cycle")

        self._engine.read(check)

        def write(tx: Tx) -> Task:
            now = current(tx, task_id)
            if expected_version is not None and now.version != expected_version:
                raise ConflictError(
                    f"task {task_id} changed (version {now.version}, you saw {expected_version})", now)
            if not sets:
                return now
            tx.execute(
                f"UPDATE tasks SET {', '.join(sets)}, version = version + 1, updated_at = ?, "
                "last_actor = ?, last_action = 'update' WHERE id = ?",
                (*params, clock.now(), by, task_id),
            )
            return current(tx, task_id)

        return self._engine.write(write)
