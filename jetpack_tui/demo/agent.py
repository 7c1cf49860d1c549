"""One simulated coding agent: ``python -m jetpack_tui.demo.agent --db PATH --id ID …``.

It does what a real agent of the swarm does, through the public DataLayer
API only: registers, heartbeats, claims the best ready task its skills
allow, starts it, reserves the files it will touch (advisory: conflicts are
answered with a ``file.lock_request`` to the holder), takes the
``deploy:staging`` lease for devops work, renews its task lease while it
works, asks for help in the task's thread, reads and acks its mail, stores
what it learned as a memory (embedded by the offline hash embedder), and
completes or fails (the queue retries with back-off).

Now and then it dies on purpose, holding its claim: it either exits at once
(a crash) or hangs without heartbeats; either way its task is an orphan
until the lease runs out and the janitor reclaims it.  Every random choice
comes from ``random.Random(f"{seed}:agent:{id}")``.

How it ends otherwise (the rules an operator can rely on):

* **Stopped** (SIGTERM/SIGINT/SIGHUP, or its parent, the demo, is gone): it
  finishes the step it is in, then ``dl.agents.stop`` gives back its claimed
  tasks, reservations and leases in one audited transaction and marks it
  ``stopped``; it broadcasts ``agent.stopped`` and exits 0.
* **Deregistered** by an operator (the Agents pane's ``D``): its next
  heartbeat finds no row.  It says so on stderr (the swarm log), gives back
  whatever it took since (a claim made in between), does NOT register
  again, and exits with :data:`~.pace.DEREGISTERED`; the swarm does not
  replace it.  Deregister sticks.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Any

from jetpack_tui.data import ConflictError, NotFoundError, StaleLeaseError, Task, create_local_data_layer
from jetpack_tui.data.embedders import HashEmbedder

from .pace import DEREGISTERED, DIED, Lifeline, Pace
from .vocabulary import ERRORS, HELP_REPLIES, HELP_REQUESTS, files_for, lesson

DEPLOY_LEASE = "deploy:staging"


class Died(Exception):
    """Raised inside the work loop when this agent's time has come."""


class Deregistered(Exception):
    """Raised by a heartbeat that finds this agent's row gone."""


class DemoAgent:
    def __init__(self, dl: Any, agent_id: str, skills: list[str], *, rng: random.Random, pace: Pace,
                 life: Lifeline, death_rate: float = 0.04, die_after: int | None = None,
                 fail_rate: float = 0.12, help_rate: float = 0.25) -> None:
        self.dl = dl
        self.id = agent_id
        self.skills = skills
        self.rng = rng
        self.pace = pace
        self.life = life
        self.death_rate = death_rate
        self.die_after = die_after
        self.fail_rate = fail_rate
        self.help_rate = help_rate
        self.finished = 0
        self._last_beat = 0.0
        self._last_mail = 0.0

    # -- the loop -------------------------------------------------------------
    def run(self) -> int:
        name = self.id.split("-")[0].capitalize()
        self.dl.agents.register(self.id, name=name, skills=self.skills, session_id=f"demo-pid-{os.getpid()}")
        self._last_beat = time.monotonic()
        self.dl.messages.broadcast(self.id, "agent.started", {"skills": self.skills, "pid": os.getpid()})
        try:
            while self.life.alive():
                self.beat()
                self.read_mail()
                task = self.dl.tasks.claim(self.id, ttl=self.pace.lease_ttl)
                if task is None:
                    self.life.sleep(self.pace.idle)
                    continue
                self.work(task)
        except Died as death:
            return self.die(str(death))
        except Deregistered:
            return self.leave()
        report = self.dl.agents.stop(self.id)
        self.dl.messages.broadcast(self.id, "agent.stopped", {
            "released_tasks": [t.id for t in report.tasks], "reservations": report.reservations,
            "leases": report.leases})
        return 0

    def beat(self, *, force: bool = False, **fields: Any) -> None:
        if force or fields or time.monotonic() - self._last_beat >= self.pace.heartbeat:
            try:
                self.dl.agents.heartbeat(self.id, **fields)
            except NotFoundError:
                raise Deregistered() from None
            self._last_beat = time.monotonic()

    def leave(self) -> int:
        """Deregistered: say so, return what was taken since, stay gone."""
        report = self.dl.agents.stop(self.id)  # creates no row: it only gives back
        print(f"{self.id}: deregistered by an operator; stopping without registering again"
              f" ({report.describe().split(': ', 1)[1]} taken since)", file=sys.stderr, flush=True)
        return DEREGISTERED

    def die(self, how: str) -> int:
        """Crash (exit now) or hang (no heartbeats) while holding the claim."""
        if how == "hang":
            self.life.sleep(self.pace.hang_for)
        return DIED

    # -- one task ---------------------------------------------------------------
    def work(self, task: Task) -> None:
        token = task.claim_token
        try:
            self.dl.tasks.start(task.id, self.id, token)
            self.beat(status="busy", current_task=task.id)
            thread = self.announce(task)
            files = self.reserve(task, thread)
            lease = self.dl.leases.acquire(DEPLOY_LEASE, self.id, self.pace.lease_ttl) \
                if "devops" in task.required_skills else None
            steps = self.rng.randint(3, 8)
            fatal = self.rng.randrange(1, steps) if self.doomed() else None
            last_renew = time.monotonic()
            for step in range(steps):
                if not self.life.sleep(self.rng.uniform(*self.pace.step)):
                    return
                if step == fatal:
                    raise Died(self.rng.choice(("crash", "hang")))
                self.beat()
                if time.monotonic() - last_renew >= self.pace.renew_every:
                    self.dl.tasks.renew(task.id, self.id, token, ttl=self.pace.lease_ttl)
                    lease = self.renew_lease(lease)
                    last_renew = time.monotonic()
                if step == 1 and self.rng.random() < self.help_rate:
                    self.ask_for_help(task, thread, files)
            self.finish(task, token, thread, files)
            if lease is not None:
                self.dl.leases.release(DEPLOY_LEASE, self.id, lease.token)
        except (StaleLeaseError, ConflictError, NotFoundError):
            pass  # lost the task (reclaimed, reassigned or cancelled by an operator): move on
        if self.life.alive():  # (not reached when it dies: Died skips the goodbye)
            self.beat(status="idle", clear_task=True)

    def renew_lease(self, lease: Any) -> Any:
        if lease is None:
            return None
        try:
            return self.dl.leases.renew(DEPLOY_LEASE, self.id, lease.token, self.pace.lease_ttl)
        except StaleLeaseError:
            return None  # it ran out while we worked; someone else may deploy now

    def doomed(self) -> bool:
        if self.die_after is not None:
            return self.finished >= self.die_after
        return self.rng.random() < self.death_rate

    def announce(self, task: Task) -> str:
        """Post ``task.claimed`` in the task's thread (starting it if new)."""
        earlier = self.dl.messages.for_task(task.id, limit=1)
        thread = earlier[0].thread_id if earlier else None
        message = self.dl.messages.broadcast(
            self.id, "task.claimed", {"task_id": task.id, "title": task.title, "attempt": task.attempts},
            thread_id=thread, task_id=task.id)
        return message.thread_id

    def reserve(self, task: Task, thread: str) -> list[str]:
        files = files_for(self.rng, task.title)
        for path in files:
            result = self.dl.reservations.reserve(self.id, path, "edit", task_id=task.id,
                                                  ttl=self.pace.lease_ttl * 2)
            for holder in sorted({c.agent_id for c in result.conflicts if c.agent_id}):
                self.dl.messages.send(self.id, holder, "file.lock_request",
                                      {"file_path": path, "task_id": task.id}, thread_id=thread, task_id=task.id)
        return files

    def ask_for_help(self, task: Task, thread: str, files: list[str]) -> None:
        others = [a for a in self.dl.agents.list(liveness="alive") if a.id != self.id]
        if not others:
            return
        helper = self.rng.choice(others)
        text = self.rng.choice(HELP_REQUESTS).format(skill=(task.required_skills or ["this"])[0],
                                                     title=task.title, path=files[0] if files else "src/")
        self.dl.messages.send(self.id, helper.id, "task.help_needed", {"task_id": task.id, "question": text},
                              thread_id=thread, task_id=task.id)

    def finish(self, task: Task, token: int, thread: str, files: list[str]) -> None:
        payload: dict[str, Any] = {"task_id": task.id, "title": task.title}
        if self.rng.random() < self.fail_rate:
            error = self.rng.choice(ERRORS)
            after = self.dl.tasks.fail(task.id, self.id, token, error)
            self.dl.messages.broadcast(self.id, "task.failed", {**payload, "error": error,
                                                                "will_retry": after.status == "pending"},
                                       thread_id=thread, task_id=task.id)
            self.remember("error", f"{task.title} failed: {error}", task, importance=0.7)
            return
        result = {"summary": f"{task.title}: done", "files": files, "steps": self.finished + 1}
        self.dl.tasks.complete(task.id, self.id, token, result=result)
        self.finished += 1
        self.dl.messages.broadcast(self.id, "task.completed", {**payload, "result": result},
                                   thread_id=thread, task_id=task.id)
        if self.rng.random() < 0.6:
            kind, content = lesson(self.rng, task.title)
            self.remember(kind, content, task, importance=round(self.rng.uniform(0.3, 0.95), 2))

    def remember(self, kind: str, content: str, task: Task, *, importance: float) -> None:
        """Store a memory; the DataLayer's offline embedder computes its vector."""
        self.dl.memories.store(content, type=kind, importance=importance, task_id=task.id, agent_id=self.id,
                               metadata={"skills": task.required_skills, "source": "demo"})

    # -- mail -----------------------------------------------------------------------
    def read_mail(self) -> None:
        """Every few seconds: read a handful of unread deliveries, answer help
        requests and lock requests in their thread, ack some of the rest."""
        if time.monotonic() - self._last_mail < self.pace.mail_every:
            return
        self._last_mail = time.monotonic()
        for delivery in self.dl.messages.receive(self.id, unread_only=True, limit=8):
            message = delivery.message
            payload = message.payload if isinstance(message.payload, dict) else {}
            answer = None
            if message.type == "task.help_needed":
                answer = ("task.help_offered", {"task_id": payload.get("task_id"),
                                                "answer": self.rng.choice(HELP_REPLIES)})
            elif message.type == "file.lock_request":
                answer = ("file.lock_answer", {"file_path": payload.get("file_path"),
                                               "answer": "Done in a minute, then it is yours."})
            if answer and message.from_agent:
                self.dl.messages.send(self.id, message.from_agent, answer[0], answer[1],
                                      thread_id=message.thread_id, task_id=message.task_id)
            if answer or self.rng.random() < 0.5:
                self.dl.messages.ack(message.id, self.id)
            else:
                self.dl.messages.mark_read(message.id, self.id)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jetpack_tui.demo.agent")
    parser.add_argument("--db", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--skills", default="python")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--death-rate", type=float, default=0.04)
    parser.add_argument("--die-after", type=int, default=None, help="die on the task after N completed ones")
    parser.add_argument("--fail-rate", type=float, default=0.12)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pace = Pace(args.speed)
    life = Lifeline(args.parent_pid)
    dl = create_local_data_layer(args.db, single_thread=True, lease_ttl=pace.lease_ttl, retry_base=pace.retry_base,
                                 embedder=HashEmbedder())  # liveness: the rule stored in the database
    agent = DemoAgent(dl, args.id, [s for s in args.skills.split(",") if s],
                      rng=random.Random(f"{args.seed}:agent:{args.id}"), pace=pace, life=life,
                      death_rate=args.death_rate, die_after=args.die_after, fail_rate=args.fail_rate)
    try:
        code = agent.run()
    except KeyboardInterrupt:
        code = 0
    if code == DIED:
        os._exit(DIED)  # a crash: no goodbye, the connection is just gone
    dl.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
