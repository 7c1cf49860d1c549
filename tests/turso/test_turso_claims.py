"""Exactly-once claims across machines: several OS processes, each with its
own replica of one real primary, claim the same 200 tasks.

Claims are decided on the primary (one guarded ``UPDATE … RETURNING`` per
claim), so no task may be granted twice -- checked from the workers' reports
and from the primary's own audit table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from modes import TOKEN, open_replica, turso_primary  # noqa: F401 - fixture
from jetpack_tui.data.turso.hrana import HranaClient

WORKER = str(Path(__file__).with_name("turso_claim_worker.py"))
TASKS = 200
WORKERS = 4


def seed_tasks(url: str, count: int) -> None:
    """Insert the queue in one request (the DataLayer's create is per task)."""
    HranaClient(url, TOKEN).batch([
        ("INSERT INTO tasks(id, title, required_skills, dependencies, priority, created_at)"
         " VALUES (?, ?, '[\"python\"]', '[]', 'medium', ?)",
         (f"t{i:04d}", f"task {i}", f"2026-01-01 00:00:00.{i:06d}")) for i in range(count)])


def test_claim_storm_grants_every_task_exactly_once(turso_primary, tmp_path):
    with open_replica(turso_primary, tmp_path, "setup"):
        pass  # migrates the primary
    seed_tasks(turso_primary.url, TASKS)
    start = tmp_path / "go"
    env = dict(os.environ, TURSO_AUTH_TOKEN=TOKEN)
    procs, outs = [], []
    for n in range(WORKERS):
        out = tmp_path / f"out{n}.json"
        outs.append(out)
        procs.append(subprocess.Popen(
            [sys.executable, WORKER, turso_primary.url, str(tmp_path / f"w{n}" / "local.db"), f"agent{n}",
             str(start), str(out)], env=env))
    start.touch()
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    results = [json.loads(out.read_text()) for out in outs]

    assert [r["errors"] for r in results] == [[]] * WORKERS
    granted = [task_id for r in results for task_id, _token in r["claimed"]]
    assert len(granted) == TASKS and len(set(granted)) == TASKS
    assert all(r["claimed"] for r in results), "every worker should have won some claims"

    primary = HranaClient(turso_primary.url, TOKEN)
    per_task = Counter(task_id for (task_id,) in primary.execute(
        "SELECT task_id FROM task_events WHERE action = 'claim'"))
    assert len(per_task) == TASKS and set(per_task.values()) == {1}
    if turso_primary.proxy is not None:  # every claim went through the proxy (checked when the fixture ends)
        sent = [r for r in turso_primary.proxy.pipelines if r["agent"].startswith("jetpack-tui")]
        assert len(sent) >= TASKS + WORKERS
    owners = dict(primary.execute("SELECT id, claimed_by FROM tasks"))
    for n, r in enumerate(results):
        assert all(owners[task_id] == f"agent{n}" and token == 1 for task_id, token in r["claimed"])
