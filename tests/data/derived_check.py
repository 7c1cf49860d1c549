"""A recount of the claim path's derived state, independent of the triggers.

Reads the plain columns (status, dependencies, required_skills, agents'
skills) and computes in Python what ``deps_unmet``, ``skills_key``,
``agents.skills_key`` and ``task_counts`` must be; returns every difference.
Used by the tests that throw mixed writes (ours and a foreign client's) at a
database; ``test_claim_path`` shows it catches a wrong counter.
"""

from __future__ import annotations

import json
from collections import Counter


def _list(raw, limit):
    if raw is None or raw == "[]":
        return []
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(value, list) or len(value) > limit or not all(isinstance(v, str) for v in value):
        return None
    return value


def recount_differences(dl) -> list[str]:
    rows = dl.engine.rows("SELECT rowid, id, status, dependencies, required_skills, deps_unmet, skills_key FROM tasks")
    bits = dict(dl.engine.rows("SELECT name, bit FROM skill_bits"))
    status_of = {}
    for _rowid, task_id, status, *_rest in rows:
        if task_id is not None:
            status_of[task_id] = status
    problems: list[str] = []
    buckets: Counter = Counter()
    for rowid, task_id, status, deps_raw, skills_raw, deps_unmet, skills_key in rows:
        deps = _list(deps_raw, 1000)
        want_unmet = None if deps is None else sum(1 for d in set(deps) if status_of.get(d) != "completed")
        if deps_unmet != want_unmet:
            problems.append(f"task {task_id!r} (rowid {rowid}): deps_unmet {deps_unmet}, recount {want_unmet}")
        skills = _list(skills_raw, 64)
        if skills is None:
            want_key = None
        else:
            names = {s.lower() for s in skills}
            if any(name not in bits for name in names):
                problems.append(f"task {task_id!r}: a required skill has no bit: {sorted(names)}")
                continue
            positions = {bits[name] for name in names}
            want_key = -1 if any(b > 62 for b in positions) else sum(1 << (b - 1) for b in positions)
        if skills_key != want_key:
            problems.append(f"task {task_id!r}: skills_key {skills_key}, recount {want_key}")
        if status == "pending":
            buckets["pending:ready" if want_unmet == 0 else "pending:blocked"] += 1
        else:
            buckets["" if status is None else str(status)] += 1
    stored = Counter({str(b): n for b, n in dl.engine.rows("SELECT bucket, n FROM task_counts") if n})
    if stored != +buckets:
        problems.append(f"task_counts {dict(stored)}, recount {dict(+buckets)}")
    for agent_id, skills_raw, key in dl.engine.rows("SELECT id, skills, skills_key FROM agents"):
        try:
            skills = json.loads(skills_raw) if skills_raw else []
        except ValueError:
            skills = []
        names = {s.lower() for s in skills if isinstance(s, str)} if isinstance(skills, list) else set()
        want = sum(1 << (bits[n] - 1) for n in names if n in bits and bits[n] <= 62)
        if key != want:
            problems.append(f"agent {agent_id!r}: skills_key {key}, recount {want}")
    return problems
