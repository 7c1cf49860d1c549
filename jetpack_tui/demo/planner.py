"""The planner (and janitor) of the demo swarm: ``python -m jetpack_tui.demo.planner``.

Planner: keeps the queue fed.  Whenever fewer than ``--backlog`` tasks are
pending it adds a feature tree (a parent "Ship …" task depending on three
to six steps that depend on each other) or, now and then, a lone task, and
announces each tree with a ``plan.created`` broadcast that starts its
thread.

Janitor: every few seconds returns expired claims to the queue
(``dl.tasks.reclaim_expired``), posting ``task.reclaimed`` in each task's
thread with the owner it was taken from; marks expired reservations
released; and deregisters agents that have been dead for a long time so the
agent list does not grow forever.  Public DataLayer API only; choices come
from ``random.Random(f"{seed}:planner")``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from typing import Any

from jetpack_tui.data import NotFoundError, create_local_data_layer
from jetpack_tui.data.ids import new_id

from .pace import Lifeline, Pace
from .vocabulary import SINGLE_TASKS, plan_feature

PLANNER = "planner"
JANITOR = "janitor"


class Planner:
    def __init__(self, dl: Any, *, rng: random.Random, pace: Pace, life: Lifeline, backlog: int) -> None:
        self.dl = dl
        self.rng = rng
        self.pace = pace
        self.life = life
        self.backlog = backlog
        self.rounds = 0
        self.reclaimed = 0

    def run(self) -> int:
        next_plan = next_janitor = 0.0
        while self.life.alive():
            moment = time.monotonic()
            if moment >= next_plan:
                while self.life.alive() and self.dl.tasks.count(status="pending") < self.backlog:
                    self.plan()
                next_plan = moment + self.pace.plan_every
            if moment >= next_janitor:
                self.sweep()
                next_janitor = moment + self.pace.janitor_every
            self.life.sleep(min(self.pace.plan_every, self.pace.janitor_every))
        return 0

    # -- planning -----------------------------------------------------------------
    def plan(self) -> None:
        self.rounds += 1
        if self.rng.random() < 0.2:
            title, skill = self.rng.choice(SINGLE_TASKS)
            task = self.dl.tasks.create(title, required_skills=[skill], by=PLANNER,
                                        priority=self.rng.choice(("high", "medium", "low")),
                                        description="A lone task from the backlog.")
            self.dl.messages.broadcast(PLANNER, "plan.created", {"task_id": task.id, "title": title, "tasks": 1},
                                       task_id=task.id)
            return
        plan = plan_feature(self.rng, round_no=self.rounds // 12)
        parent_id = new_id("task")
        ids: list[str] = [parent_id] * len(plan)
        # Steps first: dependencies must exist before the tasks that name them,
        # and the parent depends on every step.
        for index in list(range(1, len(plan))) + [0]:
            step = plan[index]
            task = self.dl.tasks.create(
                step.title, priority=step.priority, required_skills=list(step.skills),
                dependencies=[ids[d] for d in step.deps], description=step.description,
                parent_id=parent_id if step.parent is not None else None,
                id=parent_id if index == 0 else None, max_attempts=self.rng.choice((2, 3, 3)), by=PLANNER)
            ids[index] = task.id
        self.dl.messages.broadcast(PLANNER, "plan.created",
                                   {"task_id": parent_id, "title": plan[0].title, "tasks": len(plan)},
                                   task_id=parent_id)

    # -- janitor ------------------------------------------------------------------
    def sweep(self) -> None:
        owners = {t.id: t.claimed_by for t in self.dl.tasks.list(status=["claimed", "in_progress"], limit=None)}
        for task in self.dl.tasks.reclaim_expired(by=JANITOR):
            self.reclaimed += 1
            earlier = self.dl.messages.for_task(task.id, limit=1)
            payload = {"task_id": task.id, "title": task.title, "previous_owner": owners.get(task.id),
                       "status": task.status, "attempts": task.attempts}
            self.dl.messages.broadcast(JANITOR, "task.reclaimed", payload,
                                       thread_id=earlier[0].thread_id if earlier else None, task_id=task.id)
        self.dl.reservations.expire()
        for agent in self.dl.agents.list(liveness="dead"):
            age = agent.heartbeat_age
            if age is not None and age > self.pace.forget_after:
                try:
                    self.dl.agents.deregister(agent.id, by=JANITOR)
                except NotFoundError:
                    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jetpack_tui.demo.planner")
    parser.add_argument("--db", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--backlog", type=int, default=20)
    parser.add_argument("--parent-pid", type=int, default=None)
    args = parser.parse_args(argv)
    pace = Pace(args.speed)
    life = Lifeline(args.parent_pid)
    dl = create_local_data_layer(args.db, single_thread=True, lease_ttl=pace.lease_ttl,
                                 retry_base=pace.retry_base)  # liveness: the rule stored in the database
    try:
        return Planner(dl, rng=random.Random(f"{args.seed}:planner"), pace=pace, life=life,
                       backlog=args.backlog).run()
    except KeyboardInterrupt:
        return 0
    finally:
        dl.close()


if __name__ == "__main__":
    sys.exit(main())
