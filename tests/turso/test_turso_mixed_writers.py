"""Concurrent writers of every kind, on different replicas, give the same
outcomes as local mode: every task claimed and completed exactly once, never
two strict reservations held on overlapping paths at once, every broadcast
delivered to every other agent, no renewal refused.

Each agent is an OS process (its own replica in Turso mode, the same file
in local mode) that claims, renews, reserves one of three overlapping globs
strictly, broadcasts and completes until the queue is empty.  In Turso mode
each of those writes is rehearsed on a replica that is usually behind (the
others keep writing), so most of them meet a changed primary at least once:
exactly the case the one-request guards exist for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from modes import TOKEN, Primary
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.turso import create_turso_data_layer

WORKER = str(Path(__file__).with_name("mixed_writer.py"))
AGENTS = 4
TASKS = 24


@pytest.mark.parametrize("mode", ["local", "turso"])
def test_mixed_concurrent_writers_match_local_mode(mode, tmp_path):
    primary = None
    if mode == "turso":
        primary = Primary(tmp_path / "primary")
        target = primary.start()
        opened = create_turso_data_layer(target, TOKEN, replica_path=str(tmp_path / "setup" / "local.db"),
                                         sync_interval=None)
    else:
        target = str(tmp_path / "jetpack.db")
        opened = create_local_data_layer(target)
    try:
        with opened as dl:
            for n in range(TASKS):
                dl.tasks.create(f"task {n}", id=f"t{n:03d}", required_skills=["python"])
        outcomes = _run_agents(mode, target, tmp_path)
        with (create_turso_data_layer(target, TOKEN, replica_path=str(tmp_path / "check" / "local.db"),
                                      sync_interval=None) if primary else create_local_data_layer(target)) as dl:
            _check(dl, outcomes)
    finally:
        if primary is not None:
            primary.finish()


def _run_agents(mode: str, target: str, folder: Path) -> list[dict]:
    start = folder / "go"
    env = dict(os.environ, TURSO_AUTH_TOKEN=TOKEN)
    procs = [subprocess.Popen([sys.executable, WORKER, mode, target, str(folder / f"a{n}" / "local.db"),
                               f"agent{n}", str(start), str(folder / f"out{n}.json")], env=env)
             for n in range(AGENTS)]
    deadline = time.monotonic() + 120
    while not all((folder / f"go.agent{n}").exists() for n in range(AGENTS)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "an agent did not start"
        time.sleep(0.01)
    start.touch()
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    return [json.loads((folder / f"out{n}.json").read_text()) for n in range(AGENTS)]


def _overlap(a: str, b: str) -> bool:
    """The three globs of mixed_writer.SHARED: ``shared/**`` covers both others."""
    return a == b or "shared/**" in (a, b)


def _check(dl, outcomes: list[dict]) -> None:
    assert [o["errors"] for o in outcomes] == [[]] * AGENTS
    completed = [task for o in outcomes for task in o["completed"]]
    assert sorted(completed) == [f"t{n:03d}" for n in range(TASKS)]  # each exactly once
    claims = Counter(e.action for n in range(TASKS) for e in dl.tasks.history(f"t{n:03d}"))
    assert claims["claim"] == TASKS and claims["complete"] == TASKS
    assert all(dl.tasks.get(f"t{n:03d}").status == "completed" for n in range(TASKS))

    won = [r for o in outcomes for r in o["won"]]
    assert len(won) + sum(o["lost"] for o in outcomes) == TASKS
    held = sorted((dl.reservations.get(r) for r in won), key=lambda r: r.created_at)
    assert all(r.status == "released" for r in held)  # completing released them
    for i, first in enumerate(held):
        for second in held[i + 1:]:
            if first.agent_id != second.agent_id and _overlap(first.file_path, second.file_path):
                assert second.created_at >= first.released_at, (first, second)  # never held together

    broadcasts = [m for o in outcomes for m in o["broadcasts"]]
    assert len(broadcasts) == TASKS and len(set(broadcasts)) == TASKS
    for message_id in broadcasts:
        sender = dl.messages.get(message_id).from_agent
        assert sorted(d.agent_id for d in dl.messages.deliveries(message_id)) == sorted(
            f"agent{n}" for n in range(AGENTS) if f"agent{n}" != sender)
