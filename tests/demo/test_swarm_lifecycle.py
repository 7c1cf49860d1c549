"""How demo agents end, for real (agent processes on one file):

* an agent the operator deregisters says so in the swarm log, stops cleanly
  and is NOT replaced (deregister sticks);
* quitting the demo stops every agent cleanly: its claims, reservations and
  leases go back in one audited transaction and it shows as ``stopped``;
* the demo stores its liveness rule in the database, so ``status --json``
  and the dashboard classify agents alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from jetpack_tui.data import Liveness, create_local_data_layer
from jetpack_tui.data.settings import LIVENESS
from jetpack_tui.demo.pace import DEREGISTERED, Pace
from jetpack_tui.demo.swarm import Swarm, SwarmConfig
from waiting import wait_until

SPEED = 25


def _log(db: str) -> str:
    with open(db + ".swarm.log", encoding="utf-8", errors="replace") as handle:
        return handle.read()


def _status(db: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "jetpack_tui", "status", "--json", "--db", db],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={**os.environ, "HOME": os.path.dirname(db), "XDG_CONFIG_HOME": os.path.dirname(db)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_deregistered_agent_says_so_stops_and_is_not_replaced(tmp_path):
    db = str(tmp_path / "swarm.db")
    swarm = Swarm(SwarmConfig(db=db, agents=2, seed=3, speed=SPEED, first_death_after=None, death_rate=0.0))
    with swarm, create_local_data_layer(db) as dl:
        busy = wait_until(lambda: next((t.claimed_by for t in dl.tasks.list(status=["in_progress"])), None),
                         20, "an agent at work")
        seen = dl.agents.get(busy)
        dl.agents.deregister(busy, by="operator", seen_version=seen.version)  # the Agents pane's D, y

        wait_until(lambda: swarm.stats.exits.get(busy) is not None, 10, f"{busy} to exit")
        assert swarm.stats.exits[busy] == DEREGISTERED
        started = swarm.stats.started
        time.sleep(Pace(SPEED).respawn_after * 4)  # long past the moment a replacement would start
        assert swarm.stats.started == started and swarm.stats.respawns == 0, swarm.stats
        assert len(swarm.live_pids()) == 2  # the planner and the other agent
        assert dl.agents.find(busy) is None  # it did not register itself again
        assert [t.id for t in dl.tasks.list(status=["claimed", "in_progress"]) if t.claimed_by == busy] == []
        assert dl.reservations.list(agent_id=busy) == [] and dl.leases.list(agent_id=busy) == []
    log = _log(db)
    assert f"{busy}: deregistered by an operator" in log, log[-2000:]
    assert "Traceback" not in log and "NotFoundError" not in log, log[-3000:]
    assert swarm.stats.crashes == 0 and swarm.stats.deregistered == 1


def test_quitting_stops_every_agent_cleanly_and_returns_its_work(tmp_path):
    db = str(tmp_path / "swarm.db")
    swarm = Swarm(SwarmConfig(db=db, agents=3, seed=5, speed=SPEED, first_death_after=None, death_rate=0.0))
    swarm.start()
    try:
        with create_local_data_layer(db, read_only=True) as dl:
            wait_until(lambda: len(dl.tasks.list(status=["in_progress"])) >= 2 and dl.reservations.count() >= 1,
                      20, "agents holding tasks and reservations")
    finally:
        swarm.stop()
    assert sorted(swarm.stats.exits.values()) == [0, 0, 0, 0], swarm.stats  # planner + 3 agents, all clean
    with create_local_data_layer(db, read_only=True) as dl:
        agents = dl.agents.list()
        assert len(agents) == 3 and {a.liveness for a in agents} == {"stopped"}, agents
        assert all(a.current_task is None for a in agents)
        assert dl.tasks.list(status=["claimed", "in_progress"]) == []
        assert dl.reservations.count() == 0
        assert [lease for lease in dl.leases.list() if lease.agent_id] == []
        stops = [e for t in dl.tasks.list(limit=None) for e in dl.tasks.history(t.id) if e.action == "stop"]
        assert len(stops) >= 2 and {e.actor for e in stops} <= {a.id for a in agents}
    doc = _status(db)
    assert doc["agents"] == {"total": 3, "alive": 0, "stale": 0, "dead": 0, "stopped": 3}
    assert doc["orphans"] == [] and doc["stale_agents"] == []
    assert "Traceback" not in _log(db)


def test_the_demo_stores_its_liveness_rule_for_every_reader(tmp_path):
    db = str(tmp_path / "swarm.db")
    rule = Pace(SPEED).liveness
    assert rule != Liveness()
    with Swarm(SwarmConfig(db=db, agents=1, speed=SPEED, first_death_after=None)):
        with create_local_data_layer(db, read_only=True) as dl:
            assert dl.settings.get(LIVENESS) == rule and dl.agents.liveness_rule() == rule
        # an agent silent for longer than the demo's dead_after: dead for the dashboard AND for status
        with create_local_data_layer(db) as dl:
            dl.agents.register("quiet")
        time.sleep(rule.dead_after + 0.1)
        doc = _status(db)
        assert {a["id"]: a["liveness"] for a in doc["stale_agents"]}.get("quiet") == "dead", doc["stale_agents"]


def test_a_demo_agent_works_on_the_task_an_operator_gives_it(tmp_path):
    """claim_for / reassign must make the chosen agent start the task (it used
    to sit claimed until the janitor took it back, 122 s later)."""
    db = str(tmp_path / "swarm.db")
    swarm = Swarm(SwarmConfig(db=db, agents=2, seed=5, speed=SPEED, first_death_after=None, death_rate=0.0))
    with swarm, create_local_data_layer(db) as dl:
        agent = wait_until(lambda: next((a.id for a in dl.agents.list() if a.liveness == "alive"
                                         and a.id != "planner"), None), 20, "an agent alive")
        given = dl.tasks.create("operator's pick", priority="low")
        dl.tasks.claim_for(agent, given.id, by="operator")
        started = wait_until(lambda: next((e for e in dl.tasks.history(given.id)
                                           if e.action == "start" and e.actor == agent), None),
                             30, f"{agent} to start the task it was given")
        assert started.to_status == "in_progress"
        assert dl.tasks.get(given.id).claim_token == dl.tasks.history(given.id)[1].claim_token  # no new grant
