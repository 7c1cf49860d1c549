"""DataLayer rows as plain JSON objects for agents.

Both front doors (MCP tool results, ``jetpack-tui agent --json``) hand out
exactly these shapes.  What they leave out on purpose: claim and lease
tokens (the server or the shell verb keeps them; an agent never handles
one) and the embedding vectors of memories.  Rows other clients wrote badly
are passed on with their ``problems`` and the raw text, never dropped; long
text is cut to :data:`~.limits.MAX_TEXT` characters so one bad row cannot
flood a model's context.
"""

from __future__ import annotations

import json
from typing import Any

from .limits import MAX_JSON, MAX_TEXT


def cut(value: Any, limit: int = MAX_TEXT) -> Any:
    """Text longer than ``limit`` is cut and says so; other values pass."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"… [cut: {len(value):,} characters in all]"
    return value


def cut_json(value: Any, limit: int = MAX_JSON) -> Any:
    """A JSON value (a result, a payload, metadata) as is, or, when another client
    stored a huge one, its serialised text cut to ``limit`` characters."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return cut(value, limit)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= limit else cut(text, limit)


def _problems(row: Any) -> dict[str, Any]:
    problems = list(getattr(row, "problems", ()) or ())
    if not problems:
        return {}
    raw = {key: cut(str(value), 2_000) for key, value in (getattr(row, "raw", {}) or {}).items()}
    return {"problems": problems, "raw": raw}


def task(t: Any) -> dict[str, Any]:
    return {
        "id": t.id, "title": cut(t.title), "state": t.state, "status": t.status, "priority": t.priority,
        "required_skills": list(t.required_skills), "dependencies": list(t.dependencies),
        "parent_id": t.parent_id, "description": cut(t.description), "claimed_by": t.claimed_by,
        "lease_expires_at": t.lease_expires_at, "attempts": t.attempts, "max_attempts": t.max_attempts,
        "available_at": t.available_at, "last_error": cut(t.last_error), "result": cut_json(t.result),
        "created_at": t.created_at, "updated_at": t.updated_at, **_problems(t),
    }


def task_brief(t: Any) -> dict[str, Any]:
    """The few fields a list needs."""
    return {"id": t.id, "title": cut(t.title, 300), "state": t.state, "priority": t.priority,
            "required_skills": list(t.required_skills), "claimed_by": t.claimed_by}


def blockers(b: Any) -> dict[str, Any]:
    return {"blocked": b.blocked, "unfinished": [{"id": i, "status": s} for i, s in b.unfinished],
            "missing": list(b.missing), "cycle": list(b.cycle), "unreadable_dependencies": b.unreadable}


def agent(a: Any) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "status": a.status, "skills": list(a.skills), "liveness": a.liveness,
            "last_heartbeat": a.last_heartbeat, "current_task": a.current_task, **_problems(a)}


def message(m: Any) -> dict[str, Any]:
    return {"id": m.id, "type": m.type, "from": m.from_agent, "to": m.to_agent, "payload": cut_json(m.payload),
            "thread_id": m.thread_id, "task_id": m.task_id, "sent_at": m.sent_at, **_problems(m)}


def delivery(d: Any) -> dict[str, Any]:
    return {**message(d.message), "read_at": d.read_at, "acked_at": d.acked_at}


def reservation(r: Any) -> dict[str, Any]:
    return {"id": r.id, "agent_id": r.agent_id, "task_id": r.task_id, "path": r.file_path,
            "type": r.reservation_type, "state": r.state, "expires_at": r.expires_at, **_problems(r)}


def lease(l: Any) -> dict[str, Any]:
    return {"resource": l.resource, "holder": l.agent_id, "acquired_at": l.acquired_at, "expires_at": l.expires_at}


def memory(m: Any) -> dict[str, Any]:
    return {"id": m.id, "type": m.type, "content": cut(m.content), "importance": m.importance,
            "metadata": cut_json(m.metadata), "task_id": m.task_id, "agent_id": m.agent_id, "created_at": m.created_at,
            **_problems(m)}


def hit(h: Any) -> dict[str, Any]:
    return {**memory(h.memory), "score": h.score, "keyword_rank": h.keyword_rank, "vector_rank": h.vector_rank}


def task_context(c: Any, *, messages: int = 50) -> dict[str, Any]:
    """A task's context bundle; only the newest ``messages`` messages."""
    return {
        "task": task(c.task),
        "parents": [task_brief(p) for p in c.parents],
        "dependencies": [{**task_brief(d), "result": cut_json(d.result)} for d in c.dependencies],
        "missing_dependencies": list(c.missing_dependencies),
        "messages": [message(m) for m in c.messages[-messages:]],
        "task_memories": [memory(m) for m in c.task_memories],
        "related_memories": [hit(h) for h in c.related_memories],
        "problems": list(c.problems),
    }
