"""Claims across real OS processes: exactly-once, crash safety, fencing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from jetpack_tui.data import create_local_data_layer

WORKER = str(Path(__file__).with_name("claim_worker.py"))


def spawn(db: str, agent: str, mode: str, ttl: float = 60.0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, WORKER, db, agent, mode, str(ttl)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def seed(db: str, count: int) -> None:
    with create_local_data_layer(db) as dl:
        def write(tx):
            for i in range(count):
                tx.execute("INSERT INTO tasks(id, title, priority, required_skills, dependencies, priority_rank)"
                           " VALUES (?, ?, 'medium', '[]', '[]', 2)", (f"t{i:05d}", f"task {i}"))
        dl.engine.write(write)


def test_many_processes_claim_each_task_exactly_once(tmp_path):
    db = str(tmp_path / "j.db")
    seed(db, 600)
    workers = [spawn(db, f"agent-{n}", "drain") for n in range(6)]
    records = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        records += lines(out)
    errors = [r for r in records if "error" in r or "refused" in r]
    assert errors == []
    claims = Counter(r["claimed"] for r in records if "claimed" in r)
    assert len(claims) == 600 and set(claims.values()) == {1}
    with create_local_data_layer(db) as dl:
        assert dl.tasks.counts_by_status() == {"completed": 600}
        owners = {r[0] for r in dl.engine.rows("SELECT to_owner FROM task_events WHERE action = 'claim'")}
        assert len(owners) > 1  # the work really was shared


def test_sigkill_during_claims_loses_nothing(tmp_path):
    """Victims are SIGKILLed at random points of their claim loop, and two
    while certainly holding a claim: every task is still completed exactly
    once, and each claim a dead victim held was reclaimed after its lease."""
    db = str(tmp_path / "j.db")
    seed(db, 2000)
    rng = random.Random(7)
    victims = [spawn(db, f"victim-{n}", "drain", ttl=0.5) for n in range(4)]
    holders = [spawn(db, f"holder-{n}", "hold", ttl=0.5) for n in range(2)]
    survivor = spawn(db, "steady", "drain", ttl=0.5)
    for victim in victims:
        for _ in range(rng.randint(1, 40)):
            line = victim.stdout.readline()
            assert line, victim.stderr.read()
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    held = set()
    for holder in holders:
        held.add(json.loads(holder.stdout.readline())["holding"])
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    out, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err
    assert [r for r in lines(out) if "error" in r] == []
    with create_local_data_layer(db) as dl:
        assert dl.engine.value("PRAGMA integrity_check") == "ok"
        assert dl.tasks.counts_by_status() == {"completed": 2000}
        completed_twice = dl.engine.rows(
            "SELECT task_id, count(*) FROM task_events WHERE action = 'complete' GROUP BY task_id HAVING count(*) > 1")
        assert completed_twice == []
        for task_id in held:
            # after the dead holder's claim: its lease expired and was reclaimed, then a live
            # worker (the survivor, or a victim not yet killed) claimed and completed it once
            events = dl.tasks.history(task_id)
            grant = max(i for i, e in enumerate(events) if e.action == "claim" and e.to_owner.startswith("holder-"))
            after = [e.action for e in events[grant + 1:]]
            assert after[0] == "reclaim" and after[-1] == "complete" and after.count("complete") == 1, after
            assert not dl.tasks.get(task_id).claimed_by.startswith("holder-")


def test_paused_worker_cannot_overwrite_its_successor(tmp_path):
    db = str(tmp_path / "j.db")
    with create_local_data_layer(db) as dl:
        dl.tasks.create("the only task", id="only")
    paused = spawn(db, "sleepy", "pause", ttl=0.3)
    claimed = json.loads(paused.stdout.readline())
    assert claimed == {"claimed": "only", "token": 1}
    os.kill(paused.pid, signal.SIGSTOP)
    try:
        with create_local_data_layer(db) as dl:
            deadline = time.time() + 10
            while not dl.tasks.reclaim_expired() and time.time() < deadline:
                time.sleep(0.05)
            successor = dl.tasks.claim("eager", "only")
            assert successor.claim_token == 2
            dl.tasks.start("only", "eager", 2)
    finally:
        os.kill(paused.pid, signal.SIGCONT)
    out, err = paused.communicate("go\n", timeout=30)
    assert lines(out) == [{"renew": "StaleLeaseError"}, {"complete": "StaleLeaseError"}], err
    with create_local_data_layer(db) as dl:
        task = dl.tasks.get("only")
        assert (task.status, task.claimed_by, task.claim_token) == ("in_progress", "eager", 2)
