"""SQL fragments and row decoding shared by the task modules."""

from __future__ import annotations

from typing import Any

from .clock import parse_timestamp
from .jsonvalues import as_text, known_value, read_json, read_list
from .models import PRIORITIES, TASK_STATUSES, Task, TaskEvent

#: A pending task is ready when every dependency exists and is completed:
#: ``deps_unmet`` counts the others, kept true by triggers for every writer
#: (:mod:`.schema_claims`); ``NULL`` (an unreadable list) is never ready.
READY_SQL = "(t.deps_unmet = 0 AND t.id IS NOT NULL)"
#: A pending task that is not ready (NULL-safe).
BLOCKED_SQL = "(t.deps_unmet IS NOT 0)"

TASK_COLUMNS = (
    "id", "title", "status", "priority", "required_skills", "dependencies", "parent_id",
    "description", "claimed_by", "session_id", "created_at", "updated_at", "claimed_at",
    "lease_expires_at", "claim_token", "attempts", "max_attempts", "available_at",
    "last_error", "result", "version", "last_actor", "last_action",
)

TASK_SELECT = (
    "SELECT " + ", ".join(f"t.{c}" for c in TASK_COLUMNS)
    + ", CASE WHEN t.status = 'pending' THEN coalesce(t.deps_unmet = 0, 0) END AS ready, t.deps_unmet,"
    " t.claim_order FROM tasks t"
)

RETURNING = "RETURNING " + ", ".join(TASK_COLUMNS) + ", NULL, deps_unmet, claim_order"


def _number(raw: Any, name: str, problems: list[str]) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    parsed = parse_timestamp(raw)
    if parsed is None:
        problems.append(f"{name}: unreadable value")
    return parsed


def _int(raw: Any, default: int, name: str, problems: list[str]) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if raw is None:
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        problems.append(f"{name}: not an integer")
        return default


def task_from_row(row: tuple) -> Task:
    """Decode a row of :data:`TASK_SELECT` without ever raising."""
    values = dict(zip(TASK_COLUMNS + ("ready", "deps_unmet", "claim_order"), row))
    problems: list[str] = []
    raw: dict[str, Any] = {}

    status = known_value(values["status"], TASK_STATUSES, "status", problems, "pending")
    priority = known_value(values["priority"], PRIORITIES, "priority", problems, "medium")
    skills, skills_ok = read_list(values["required_skills"])
    deps, deps_ok = read_list(values["dependencies"])
    for name, ok in (("required_skills", skills_ok), ("dependencies", deps_ok)):
        if not ok:
            problems.append(f"{name}: not a JSON array of strings")
            raw[name] = as_text(values[name])
    created = parse_timestamp(values["created_at"])
    if values["created_at"] is not None and created is None:
        problems.append("created_at: unreadable timestamp")
        raw["created_at"] = as_text(values["created_at"])
    result, result_ok = read_json(values["result"])
    if not result_ok:
        problems.append("result: not valid JSON")
        raw["result"] = as_text(values["result"])
    title = as_text(values["title"])
    if not title:
        problems.append("title: empty")
    ready = values["ready"]
    return Task(
        id=as_text(values["id"]) or "",
        title=title or "",
        status=status,
        priority=priority,
        required_skills=skills,
        dependencies=deps,
        parent_id=as_text(values["parent_id"]),
        description=as_text(values["description"]),
        claimed_by=as_text(values["claimed_by"]),
        session_id=as_text(values["session_id"]),
        created_at=created,
        updated_at=_number(values["updated_at"], "updated_at", problems),
        claimed_at=_number(values["claimed_at"], "claimed_at", problems),
        lease_expires_at=_number(values["lease_expires_at"], "lease_expires_at", problems),
        claim_token=_int(values["claim_token"], 0, "claim_token", problems),
        attempts=_int(values["attempts"], 0, "attempts", problems),
        max_attempts=_int(values["max_attempts"], 3, "max_attempts", problems),
        available_at=_number(values["available_at"], "available_at", problems),
        last_error=as_text(values["last_error"]),
        result=result,
        version=_int(values["version"], 1, "version", problems),
        last_actor=as_text(values["last_actor"]),
        last_action=as_text(values["last_action"]),
        ready=None if ready is None else bool(ready),
        deps_unmet=values.get("deps_unmet") if isinstance(values.get("deps_unmet"), int) else None,
        claim_order=float(values["claim_order"]) if isinstance(values.get("claim_order"), (int, float)) else None,
        problems=tuple(problems),
        raw=raw,
    )


EVENT_SELECT = (
    "SELECT id, task_id, at, actor, action, from_status, to_status, from_owner, to_owner, "
    "claim_token FROM task_events"
)


def event_from_row(row: tuple) -> TaskEvent:
    return TaskEvent(
        id=row[0], task_id=as_text(row[1]) or "", at=parse_timestamp(row[2]),
        actor=as_text(row[3]), action=as_text(row[4]), from_status=as_text(row[5]),
        to_status=as_text(row[6]), from_owner=as_text(row[7]), to_owner=as_text(row[8]),
        claim_token=row[9] if isinstance(row[9], int) else None,
    )


def rank_of(priority: str) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)
