"""Contract tests of dl.agents and dl.leases."""

from __future__ import annotations

import time

import pytest

from jetpack_tui.data import InvalidInputError, Liveness, NotFoundError, StaleLeaseError, create_local_data_layer


def test_register_updates_existing(dl):
    first = dl.agents.register("a1", name="Ada", skills=["python"])
    assert first.liveness == "alive" and first.skills == ["python"]
    again = dl.agents.register("a1", skills=["python", "go"])
    assert again.name == "Ada" and again.skills == ["python", "go"] and again.version == 2
    assert [a.id for a in dl.agents.list()] == ["a1"]
    with pytest.raises(InvalidInputError):
        dl.agents.register("")


def test_heartbeat_and_liveness(tmp_path):
    dl = create_local_data_layer(tmp_path / "j.db", liveness=Liveness(stale_after=0.05, dead_after=0.15))
    dl.agents.register("a")
    assert dl.agents.get("a").liveness == "alive"
    time.sleep(0.08)
    assert dl.agents.get("a").liveness == "stale"
    time.sleep(0.1)
    assert dl.agents.get("a").liveness == "dead"
    beat = dl.agents.heartbeat("a", status="working", current_task="t1")
    assert beat.liveness == "alive" and beat.status == "working" and beat.current_task == "t1"
    assert dl.agents.liveness_counts() == {"alive": 1, "stale": 0, "dead": 0, "stopped": 0}
    with pytest.raises(NotFoundError):
        dl.agents.heartbeat("ghost")
    dl.close()


def test_foreign_heartbeat_formats(dl, foreign_sql):
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".000Z"
    foreign_sql([("INSERT INTO agents(id, skills, last_heartbeat) VALUES (?, ?, ?)", row) for row in [
        ("iso", '["x"]', stamp), ("epoch-ms", "not json", int(now * 1000)), ("junk", None, "soon"),
    ]])
    agents = {a.id: a for a in dl.agents.list()}
    assert agents["iso"].liveness == "alive" and agents["epoch-ms"].liveness == "alive"
    assert agents["epoch-ms"].raw["skills"] == "not json"
    assert agents["junk"].liveness == "dead" and agents["junk"].problems


def test_deregister_leaves_nothing_orphaned(dl):
    dl.agents.register("a")
    dl.tasks.create("one", id="one")
    dl.tasks.create("two", id="two")
    dl.tasks.claim("a", "one")
    dl.tasks.claim("a", "two")
    dl.leases.acquire("deploy", "a", 60)
    dl.engine.write(lambda tx: tx.execute(
        "INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id) VALUES ('m', 't', 'x', 'a', '{}', 'm')"))
    released = dl.agents.deregister("a", by="op")
    assert sorted(t.id for t in released) == ["one", "two"]
    assert all(t.status == "pending" and t.claimed_by is None for t in dl.tasks.list())
    assert dl.leases.get("deploy") is None and dl.leases.inspect("deploy").agent_id is None
    assert dl.agents.find("a") is None
    assert dl.engine.value("SELECT count(*) FROM messages WHERE to_agent = 'a'") == 1
    with pytest.raises(NotFoundError):
        dl.agents.deregister("a")


def test_orphaned_tasks(tmp_path):
    dl = create_local_data_layer(tmp_path / "j.db", liveness=Liveness(stale_after=0.02, dead_after=0.05))
    dl.agents.register("a")
    dl.tasks.create("x", id="x")
    dl.tasks.claim("a", "x")
    dl.tasks.create("y", id="y")
    dl.tasks.claim("unregistered", "y")
    time.sleep(0.08)
    assert sorted(t.id for t in dl.agents.orphaned_tasks()) == ["x", "y"]
    dl.close()


def test_leases_are_exclusive_and_fenced(dl):
    first = dl.leases.acquire("deploy", "a", 60)
    assert first.token == 1 and first.agent_id == "a"
    assert dl.leases.acquire("deploy", "b", 60) is None
    renewed = dl.leases.renew("deploy", "a", first.token, 120)
    assert renewed.expires_at > first.expires_at
    dl.leases.release("deploy", "a", first.token)
    with pytest.raises(StaleLeaseError):
        dl.leases.release("deploy", "a", first.token)
    second = dl.leases.acquire("deploy", "b", 60)
    assert second.token == 2  # tokens grow across releases
    assert [l.resource for l in dl.leases.list()] == ["deploy"]
    assert dl.leases.list(agent_id="a") == []


def test_expired_lease_can_be_taken_over(dl):
    old = dl.leases.acquire("db-migration", "a", 0.02)
    time.sleep(0.05)
    assert dl.leases.list() == []
    new = dl.leases.acquire("db-migration", "b", 60)
    assert new.token == old.token + 1
    with pytest.raises(StaleLeaseError):
        dl.leases.renew("db-migration", "a", old.token, 60)
    with pytest.raises(InvalidInputError):
        dl.leases.acquire("x", "a", 0)


def test_stop_gives_back_all_work_in_one_audited_transaction(dl):
    dl.agents.register("a", skills=["python"])
    dl.tasks.create("one", id="one")
    dl.tasks.create("two", id="two")
    first = dl.tasks.claim("a", "one")
    dl.tasks.start("one", "a", first.claim_token)
    dl.tasks.claim("a", "two")
    dl.agents.heartbeat("a", status="busy", current_task="one")
    dl.reservations.reserve("a", "src/a.py", "edit", task_id="one")
    dl.leases.acquire("deploy", "a", 60)
    version = dl.agents.get("a").version

    report = dl.agents.stop("a")

    assert sorted(t.id for t in report.tasks) == ["one", "two"] and report.reservations == report.leases == 1
    for task in dl.tasks.list():
        assert (task.status, task.claimed_by, task.attempts) == ("pending", None, 0)  # a stop is not a try
        assert [(e.actor, e.action) for e in dl.tasks.history(task.id)][-1] == ("a", "stop")
    assert dl.reservations.list(agent_id="a") == [] and len(dl.reservations.list(active_only=False)) == 1
    assert dl.leases.get("deploy") is None
    agent = dl.agents.get("a")
    assert (agent.liveness, agent.status, agent.current_task) == ("stopped", "stopped", None)
    assert agent.version == version + 1  # an operator's view of the running agent is now stale
    assert dl.agents.liveness_counts() == {"alive": 0, "stale": 0, "dead": 0, "stopped": 1}
    assert dl.agents.list(liveness="stopped") == [agent]
    assert dl.agents.orphaned_tasks() == []
    assert dl.agents.register("a").liveness == "alive"  # registering again is a fresh start


def test_stopped_is_a_liveness_of_its_own_whatever_the_heartbeat_age(tmp_path):
    with create_local_data_layer(tmp_path / "j.db", liveness=Liveness(stale_after=0.02, dead_after=0.05)) as dl:
        dl.agents.register("a")
        dl.agents.stop("a")
        time.sleep(0.08)
        assert dl.agents.get("a").liveness == "stopped"
        assert Liveness().classify(None, "stopped") == "stopped"
        assert Liveness().classify(1.0, "idle") == "alive"


def test_a_stopped_owner_makes_an_orphan(dl, foreign_sql):
    """Another client marks its agent stopped without giving back its claim."""
    dl.agents.register("a")
    dl.tasks.create("x", id="x")
    dl.tasks.claim("a", "x")
    foreign_sql([("UPDATE agents SET status = 'stopped' WHERE id = 'a'", ())])
    assert [t.id for t in dl.agents.orphaned_tasks()] == ["x"]


def test_stop_after_deregistration_gives_back_what_was_taken_meanwhile(dl):
    """An agent deregistered between its heartbeat and its claim stops and
    returns that claim; it is not registered again."""
    dl.agents.register("a")
    dl.agents.deregister("a", by="op")
    dl.tasks.create("x", id="x")
    dl.tasks.claim("a", "x")
    report = dl.agents.stop("a")
    assert [t.id for t in report.tasks] == ["x"] and dl.tasks.get("x").status == "pending"
    assert dl.agents.find("a") is None
