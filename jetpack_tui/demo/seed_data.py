"""``build_demo_database``: a static, fully deterministic demo database.

For screenshots, snapshot tests and trying the dashboard without a swarm.
Given the same ``seed``, ``tasks`` and ``now`` every row is identical
(fixed ids such as ``task-00001``, ``msg-00001``; timestamps relative to
``now``), so a picture of it can be compared byte for byte.

Rows are written with SQL inside ``engine.write`` rather than through the
DataLayer's verbs: the verbs stamp the real clock and random ids, which is
right for a swarm and wrong for a fixture.  The database is created by
:func:`~jetpack_tui.data.create_local_data_layer` first, so the schema,
its triggers and migrations are the real ones.  After writing, the audit
log the triggers wrote (one event per row, stamped with the real clock) is
replaced by the tasks' whole lives (:mod:`.seed_history`: claims, starts,
completions, failures and retries over the last hours), and the change feed
by the agents' heartbeats of the last hours followed by the rows written,
stamped ``now``.  Only ``jetpack_meta``'s migration stamps keep the real time.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Callable

from jetpack_tui.data import clock, create_local_data_layer
from jetpack_tui.data.jsonvalues import dump_json
from jetpack_tui.data.task_rows import rank_of

from .seed_history import heartbeats, live_through
from .seed_mail import build_leases, build_mail, build_memories, build_reservations
from .seed_tasks import AGENTS, FIXED, SeedTask, agent_rows, build_tasks, current_tasks

#: A fixed "now" for pictures that must never change: 2026-01-15 12:00:00 UTC.
DEMO_EPOCH = 1_768_478_400.0
DEFAULT_TASKS = 60
#: Rows per write transaction (and per progress step).
BATCH = 2_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoManifest:
    """What was written, so tests and tools can name rows without guessing."""

    path: str
    seed: int
    now: float
    tasks: int
    #: Task ids per story state (``ready``, ``blocked``, ``orphaned``, ``expired``…).
    task_states: dict[str, list[str]] = field(default_factory=dict)
    #: Agent id -> liveness under the default thresholds (alive / stale / dead).
    agents: dict[str, str] = field(default_factory=dict)
    messages: int = 0
    broadcasts: tuple[str, ...] = ()
    threads: tuple[str, ...] = ()
    reservations: int = 0
    memories: int = 0
    leases: int = 0

    @property
    def status_counts(self) -> dict[str, int]:
        return {state: len(ids) for state, ids in self.task_states.items()}


def _liveness(age: float) -> str:
    return "alive" if age < 30 else "stale" if age < 120 else "dead"


def _text(epoch: float | None) -> str | None:
    return None if epoch is None else clock.to_db_text(epoch)


def _task_row(task: SeedTask) -> tuple:
    c = task.columns
    return (task.id, task.parent_id, task.title, c["status"], task.priority,
            dump_json(list(task.skills), what="skills"), dump_json(task.deps, what="deps"), c["claimed_by"],
            c["session_id"], _text(task.created), task.description, c["updated_at"], c["claimed_at"],
            c["lease_expires_at"], c["claim_token"], c["attempts"], c["max_attempts"], c["available_at"],
            c["last_error"], None if c["result"] is None else dump_json(c["result"], what="result"),
            c["version"], c["last_actor"], c["last_action"], rank_of(task.priority))


TASK_INSERT = (
    "INSERT INTO tasks(id, parent_id, title, status, priority, required_skills, dependencies, claimed_by,"
    " session_id, created_at, description, updated_at, claimed_at, lease_expires_at, claim_token, attempts,"
    " max_attempts, available_at, last_error, result, version, last_actor, last_action, priority_rank)"
    " VALUES (" + ", ".join("?" * 24) + ")"
)
AGENT_INSERT = ("INSERT INTO agents(id, name, status, skills, session_id, last_heartbeat, heartbeat_at,"
                " registered_at, current_task) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
MESSAGE_INSERT = ("INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, timestamp, task_id,"
                  " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
RECIPIENT_INSERT = "INSERT INTO message_recipients(message_id, agent_id, read_at, acked_at) VALUES (?, ?, ?, ?)"
RESERVATION_INSERT = ("INSERT INTO file_reservations(id, agent_id, task_id, file_path, reservation_type, status,"
                      " created_at, expires_at, released_at, created_epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
MEMORY_INSERT = ("INSERT INTO memories(id, type, content, importance, embedding, metadata, created_at, task_id,"
                 " agent_id, embedder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
LEASE_INSERT = ("INSERT INTO leases(resource, agent_id, token, acquired_at, expires_at, released_at)"
                " VALUES (?, ?, ?, ?, ?, ?)")


EVENT_INSERT = ("INSERT INTO task_events(id, task_id, at, actor, action, from_status, to_status, from_owner,"
                " to_owner, claim_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _feed(tx, beats: list[tuple[float, str]], moment: float) -> None:
    """The change feed as a swarm leaves it: the rows written, then the
    heartbeats in time order — each stamped with a time of the story, so
    what the feed remembers (its first change) is where heartbeats begin."""
    written = tx.rows("SELECT tbl, row_id, op FROM change_log ORDER BY seq")
    start = beats[0][0] - 1.0 if beats else moment
    tx.execute("DELETE FROM change_log")
    tx.executemany("INSERT INTO change_log(tbl, row_id, op, at) VALUES (?, ?, ?, ?)",
                   [(tbl, row_id, op, start) for tbl, row_id, op in written])
    tx.executemany("INSERT INTO change_log(tbl, row_id, op, at) VALUES ('agents', ?, 'update', ?)",
                   [(agent, at) for at, agent in beats])


def build_demo_database(path: str | os.PathLike[str] | None, *, seed: int = 0, tasks: int = DEFAULT_TASKS,
                        now: float | None = None, memories: int | None = None,
                        progress: Progress | None = None, layer=None) -> DemoManifest:
    """Create a demo database at ``path`` (which must not exist or be empty).

    ``tasks`` is the number of task rows (13 or more give every state);
    ``now`` (epoch seconds, default the current time) anchors every
    timestamp: liveness and lease expiry are relative to it, so pass
    :data:`DEMO_EPOCH` and a frozen dashboard clock for pictures.
    ``progress(done, total)`` is called after each batch of rows.
    ``layer``: write into this open, empty DataLayer instead (a Turso
    store: ``jetpack-tui seed --turso-url``); ``path`` is then ignored.
    """
    if not isinstance(tasks, int) or tasks < 0:
        raise ValueError("tasks must be a non-negative integer")
    if layer is None:
        path = os.fspath(path)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            raise FileExistsError(f"{path}: already exists; a demo database is only written to a new file")
    else:
        path = layer.location
    moment = clock.now() if now is None else float(now)
    seeded = build_tasks(seed, tasks, moment)
    events = live_through(seeded, seed, moment)
    current = current_tasks(seeded)
    agents = agent_rows(moment)
    mail = build_mail(seed, seeded, moment)
    reservations = build_reservations(seeded, moment)
    memory_rows = build_memories(seed, seeded, moment,
                                 memories if memories is not None else max(16, min(tasks // 50, 400)))
    leases = build_leases(moment)
    total = (len(seeded) + len(agents) + len(mail.messages) + len(reservations) + len(memory_rows) + len(leases)
             + len(events))
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    with (nullcontext(layer) if layer is not None else create_local_data_layer(path)) as dl:
        engine = dl.engine
        engine.write(lambda tx: tx.executemany(AGENT_INSERT, [
            (a["id"], a["name"], a["status"], dump_json(a["skills"], what="skills"), a["session_id"],
             _text(a["heartbeat_at"]), a["heartbeat_at"], a["registered_at"], current.get(a["id"]))
            for a in agents]))
        step(len(agents))
        for start in range(0, len(seeded), BATCH):
            batch = [_task_row(t) for t in seeded[start:start + BATCH]]
            engine.write(lambda tx, batch=batch: tx.executemany(TASK_INSERT, batch))
            step(len(batch))

        def write_rest(tx) -> None:
            tx.executemany(MESSAGE_INSERT, [
                (m["id"], m["type"], m["from_agent"], m["to_agent"], dump_json(m["payload"], what="payload"),
                 m["thread_id"], _text(m["sent_at"]), m["task_id"], m["sent_at"]) for m in mail.messages])
            tx.executemany(RECIPIENT_INSERT, [(r["message_id"], r["agent_id"], r["read_at"], r["acked_at"])
                                              for r in mail.recipients])
            tx.executemany(RESERVATION_INSERT, [
                (r["id"], r["agent_id"], r["task_id"], r["file_path"], r["reservation_type"], r["status"],
                 _text(r["created_epoch"]), r["expires_at"], r["released_at"], r["created_epoch"])
                for r in reservations])
            tx.executemany(LEASE_INSERT, [(l["resource"], l["agent_id"], l["token"], l["acquired_at"],
                                           l["expires_at"], l["released_at"]) for l in leases])

        engine.write(write_rest)
        step(len(mail.messages) + len(reservations) + len(leases))
        for start in range(0, len(memory_rows), BATCH // 4):
            batch = memory_rows[start:start + BATCH // 4]
            engine.write(lambda tx, batch=batch: tx.executemany(MEMORY_INSERT, [
                (m["id"], m["type"], m["content"], m["importance"], m["embedding"],
                 dump_json(m["metadata"], what="metadata"), _text(m["created_epoch"]), m["task_id"],
                 m["agent_id"], m["embedder"]) for m in batch]))
            step(len(batch))
        engine.write(lambda tx: tx.execute("DELETE FROM task_events"))
        for start in range(0, len(events), BATCH * 4):
            batch = [(n, e.task_id, e.at, e.actor, e.action, e.from_status, e.to_status, e.from_owner, e.to_owner,
                      e.token) for n, e in enumerate(events[start:start + BATCH * 4], start=start + 1)]
            engine.write(lambda tx, batch=batch: tx.executemany(EVENT_INSERT, batch))
            step(len(batch))
        engine.write(lambda tx: _feed(tx, heartbeats(moment, seed), moment))
    states: dict[str, list[str]] = {}
    for task in seeded:
        states.setdefault(task.state if task.state != "completed_after_retry" else "completed", []).append(task.id)
    return DemoManifest(
        path=path, seed=seed, now=moment, tasks=len(seeded), task_states=states,
        agents={a[0]: _liveness(a[3]) for a in AGENTS}, messages=len(mail.messages),
        broadcasts=tuple(mail.broadcasts), threads=tuple(mail.threads), reservations=len(reservations),
        memories=len(memory_rows), leases=len(leases),
    )


__all__ = ["DEFAULT_TASKS", "DEMO_EPOCH", "DemoManifest", "FIXED", "build_demo_database"]
