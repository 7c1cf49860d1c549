"""Mail, file reservations, leases and memories of the static demo database.

Like :mod:`.seed_tasks`, pure functions of the seed, the tasks and ``now``.
Threads follow the swarm's conventions (:mod:`.conventions`): a task's
thread starts with its ``task.claimed`` broadcast; help requests and replies,
failures and completions are replies in it.  Read and ack states are partial
on purpose, and only agents that are alive read recent mail.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from jetpack_tui.data.embedders import HashEmbedder

from .seed_tasks import AGENTS, FIXED, SeedTask
from .vocabulary import HELP_REPLIES, lesson

#: Task threads written at most (the most recent interesting tasks).
MAX_THREADS = 40
READERS = ("ada", "grace", "linus", "barbara", "ken")


@dataclass
class Mail:
    messages: list[dict] = field(default_factory=list)
    recipients: list[dict] = field(default_factory=list)
    broadcasts: list[str] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)


def _add(mail: Mail, rng: random.Random, *, sender: str, to: str, type: str, payload: dict, at: float,
         thread: str | None = None, task: str | None = None, read_share: float = 0.6) -> str:
    message_id = f"msg-{len(mail.messages) + 1:05d}"
    mail.messages.append({"id": message_id, "type": type, "from_agent": sender, "to_agent": to,
                          "payload": payload, "thread_id": thread or message_id, "sent_at": at, "task_id": task})
    if thread is None:
        mail.threads.append(message_id)
    names = [a[0] for a in AGENTS if a[0] != sender] if to == "*" else [to]
    if to == "*":
        mail.broadcasts.append(message_id)
    for name in names:
        read = name in READERS and rng.random() < read_share
        acked = read and rng.random() < 0.5
        mail.recipients.append({"message_id": message_id, "agent_id": name,
                                "read_at": at + rng.uniform(2, 60) if read else None,
                                "acked_at": at + rng.uniform(61, 120) if acked else None})
    return message_id


def build_mail(seed: int, tasks: list[SeedTask], now: float) -> Mail:
    rng = random.Random(f"jetpack-demo-mail:{seed}")
    mail = Mail()
    for agent_id, name, skills, age, _status in AGENTS:
        _add(mail, rng, sender=agent_id, to="*", type="agent.started",
             payload={"name": name, "skills": list(skills)}, at=now - 80_000 + len(mail.messages) * 60)
    _add(mail, rng, sender="operator", to="*", type="ops.notice",
         payload={"text": "Deploy freeze from 17:00 UTC: finish or hand off deploy tasks."}, at=now - 1800,
         read_share=0.5)
    storied = [t for t in tasks if t.owner and t.state != "cancelled"]
    storied = sorted(storied, key=lambda t: t.columns["claimed_at"] or 0.0)[-MAX_THREADS:]
    for task in storied:
        cols = task.columns
        claimed = cols["claimed_at"] or task.created
        payload = {"task_id": task.id, "title": task.title}
        thread = _add(mail, rng, sender=task.owner, to="*", type="task.claimed", payload=payload, at=claimed,
                      task=task.id, read_share=0.8)
        if task.state in ("in_progress", "orphaned", "failed") or rng.random() < 0.3:
            helper = rng.choice([a for a in READERS if a != task.owner])
            _add(mail, rng, sender=task.owner, to=helper, type="task.help_needed",
                 payload={**payload, "question": f"Any hints for {task.title}?"}, at=claimed + 20,
                 thread=thread, task=task.id, read_share=0.9)
            if rng.random() < 0.7:
                _add(mail, rng, sender=helper, to=task.owner, type="task.help_offered",
                     payload={**payload, "answer": rng.choice(HELP_REPLIES)}, at=claimed + 45,
                     thread=thread, task=task.id, read_share=0.7)
        if cols["status"] == "completed":
            _add(mail, rng, sender=task.owner, to="*", type="task.completed",
                 payload={**payload, "result": cols["result"]}, at=cols["updated_at"], thread=thread, task=task.id)
        elif cols["status"] == "failed":
            _add(mail, rng, sender=task.owner, to="*", type="task.failed",
                 payload={**payload, "error": cols["last_error"], "final": True}, at=cols["updated_at"],
                 thread=thread, task=task.id)
    return mail


def build_reservations(tasks: list[SeedTask], now: float) -> list[dict]:
    """Reservations of held tasks, plus fixed ones that show every case:
    a glob conflicting with a path, two compatible reads, a dead holder,
    an expired one and released ones."""
    by_title = {t.title: t.id for t in tasks}
    rows: list[dict] = []

    def add(agent, task_title, path, kind="edit", *, age=300.0, ttl=900.0, released=False):
        created = now - age
        rows.append({"id": f"res-{len(rows) + 1:05d}", "agent_id": agent, "task_id": by_title.get(task_title, task_title),
                     "file_path": path, "reservation_type": kind, "status": "released" if released else "active",
                     "created_epoch": created, "expires_at": None if ttl is None else created + ttl,
                     "released_at": created + 60 if released else None})

    add("ada", "Implement OAuth callback", "src/auth/oauth.py")
    add("ada", "Implement OAuth callback", "src/auth/callback.py")
    add("grace", "Write tests for parser", "src/auth/*.py", age=120)            # conflicts with ada
    add("ken", "Port date utils to TypeScript", "src/db/schema.sql", "read", ttl=None)
    add("barbara", None, "src/db/schema.sql", "read", age=40)                    # read + read: fine
    add("linus", "Render [bold]markup[/bold] literally in logs", "src/log/[render].py")
    add("dennis", "Rotate staging TLS certificates", "infra/tls/**", age=1500, ttl=3600)
    add("frances", "Write migration 0043: drop legacy_sessions", "migrations/0043_drop_legacy_sessions.sql",
        age=7300, ttl=120)                                                         # expired
    add("linus", "Cache pip wheels in CI", ".github/workflows/ci.yml", age=4000, released=True)
    add("margaret", None, "docs/[draft] setup.md", "create", age=200, ttl=None)
    add("barbara", None, "docs/**/*.md", "edit", age=30)                          # conflicts with margaret
    for task in tasks[len(FIXED):]:
        if task.columns["status"] in ("claimed", "in_progress") and task.files and task.owner:
            for path in task.files:
                age = now - (task.columns["claimed_at"] or now)
                add(task.owner, task.id, path, age=age, ttl=age + 600)
    return rows


def build_leases(now: float) -> list[dict]:
    return [
        {"resource": "deploy:staging", "agent_id": "linus", "token": 3, "acquired_at": now - 200,
         "expires_at": now + 400, "released_at": None},
        {"resource": "migrations:lock", "agent_id": "frances", "token": 1, "acquired_at": now - 7300,
         "expires_at": now - 7000, "released_at": None},
        {"resource": "ci:cache-warmup", "agent_id": None, "token": 5, "acquired_at": now - 5000,
         "expires_at": now - 4000, "released_at": now - 4500},
    ]


def embedding_blob(vector: list[float]) -> bytes:
    """1536 little-endian float32 values: the ``F32_BLOB`` layout."""
    return np.asarray(vector, dtype="<f4").tobytes()


def build_memories(seed: int, tasks: list[SeedTask], now: float, count: int) -> list[dict]:
    """``count`` memories about completed tasks, embedded offline."""
    rng = random.Random(f"jetpack-demo-memories:{seed}")
    embedder = HashEmbedder()
    done = [t for t in tasks if t.columns["status"] in ("completed", "failed")] or tasks
    rows = []
    for number in range(count):
        task = done[(number * 7919) % len(done)] if done else None
        title = task.title if task else "the demo"
        kind, content = lesson(rng, title)
        at = min((task.columns["updated_at"] if task else now) + 5, now - 1)
        rows.append({"id": f"mem-{number + 1:05d}", "type": kind, "content": content,
                     "importance": round(rng.uniform(0.2, 1.0), 2), "embedding": embedding_blob(embedder.embed_one(content)),
                     "metadata": {"tags": [kind, *(task.skills if task else ())], "source": "seed"},
                     "created_epoch": at, "task_id": task.id if task else None,
                     "agent_id": task.owner if task else None, "embedder": embedder.name})
    return rows
