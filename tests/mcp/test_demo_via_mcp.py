"""``demo --via mcp``: the demo agents work through their own MCP servers, and the
dashboard's data shows them like any agent; an agent's death (its server SIGKILLed)
loses its task to the queue; stopping the swarm leaves no server running."""

from __future__ import annotations

import time

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.demo.pace import DIED, Pace
from jetpack_tui.demo.swarm import Swarm, SwarmConfig, pid_gone

DEADLINE = 60.0
SPEED = 20


def test_demo_agents_work_through_mcp_and_leave_no_server_running(tmp_path):
    db = str(tmp_path / "demo.db")
    swarm = Swarm(SwarmConfig(db=db, agents=2, seed=3, speed=SPEED, via="mcp", first_death_after=1,
                              death_rate=0.0, fail_rate=0.0))
    started = time.monotonic()
    swarm.start()
    servers: set[int] = set()
    try:
        dl = create_local_data_layer(db, read_only=True, liveness=Pace(SPEED).liveness)
        progress: dict = {}
        while time.monotonic() - started < DEADLINE:
            agents = {a.id: a for a in dl.agents.list()}
            servers |= {int(a.session_id.rsplit("-", 1)[1]) for a in agents.values()
                        if (a.session_id or "").startswith("mcp-pid-")}
            died = {role for role, code in swarm.stats.exits.items() if code == DIED}
            progress = {"agents": sorted(agents), "completed": dl.tasks.count(status="completed"),
                        "memories": dl.memories.count(), "died": died,
                        "claimed_messages": dl.messages.count(type="task.claimed")}
            if progress["completed"] >= 3 and died and progress["memories"] >= 1:
                break
            time.sleep(0.25)
        completed = dl.tasks.list(status="completed", limit=None)
        dl.close()
    finally:
        swarm.stop()
    log = open(db + ".swarm.log", encoding="utf-8", errors="replace").read()
    assert "Traceback" not in log, log[-3000:]
    assert progress["completed"] >= 3 and progress["memories"] >= 1, progress
    assert {t.last_actor for t in completed} <= {"ada-1", "ada-2", "grace-1"}  # done by the MCP agents
    assert progress["died"] == {"ada-1"}, progress  # the first agent died on its second task
    assert len(servers) >= 2  # each agent registered through its own server process
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(pid_gone(pid) for pid in servers):
        time.sleep(0.05)
    assert [pid for pid in servers if not pid_gone(pid)] == []
    assert [pid for pid in swarm.pids if not pid_gone(pid)] == []
    with create_local_data_layer(db) as after:
        assert after.agents.get("grace-1").status == "stopped"  # a clean goodbye through the server
        dead = after.agents.find("ada-1")  # (the janitor may have deregistered it by now)
        assert dead is None or dead.status != "stopped"  # a dead server says nothing
