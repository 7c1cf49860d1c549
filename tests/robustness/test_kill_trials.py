"""SIGKILL at random moments during claims, broadcasts and migrations: 100 trials.

Each trial copies a small database, forks a worker from a zygote
(``kill_zygote.py``: the import is paid once), lets it work, kills it with
SIGKILL after a random short delay, then checks the file:

* ``PRAGMA integrity_check`` is ``ok``;
* nothing is lost: every step the worker logged AFTER its commit is there,
  at most one unlogged step more (the one committed just before the kill);
* claims: tasks the dead worker held keep their lease (nothing comes back
  early) and ALL come back as soon as the lease ends (clock moved there);
* broadcasts: every message reached all recipients or does not exist;
* migrations: the schema is the old one or the new one, never half; opening
  again finishes the upgrade and every seed row is still there.

``bench/faults/kill_trials.py`` runs many more trials.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import libsql_experimental as libsql
import pytest

from jetpack_tui.data import clock as data_clock
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.schema import SEED_SQL, latest_version

from .kill_zygote import LEASE

ZYGOTE = Path(__file__).with_name("kill_zygote.py")
TRIALS = {"claims": 40, "broadcasts": 30, "migrate": 30}
TEMPLATE_TASKS = 20
RECIPIENTS = 4
SEED_ROWS = {"tasks": 3000, "messages": 1000, "memories": 2000}


class Zygote:
    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        self.proc = subprocess.Popen([sys.executable, str(ZYGOTE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)

    def fork(self, workload: str, path: str, log: str, seed: int) -> int:
        self.proc.stdin.write(json.dumps({"workload": workload, "path": path, "log": log, "seed": seed}) + "\n")
        self.proc.stdin.flush()
        kind, pid = self.proc.stdout.readline().split()
        assert kind == "pid"
        return int(pid)

    def reaped(self) -> int:
        self.proc.stdin.write("reap\n")
        self.proc.stdin.flush()
        kind, status = self.proc.stdout.readline().split()
        assert kind == "exit"
        return int(status)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    yield z
    z.close()


def log_lines(log: str) -> list[str]:
    return Path(log).read_text().splitlines() if os.path.exists(log) else []


def wait_ready(log: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while "ready" not in log_lines(log)[:1]:
        assert time.monotonic() < deadline, f"worker never became ready: {log_lines(log)}"
        time.sleep(0.002)


def trial(zygote: Zygote, workload: str, template: str, folder: Path, seed: int, delay: float | None) -> tuple:
    folder.mkdir(parents=True)
    path, log = str(folder / "jetpack.db"), str(folder / "worker.log")
    shutil.copyfile(template, path)
    pid = zygote.fork(workload, path, log, seed)
    if workload != "migrate":
        wait_ready(log)
    if delay is not None:
        time.sleep(delay)  # the random moment of death is the point of the trial
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # not expected: unreaped, it is at worst a zombie
            pass
    status = zygote.reaped()
    lines = log_lines(log)
    assert not [line for line in lines if line.startswith("error")], lines
    return path, lines, status


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    root = tmp_path_factory.mktemp("kill-templates")
    claims = str(root / "claims.db")
    with create_local_data_layer(claims) as dl:
        for n in range(3):
            dl.agents.register(f"worker-{n}")
        for n in range(TEMPLATE_TASKS):
            dl.tasks.create(f"seed task {n}", id=f"S-{n:02d}", priority=("high", "medium", "low")[n % 3])
    broadcasts = str(root / "broadcasts.db")
    with create_local_data_layer(broadcasts) as dl:
        for n in range(RECIPIENTS + 1):
            dl.agents.register(f"agent-{n}")
    seed_only = str(root / "seed.db")  # as another implementation of the seed design leaves it
    script = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "conn.executescript(sys.stdin.read())\n"
        f"conn.executemany('INSERT INTO tasks(id, title, dependencies) VALUES (?, ?, ?)',"
        f" [(f'old-{{i}}', f'old task {{i}}', '[]') for i in range({SEED_ROWS['tasks']})])\n"
        f"conn.executemany('INSERT INTO messages(id, type, from_agent, to_agent, payload) VALUES (?, ?, ?, ?, ?)',"
        f" [(f'm-{{i}}', 'agent.note', 'a', 'b', '{{}}') for i in range({SEED_ROWS['messages']})])\n"
        f"conn.executemany('INSERT INTO memories(id, type, content) VALUES (?, ?, ?)',"
        f" [(f'y-{{i}}', 'fact', f'remember needle{{i}} among hay words') for i in range({SEED_ROWS['memories']})])\n"
        "conn.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script, seed_only], input=SEED_SQL, text=True, check=True)
    return {"claims": claims, "broadcasts": broadcasts, "migrate": seed_only}


def check_claims(path: str, lines: list[str], monkeypatch) -> None:
    created = {line.split()[1] for line in lines if line.startswith("C ")}
    done = {line.split()[1] for line in lines if line.startswith("D ")}
    held = {line.split()[1] for line in lines if line.startswith("H ")}
    with create_local_data_layer(path, lease_ttl=LEASE) as dl:
        assert dl.engine.value("PRAGMA integrity_check") == "ok"
        tasks = {t.id: t for t in dl.tasks.list(limit=None)}
        assert TEMPLATE_TASKS + len(created) <= len(tasks) <= TEMPLATE_TASKS + len(created) + 1
        assert created <= tasks.keys()
        assert all(tasks[d].status == "completed" and tasks[d].result["i"] >= 0 for d in done)
        owned = {t.id: t for t in tasks.values() if t.status in ("claimed", "in_progress")}
        assert held <= owned.keys()
        for task in tasks.values():
            if task.id in owned:
                assert task.claimed_by and task.lease_expires_at is not None
                assert task.lease_expires_at <= time.time() + LEASE
            else:
                assert task.status in ("pending", "completed") and task.lease_expires_at is None
        assert dl.tasks.reclaim_expired() == []  # the dead worker's leases still run
        if owned:
            end = max(t.lease_expires_at for t in owned.values())
            monkeypatch.setattr(data_clock, "now", lambda: end + 0.001)
            back = dl.tasks.reclaim_expired()
            monkeypatch.undo()
            assert {t.id for t in back} == owned.keys()
            assert all(t.status == "pending" and t.claimed_by is None for t in back)
        assert dl.tasks.count(status=["claimed", "in_progress"]) == 0


def check_broadcasts(path: str, lines: list[str]) -> None:
    sent = {line.split()[1] for line in lines if line.startswith("B ")}
    with create_local_data_layer(path) as dl:
        assert dl.engine.value("PRAGMA integrity_check") == "ok"
        messages = dl.messages.list(limit=1_000_000)
        assert sent <= {m.id for m in messages} and len(messages) <= len(sent) + 1
        assert all(m.recipients == RECIPIENTS for m in messages), "a broadcast reached only some agents"
        assert dl.messages.unread_count() == RECIPIENTS * len(messages)


def _raw_version(path: str) -> int:
    conn = libsql.connect(path, isolation_level=None)
    try:
        has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'jetpack_meta'").fetchall()
        row = conn.execute("SELECT value FROM jetpack_meta WHERE key = 'schema_version'").fetchall() if has_meta else []
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return int(row[0][0]) if row else 0
    finally:
        conn.close()


def check_migration(path: str, lines: list[str]) -> bool:
    finished = any(line.startswith("migrated") for line in lines)
    version = _raw_version(path)
    assert version in (0, latest_version()), f"half-applied migration: version {version}"
    assert version == latest_version() or not finished
    with create_local_data_layer(path) as dl:  # opening again completes the upgrade
        assert dl.schema_version() == latest_version()
        assert dl.engine.value("PRAGMA integrity_check") == "ok"
        assert dl.tasks.count() == SEED_ROWS["tasks"] and dl.messages.count() == SEED_ROWS["messages"]
        assert dl.memories.count() == SEED_ROWS["memories"]
        assert [h.memory.id for h in dl.memories.search("needle1234", k=1)] == ["y-1234"]
    return not finished


@pytest.mark.parametrize("workload", list(TRIALS))
def test_sigkill_at_random_moments(workload, zygote, templates, tmp_path, monkeypatch):
    rng = random.Random(f"kill-{workload}")
    if workload == "migrate":  # calibrate: how long does a whole upgrade take here?
        started = time.monotonic()
        path, lines, _ = trial(zygote, workload, templates[workload], tmp_path / "calibrate", 0, None)
        window = time.monotonic() - started
        assert any(line.startswith("migrated") for line in lines)
        check_migration(path, lines)
    else:
        window = 0.05
    interrupted = 0
    for n in range(TRIALS[workload]):
        path, lines, status = trial(zygote, workload, templates[workload], tmp_path / f"t{n}", n + 1,
                                    rng.uniform(0, window))
        if workload == "claims":
            check_claims(path, lines, monkeypatch)
            interrupted += os.WIFSIGNALED(status)
        elif workload == "broadcasts":
            check_broadcasts(path, lines)
            interrupted += os.WIFSIGNALED(status)
        else:
            interrupted += check_migration(path, lines)
    # the kills really landed while work was going on
    print(f"{workload}: {TRIALS[workload]} trials, {interrupted} cut short by SIGKILL")
    assert interrupted >= TRIALS[workload] // 3, f"only {interrupted} trials were cut short"
