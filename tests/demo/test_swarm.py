"""The demo swarm for real: planner and agents as OS processes on one file.

Runs until the swarm has shown everything the demo promises (progress,
memories, mail in threads, an agent dying while holding a task and that
task reclaimed from it, a replacement agent started) or 30 s have passed, then stops it and proves that
every process it ever started is gone."""

from __future__ import annotations

import os
import time

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.demo.pace import DIED, Pace
from jetpack_tui.demo.swarm import Swarm, SwarmConfig

DEADLINE = 30.0


def _no_such_process(pid: int) -> bool:
    """Strict: the PID is free (exited AND reaped), ``os.kill`` says so."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _progress(dl) -> dict:
    reclaimed = dl.messages.list(type="task.reclaimed", limit=50)
    return {
        "completed": dl.tasks.count(status="completed"),
        "memories": dl.memories.count(),
        "messages": dl.messages.count(),
        "threads_with_replies": sum(1 for t in dl.messages.threads(limit=200) if t.message_count >= 2),
        "reclaimed_from": {m.payload.get("previous_owner") for m in reclaimed if isinstance(m.payload, dict)},
        "reclaimed_tasks": [m.task_id for m in reclaimed],
    }


def test_swarm_makes_progress_survives_a_death_and_leaves_nothing_running(tmp_path):
    db = str(tmp_path / "swarm.db")
    swarm = Swarm(SwarmConfig(db=db, agents=6, seed=11, speed=25, first_death_after=1, death_rate=0.02))
    started = time.monotonic()
    swarm.start()
    try:
        dl = create_local_data_layer(db, read_only=True, liveness=Pace(25).liveness)
        seen = {}
        while time.monotonic() - started < DEADLINE:
            seen = _progress(dl)
            died = {role for role, code in swarm.stats.exits.items() if code == DIED}
            if (seen["completed"] >= 10 and seen["memories"] >= 3 and seen["threads_with_replies"] >= 3
                    and died & seen["reclaimed_from"] and swarm.stats.respawns >= 1):
                break
            time.sleep(0.25)
        reclaim_history = [e for task_id in seen["reclaimed_tasks"] for e in dl.tasks.history(task_id)
                           if e.action == "reclaim"]
        dl.close()
    finally:
        swarm.stop()
    log = open(db + ".swarm.log", encoding="utf-8", errors="replace").read()
    assert "Traceback" not in log, log[-3000:]
    assert seen["completed"] >= 10, seen
    assert seen["memories"] >= 3 and seen["messages"] > seen["completed"], seen
    assert seen["threads_with_replies"] >= 3, seen
    died = {role for role, code in swarm.stats.exits.items() if code == DIED}
    assert died, swarm.stats
    assert died & seen["reclaimed_from"], (died, seen["reclaimed_from"])
    assert any(e.from_owner in died and e.actor == "janitor" for e in reclaim_history)
    assert swarm.stats.respawns >= 1 and swarm.stats.crashes == 0, swarm.stats
    assert len(swarm.pids) == swarm.stats.started >= 7
    assert [pid for pid in swarm.pids if not _no_such_process(pid)] == []
    assert swarm.live_pids() == []


def test_stop_is_idempotent_and_a_stopped_swarm_reports_no_live_children(tmp_path):
    swarm = Swarm(SwarmConfig(db=str(tmp_path / "s.db"), agents=1, speed=50, first_death_after=None))
    with swarm:
        assert len(swarm.live_pids()) == 2
    swarm.stop()
    assert swarm.live_pids() == [] and all(_no_such_process(p) for p in swarm.pids)


def test_configuration_is_checked():
    with pytest.raises(ValueError):
        SwarmConfig(db="x.db", agents=0)
    with pytest.raises(ValueError):
        SwarmConfig(db="x.db", speed=0)
    pace = Pace(10)
    assert pace.liveness.stale_after < pace.liveness.dead_after < pace.lease_ttl
