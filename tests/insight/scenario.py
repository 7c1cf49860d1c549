"""A database with a known, constructed history.

The audit log is data: a scenario writes the ``tasks`` rows and the exact
``task_events`` rows (ids and times chosen by the test) into a real libSQL
file through the engine, replacing what the triggers wrote, so every state
the history module rebuilds can be compared with what was constructed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

T0 = 1_700_000_040.0  # a fixed past epoch, a multiple of 60: minutes start on it


@dataclass
class Scenario:
    tasks: dict[str, dict] = field(default_factory=dict)
    #: (at, task id, to status, owner, action, actor, created) in the order given.
    steps: list[tuple] = field(default_factory=list)
    #: (at, agent id, op) rows of the change feed for ``agents`` (heartbeats).
    beats: list[tuple] = field(default_factory=list)

    def beat(self, agent: str, start: float, stop: float, every: float = 10.0) -> None:
        at = start
        while at <= stop:
            self.beats.append((T0 + at, agent, "update"))
            at += every

    def task(self, task_id: str, *, deps: tuple[str, ...] = (), skills: tuple[str, ...] = (), title: str = "") -> None:
        self.tasks[task_id] = {"deps": list(deps), "skills": list(skills), "title": title or f"task {task_id}"}

    def event(self, at: float, task_id: str, to_status: str, owner: str | None = None, *, action: str | None = None,
              actor: str | None = None, created: bool = False) -> None:
        action = action or ("create" if created else {"claimed": "claim", "in_progress": "start",
                                                      "completed": "complete", "failed": "fail"}.get(to_status, "external"))
        self.steps.append((T0 + at, task_id, to_status, owner, action, actor or owner, created))

    @property
    def events(self) -> list[tuple]:
        """The audit rows, in time order (as the triggers number them), with
        each one's ``from`` side the task's previous state."""
        rows, now = [], {}
        for at, task_id, to_status, owner, action, actor, created in sorted(self.steps, key=lambda s: s[0]):
            from_status, from_owner = (None, None) if created or task_id not in now else now[task_id]
            rows.append((len(rows) + 1, task_id, at, actor, action, from_status, to_status, from_owner, owner))
            now[task_id] = (to_status, owner)
        return rows

    @property
    def now(self) -> dict[str, tuple[str, str | None]]:
        return self.expected_at(float("inf"))

    def create(self, at: float, task_id: str, **task) -> None:
        self.task(task_id, **task)
        self.event(at, task_id, "pending", created=True)

    def run(self, at: float, task_id: str, agent: str, *, took: float, done: str = "completed") -> None:
        """Claim at ``at``, start a second later, finish ``took`` after the claim."""
        self.event(at, task_id, "claimed", agent)
        self.event(at + 1, task_id, "in_progress", agent)
        self.event(at + took, task_id, done, agent if done != "pending" else None, actor=agent,
                   action="complete" if done == "completed" else "fail")

    def write(self, dl, *, ids_out_of_time_order: bool = False) -> None:
        """Write it; ``ids_out_of_time_order`` numbers the events backwards,
        as a hand-made log (the demo's, a script's) may be."""
        import json

        final = self.now
        events = self.events
        if ids_out_of_time_order:
            events = [(len(events) - row[0] + 1, *row[1:]) for row in events]

        def write(tx):
            for task_id, spec in self.tasks.items():
                status, owner = final.get(task_id, ("pending", None))
                tx.execute("INSERT INTO tasks(id, title, status, dependencies, required_skills, claimed_by)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           (task_id, spec["title"], status, json.dumps(spec["deps"]), json.dumps(spec["skills"]),
                            owner))
            tx.execute("DELETE FROM task_events")
            tx.executemany("INSERT INTO task_events(id, task_id, at, actor, action, from_status, to_status,"
                           " from_owner, to_owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
            tx.execute("DELETE FROM history_checkpoints")
            tx.execute("DELETE FROM history_minutes")
            tx.execute("DELETE FROM change_log")
            tx.executemany("INSERT INTO change_log(tbl, row_id, op, at) VALUES ('agents', ?, ?, ?)",
                           [(agent, op, at) for at, agent, op in sorted(self.beats)])

        dl.engine.write(write)

    def expected_at(self, at: float) -> dict[str, tuple[str, str | None]]:
        """Every task's (status, owner) after the events at or before ``T0 + at``,
        worked out independently of the code under test (a plain replay)."""
        state: dict[str, tuple[str, str | None]] = {}
        for _id, task_id, moment, _actor, _action, _fs, to_status, _fo, to_owner in self.events:
            if moment <= T0 + at:
                state[task_id] = (to_status, to_owner)
        return state
