"""How the demo's tasks got where they are: an audit history, event by event.

The static rows (:mod:`.seed_tasks`) say where each task ended up; this
module tells its life the way a swarm would have written it into
``task_events``: created by the planner, claimed once its dependencies were
done, started, completed — or failed and retried, cancelled by the operator,
left behind by an agent that died.  Times respect the dependencies (a task is
claimed only after the last of them completed) and end before ``now``; the
rows' ``claimed_at`` / ``updated_at`` are then set from the story so rows
and history agree.  Heartbeats go to the change feed for the last hours
(it keeps only recent changes), each agent beating until its last heartbeat.

Pure functions of ``(tasks, seed, now)`` with their own random stream, so
the same arguments give the same history and the rest of the demo keeps its
values whatever this module draws.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .seed_tasks import AGENTS, SeedTask

#: Hours of heartbeats in the change feed, and seconds between two beats.
BEAT_HOURS = 3
BEAT_EVERY = (14.0, 22.0)
#: Seconds of a safety margin before ``now`` for finished work.
MARGIN = 30.0


@dataclass(frozen=True)
class Event:
    at: float
    task_id: str
    actor: str | None
    action: str
    from_status: str | None
    to_status: str
    from_owner: str | None
    to_owner: str | None
    token: int


class _Life:
    """One task's events, with its status, owner and token as they go."""

    def __init__(self, task: SeedTask) -> None:
        self.task = task
        self.status: str | None = None
        self.owner: str | None = None
        self.token = 0
        self.events: list[Event] = []
        self.claimed_at: float | None = None

    def add(self, at: float, action: str, to_status: str, owner: str | None, actor: str | None) -> float:
        if action == "claim":
            self.token += 1
            self.claimed_at = at
        self.events.append(Event(at, self.task.id, actor, action, self.status, to_status, self.owner, owner,
                                 self.token))
        self.status, self.owner = to_status, owner
        return at

    def run(self, rng: random.Random, claim_at: float, agent: str, outcome: str, end: float | None = None) -> float:
        """Claim, start, then ``outcome`` (``completed`` / ``retry`` / ``failed`` / ``running``)."""
        self.add(claim_at, "claim", "claimed", agent, agent)
        started = self.add(claim_at + rng.uniform(2, 20), "start", "in_progress", agent, agent)
        if outcome == "running":
            return started
        finish = end if end is not None else started + rng.uniform(240, 1500)
        if outcome == "completed":
            return self.add(finish, "complete", "completed", agent, agent)
        if outcome == "failed":  # out of attempts: the task keeps its last owner, as the DataLayer's fail does
            return self.add(finish, "fail", "failed", agent, agent)
        return self.add(finish, "fail", "pending", None, agent)


def _order(tasks: list[SeedTask]) -> list[SeedTask]:
    """Dependencies first (the trees' parents depend on their steps)."""
    by_id = {t.id: t for t in tasks}
    done: set[str] = set()
    out: list[SeedTask] = []

    def visit(task: SeedTask, path: set[str]) -> None:
        if task.id in done or task.id in path:
            return
        for dep in task.deps:
            if dep in by_id:
                visit(by_id[dep], path | {task.id})
        done.add(task.id)
        out.append(task)

    for task in tasks:
        visit(task, set())
    return out


def _live(task: SeedTask, rng: random.Random, now: float, ready: float) -> _Life:
    life = _Life(task)
    life.add(task.created, "create", "pending", None, "planner")
    owner = task.owner or "ada"
    latest = now - MARGIN
    soon = min(max(ready, task.created) + rng.uniform(20, 300), latest - 1800)
    state = task.state
    recent = min(max(now - rng.uniform(300, 1500), ready + 10), now - 60)  # in flight: claimed lately
    if state in ("completed", "completed_after_retry"):
        claim = min(soon, latest - 600)
        if state == "completed_after_retry":  # a first attempt failed, the retry went through
            failed = life.run(rng, claim, owner, "retry", end=claim + 20 + rng.uniform(60, 200))
            claim = failed + rng.uniform(30, 120)
        life.run(rng, claim, owner, "completed", end=min(claim + rng.uniform(240, 1500), latest))
    elif state == "claimed":
        life.add(min(recent + rng.uniform(0, 240), now - 40), "claim", "claimed", owner, owner)
    elif state == "in_progress":
        life.run(rng, recent, owner, "running")
    elif state == "failed":
        at = now - 3000
        for _attempt in range(2):
            at = life.run(rng, at, owner, "retry", end=at + rng.uniform(300, 600)) + rng.uniform(60, 120)
        life.run(rng, at, owner, "failed", end=now - 240)
    elif state == "retry":
        life.run(rng, now - 900, "ada", "retry", end=now - 30)
    elif state == "orphaned":
        life.run(rng, now - 1500, owner, "running")
    elif state == "expired":
        life.add(now - 7300, "claim", "claimed", owner, owner)
    elif state == "cancelled":
        life.add(now - 3000, "cancel", "cancelled", None, "operator")
    first = min((e.at for e in life.events[1:]), default=None)
    if first is not None and first <= task.created:  # the row says it was created after its first claim
        task.created = first - 300.0
        life.events[0] = replace(life.events[0], at=task.created)
    return life


def live_through(tasks: list[SeedTask], seed: int, now: float) -> list[Event]:
    """Every task's events (time order), and each row's times set from them."""
    rng = random.Random(f"jetpack-demo-history:{seed}")
    finished: dict[str, float] = {}
    events: list[Event] = []
    for task in _order(tasks):
        if task.state == "expired":  # claimed two hours ago: it existed before that
            task.created = min(task.created, now - 7800)
        ready = max([finished.get(dep, task.created) for dep in task.deps] + [task.created])
        life = _live(task, rng, now, ready)
        if life.status == "completed":
            finished[task.id] = life.events[-1].at
        cols = task.columns
        cols["updated_at"] = max(e.at for e in life.events)
        if cols.get("claimed_by") is not None and life.claimed_at is not None:
            cols["claimed_at"] = life.claimed_at
        events += life.events
    raised = next((t for t in tasks if t.state == "ready" and t.priority == "critical"), None)
    if raised is not None:  # the operator raised its priority 40 minutes ago
        events.append(Event(max(now - 2400, raised.created + 1), raised.id, "operator", "set_priority", "pending",
                            "pending", None, None, 0))
    events.sort(key=lambda e: (e.at, e.task_id))
    return events


def heartbeats(now: float, seed: int) -> list[tuple[float, str]]:
    """``(at, agent)`` of every heartbeat in the change feed, time order: each
    agent beats every ~20 s for the last :data:`BEAT_HOURS` hours, up to its
    last heartbeat (the dead ones stopped long ago)."""
    rng = random.Random(f"jetpack-demo-beats:{seed}")
    beats = []
    for agent_id, _name, _skills, age, _status in AGENTS:
        last = now - age
        at = last
        while at >= now - BEAT_HOURS * 3600:
            beats.append((at, agent_id))
            at -= rng.uniform(*BEAT_EVERY)
    beats.sort()
    return beats
