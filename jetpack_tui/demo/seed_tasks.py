"""The agents and tasks of the static demo database, as plain rows.

Pure functions of ``(seed, count, now)``: no clock, no random ids, so the
same arguments give byte-identical rows (the dashboard's snapshots rely on
it).  The first tasks are fixed so that every state the dashboard draws is
present whatever the seed: ready, blocked, claimed, in progress, completed,
failed, waiting to retry, cancelled, orphaned (held by a dead agent) and
expired (lease ran out, awaiting reclaim).  The rest are feature trees whose
oldest ones are done, a few in flight and the newest still queued.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from jetpack_tui.data.models import PRIORITIES

from .vocabulary import ERRORS, plan_feature

#: (id, name, skills, heartbeat age in seconds, status).  Ages are chosen for
#: the default liveness thresholds (stale after 30 s, dead after 120 s).
AGENTS = (
    ("ada", "Ada", ("python", "sql"), 2.0, "busy"),
    ("grace", "Grace", ("python", "typescript"), 4.0, "busy"),
    ("linus", "Linus", ("devops", "python"), 7.0, "busy"),
    ("barbara", "Barbara", ("docs", "typescript"), 1.0, "idle"),
    ("ken", "Ken", ("python", "sql"), 45.0, "busy"),
    ("margaret", "Margaret", ("docs", "typescript"), 95.0, "idle"),
    ("dennis", "Dennis", ("devops", "python"), 600.0, "busy"),
    ("frances", "Frances", ("docs", "sql"), 7200.0, "busy"),
)
#: Agents that may be given in-flight work in feature trees (alive or stale).
WORKERS = ("ada", "grace", "linus", "barbara", "ken")

#: (title, skill, priority, state, owner): one task per state the UI shows.
FIXED = (
    ("Implement OAuth callback", "python", "high", "in_progress", "ada"),
    ("Write tests for parser", "python", "medium", "claimed", "grace"),
    ("Add index on orders(customer_id, created_at)", "sql", "critical", "ready", None),
    ("Update README quick start", "docs", "low", "ready", None),
    ("Fix flaky test in test_scheduler.py", "python", "high", "failed", "ken"),
    ("Backfill users.locale", "sql", "medium", "retry", None),
    ("Write runbook for failed deploys", "docs", "medium", "blocked", None),
    ("Upgrade Django to 5.1", "python", "low", "cancelled", None),
    ("Rotate staging TLS certificates", "devops", "high", "orphaned", "dennis"),
    ("Write migration 0043: drop legacy_sessions", "sql", "medium", "expired", "frances"),
    ("Cache pip wheels in CI", "devops", "medium", "completed", "linus"),
    ("Render [bold]markup[/bold] literally in logs", "python", "medium", "in_progress", "linus"),
    ("Port date utils to TypeScript", "typescript", "medium", "in_progress", "ken"),
)
#: Of the feature trees, the share already finished and how many are in flight.
DONE_SHARE = 0.6
ACTIVE_TREES = 4


@dataclass
class SeedTask:
    """One task row; ``state`` is the story (``orphaned``, ``retry``…), the
    columns are what a real swarm would have stored for it."""

    id: str
    title: str
    skills: tuple[str, ...]
    priority: str
    created: float
    state: str = "ready"
    owner: str | None = None
    deps: list[str] = field(default_factory=list)
    parent_id: str | None = None
    description: str | None = None
    files: tuple[str, ...] = ()
    columns: dict = field(default_factory=dict)


def task_id(index: int) -> str:
    return f"task-{index + 1:05d}" if index < 99_999 else f"task-{index + 1}"


def agent_rows(now: float) -> list[dict]:
    rows = []
    for index, (agent_id, name, skills, age, status) in enumerate(AGENTS):
        beat = now - age
        rows.append({"id": agent_id, "name": name, "status": status, "skills": list(skills),
                     "session_id": f"sess-{agent_id}", "heartbeat_at": beat,
                     "registered_at": now - 86_400 + 600 * index, "current_task": None})
    return rows


def _fixed_tasks(now: float) -> list[SeedTask]:
    tasks = []
    for index, (title, skill, priority, state, owner) in enumerate(FIXED):
        tasks.append(SeedTask(id=task_id(index), title=title, skills=(skill,), priority=priority,
                              created=now - 5400 + 60 * index, state=state, owner=owner,
                              description=f"{title}. Seeded demo task."))
    by_title = {t.title: t for t in tasks}
    by_title["Write runbook for failed deploys"].deps = [by_title["Fix flaky test in test_scheduler.py"].id]
    return tasks


def _skilled(worker_cycle: list[str], skills: tuple[str, ...]) -> str:
    """The next worker (in rotation) who has the skills, else the next one."""
    skill_of = {agent_id: set(s) for agent_id, _n, s, _a, _st in AGENTS}
    for offset, candidate in enumerate(worker_cycle):
        if set(skills) <= skill_of[candidate]:
            worker_cycle.append(worker_cycle.pop(offset))
            return candidate
    worker_cycle.append(worker_cycle.pop(0))
    return worker_cycle[-1]


def _trees(rng: random.Random, start: int, count: int, now: float) -> list[SeedTask]:
    """Feature trees filling ``count`` tasks (the last tree may be cut short)."""
    plans = []
    total, round_no = 0, 0
    while total < count:
        plan = plan_feature(rng, round_no=round_no // 12)
        plans.append(plan)
        total += len(plan)
        round_no += 1
    span = max(12 * 3600.0, count * 20.0)  # twelve hours of history at least (the trends' default window)
    done_cut = int(len(plans) * DONE_SHARE)
    workers = list(WORKERS)
    tasks: list[SeedTask] = []
    index = start
    for number, plan in enumerate(plans):
        ids = [task_id(index + i) for i in range(len(plan))]
        made = []
        for offset, planned in enumerate(plan):
            if index + offset - start >= count:
                break
            position = (index + offset - start) / max(count, 1)
            made.append(SeedTask(
                id=ids[offset], title=planned.title, skills=planned.skills, priority=planned.priority,
                created=now - 600 - span * (1.0 - position), description=planned.description,
                files=planned.files, deps=[ids[d] for d in planned.deps if index + d - start < count],
                parent_id=None if planned.parent is None else ids[planned.parent],
            ))
        index += len(made)
        phase = "done" if number < done_cut else "active" if number < done_cut + ACTIVE_TREES else "queued"
        _play(made, phase, rng, workers)
        tasks += made
    return tasks


def _play(tree: list[SeedTask], phase: str, rng: random.Random, workers: list[str]) -> None:
    """Decide each task's state: children first (the parent depends on them)."""
    states: dict[str, str] = {}
    progress = rng.randint(1, max(1, len(tree) - 2))
    for position, task in enumerate(tree[1:], start=1):
        deps_done = all(states.get(dep) == "completed" for dep in task.deps)
        if phase == "done":
            task.state = "completed"
            if rng.random() < 0.08:
                task.state = "completed_after_retry"
        elif phase == "active" and deps_done and position <= progress:
            task.state = "completed"
        elif phase == "active" and deps_done and "in_flight" not in states.values():
            task.state = rng.choice(("claimed", "in_progress", "in_progress"))
        else:
            task.state = "ready" if deps_done else "blocked"
        if task.state in ("completed", "completed_after_retry", "claimed", "in_progress"):
            task.owner = _skilled(workers, task.skills)
        states[task.id] = "completed" if task.state.startswith("completed") else (
            "in_flight" if task.state in ("claimed", "in_progress") else task.state)
    if tree:
        parent = tree[0]
        all_done = all(states.get(dep) == "completed" for dep in parent.deps)
        parent.state = "completed" if all_done and phase == "done" else ("ready" if all_done else "blocked")
        if parent.state == "completed":
            parent.owner = _skilled(workers, parent.skills)


def fill_columns(task: SeedTask, rng: random.Random, now: float) -> None:
    """The stored columns of a task in its story state."""
    created = task.created
    started = min(created + rng.uniform(30, 900), now - 60)
    cols = {"status": "pending", "claimed_by": None, "session_id": None, "claimed_at": None,
            "lease_expires_at": None, "claim_token": 0, "attempts": 0, "max_attempts": 3,
            "available_at": None, "last_error": None, "result": None, "version": 1,
            "last_actor": "planner", "last_action": "create", "updated_at": created}
    owner = task.owner
    held = {"claimed_by": owner, "session_id": f"sess-{owner}", "claimed_at": started,
            "claim_token": 1, "attempts": 1}
    state = task.state
    if state in ("claimed", "in_progress"):
        cols.update(held, status=state, lease_expires_at=now + rng.uniform(40, 110),
                    version=2 if state == "claimed" else 3, last_actor=owner,
                    last_action="claim" if state == "claimed" else "start", updated_at=now - rng.uniform(1, 20))
    elif state == "orphaned":
        cols.update(held, status="in_progress", claimed_at=now - 1500, lease_expires_at=now + 300,
                    version=3, last_actor=owner, last_action="start", updated_at=now - 1490)
    elif state == "expired":
        cols.update(held, status="claimed", claimed_at=now - 7300, lease_expires_at=now - 7180,
                    version=2, last_actor=owner, last_action="claim", updated_at=now - 7300)
    elif state.startswith("completed"):
        retried = state == "completed_after_retry"
        finished = min(started + rng.uniform(120, 1800), now - 30)
        cols.update(held, status="completed", updated_at=finished, version=6 if retried else 4,
                    last_actor=owner, last_action="complete", claim_token=2 if retried else 1,
                    attempts=2 if retried else 1,
                    last_error=rng.choice(ERRORS) if retried else None,
                    result={"summary": f"{task.title}: done", "files": list(task.files)})
    elif state == "failed":
        cols.update(held, status="failed", attempts=3, claim_token=3, version=8, last_actor=owner,
                    last_action="fail", last_error=ERRORS[0], updated_at=now - 240)
    elif state == "retry":
        cols.update(attempts=1, claim_token=1, version=4, last_actor="ada", last_action="fail",
                    last_error=ERRORS[2], available_at=now + 90, updated_at=now - 30)
    elif state == "cancelled":
        cols.update(status="cancelled", version=2, last_actor="operator", last_action="cancel",
                    updated_at=now - 3000)
    task.columns = cols


def build_tasks(seed: int, count: int, now: float) -> list[SeedTask]:
    """``count`` tasks: the fixed ones first, then feature trees."""
    rng = random.Random(f"jetpack-demo-tasks:{seed}")
    fixed = _fixed_tasks(now)[:count]
    tasks = fixed + _trees(rng, len(fixed), count - len(fixed), now) if count > len(fixed) else fixed
    for task in tasks:
        if task.priority not in PRIORITIES:  # pragma: no cover - vocabulary is fixed
            task.priority = "medium"
        fill_columns(task, rng, now)
    return tasks


def current_tasks(tasks: list[SeedTask]) -> dict[str, str]:
    """Each agent's current task: the newest it holds."""
    current: dict[str, str] = {}
    for task in tasks:
        if task.columns["status"] in ("claimed", "in_progress") and task.owner:
            current[task.owner] = task.id
    return current
