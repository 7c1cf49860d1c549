"""What a task may be made of: checked titles, priorities, lists and links.

Checks that read the graph (would these dependencies or this parent form a
cycle?) run as reads *before* the write, so the write lock is never held
while a long chain is walked.  Two concurrent edits could still close a
cycle between them; such tasks are never ready (``deps_unmet`` stays above
zero) and ``blockers()`` and ``doctor`` report them.
"""

from __future__ import annotations

from typing import Any

from .backend import Tx
from .errors import InvalidInputError
from .jsonvalues import dump_string_list
from .models import PRIORITIES
from .schema_claims import MAX_DEPENDENCIES, MAX_SKILLS

#: Deepest parent chain walked when checking for a parent cycle.
MAX_PARENT_DEPTH = 10_000

#: Is ``?2`` reachable from the dependencies listed in ``?1`` (a JSON array)?
#: Each task visited once (UNION), through the trigger-kept reverse index.
_REACHES_SQL = (
    "WITH RECURSIVE reach(id) AS (SELECT value FROM json_each(?1)"
    " UNION SELECT d.dep_id FROM task_deps d JOIN reach r ON d.task_id = r.id)"
    " SELECT EXISTS (SELECT 1 FROM reach WHERE id = ?2)"
)


def validate_title(title: Any) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidInputError("a task needs a non-empty title")
    return title


def validate_priority(priority: Any) -> str:
    if priority not in PRIORITIES:
        raise InvalidInputError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
    return priority


def validate_max_attempts(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInputError("max_attempts must be a positive integer")
    return value


def skills_json(skills: Any) -> str:
    text = dump_string_list(skills, what="required_skills")
    if len(list(skills or ())) > MAX_SKILLS:
        raise InvalidInputError(f"a task may require at most {MAX_SKILLS} skills")
    return text


def dependencies_json(dependencies: Any, task_id: str | None = None) -> str:
    deps = list(dependencies or ()) if not isinstance(dependencies, (str, bytes)) else dependencies
    text = dump_string_list(deps, what="dependencies")
    if len(deps) > MAX_DEPENDENCIES:
        raise InvalidInputError(f"a task may list at most {MAX_DEPENDENCIES} dependencies "
                                "(split the work with a parent task instead)")
    if task_id is not None and task_id in deps:
        raise InvalidInputError(f"task {task_id} cannot depend on itself")
    return text


def would_cycle(tx: Tx, task_id: str, deps_json: str) -> bool:
    """True when ``task_id`` is reachable from the dependencies (a cycle)."""
    return bool(tx.value(_REACHES_SQL, (deps_json, task_id)))


def nobody_depends_on(tx: Tx, task_id: str) -> bool:
    """A new id nobody lists yet cannot close a cycle: skip the walk."""
    return tx.value("SELECT 1 FROM task_deps WHERE dep_id = ? LIMIT 1", (task_id,)) is None


def check_parent(tx: Tx, task_id: str, parent_id: Any) -> None:
    """Refuse a parent that is the task itself or one of its descendants."""
    if parent_id is None:
        return
    if not isinstance(parent_id, str) or not parent_id.strip():
        raise InvalidInputError("parent_id must be a non-empty string or None")
    if parent_id == task_id:
        raise InvalidInputError(f"task {task_id} cannot be its own parent")
    seen, cursor = {task_id}, parent_id
    for _ in range(MAX_PARENT_DEPTH):
        row = tx.row("SELECT parent_id FROM tasks WHERE id = ?", (cursor,))
        if row is None or row[0] is None:
            return
        cursor = str(row[0])
        if cursor in seen:
            raise InvalidInputError(f"parent {parent_id} of {task_id} would make a parent cycle")
        seen.add(cursor)
    raise InvalidInputError(f"the parent chain above {parent_id} is deeper than {MAX_PARENT_DEPTH}")

