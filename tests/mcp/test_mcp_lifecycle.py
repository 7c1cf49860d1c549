"""The session's life: the keeper renews leases while it lives; a clean exit marks
the agent stopped without stealing its work; a killed server's lease expires and
another agent reclaims the task."""

from __future__ import annotations

import os
import signal

import pytest
from mcp_harness import mcp_agents, until

pytestmark = pytest.mark.anyio

LEASE = 1.2
BEAT = 0.2


async def test_the_keeper_renews_held_leases_and_a_clean_exit_keeps_the_claim(db, tmp_path, library):
    library.tasks.create("long job", id="job-1")
    async with mcp_agents(db, "ada", logs=tmp_path / "logs", lease_ttl=LEASE, heartbeat=BEAT) as (ada,):
        claimed = (await ada.call("claim_task"))["task"]
        first = claimed["lease_expires_at"]
        # Nobody calls anything: the lease must still move past where a single grant would end.
        renewed = await until(lambda: _later(library, "job-1", first + LEASE), what="a renewed lease")
        assert renewed.claimed_by == "ada" and renewed.status == "claimed"
        assert library.agents.get("ada").liveness == "alive"
    after = library.tasks.get("job-1")
    assert library.agents.get("ada").status == "stopped"
    assert after.claimed_by == "ada" and after.status == "claimed"  # not stolen back on exit
    assert after.lease_expires_at is not None  # it runs out as usual; then the queue takes the task back


async def _later(library, task_id: str, moment: float):
    task = library.tasks.get(task_id)
    return task if (task.lease_expires_at or 0) > moment else None


async def test_a_killed_server_loses_its_task_to_another_agent(db, tmp_path, library):
    library.tasks.create("fragile job", id="job-2", required_skills=["python"])
    async with mcp_agents(db, "ada", "bob", logs=tmp_path / "logs", lease_ttl=LEASE, heartbeat=BEAT) as (ada, bob):
        assert (await ada.call("claim_task"))["task"]["id"] == "job-2"
        await ada.call("start_task")
        pid = int(library.agents.get("ada").session_id.rsplit("-", 1)[1])
        os.kill(pid, signal.SIGKILL)  # no goodbye: heartbeats and renewals just stop
        assert (await bob.call("claim_task"))["claimed"] is False  # ada's lease is still live

        async def reclaimed():
            result = await bob.call("claim_task")
            return result["task"] if result["claimed"] else None

        task = await until(reclaimed, what="job-2 reclaimed by bob", tries=100, pause=0.1)
        assert task["id"] == "job-2" and task["claimed_by"] == "bob" and task["attempts"] == 2
        await bob.call("complete_task", result="recovered")
        assert library.agents.get("ada").status != "stopped"  # a killed server never said goodbye
        actions = [(e.action, e.actor) for e in library.tasks.history("job-2")]
        assert ("reclaim", "bob") in actions and actions[-1] == ("complete", "bob")


async def test_an_operator_assignment_is_claimed_first(db, tmp_path, library):
    """The DataLayer's contract (issue 12): claim() hands out the operator's assignment first."""
    library.tasks.create("urgent", id="hot-1", priority="critical")
    library.tasks.create("assigned", id="ops-1", priority="low")
    async with mcp_agents(db, "ada", logs=tmp_path / "logs") as (ada,):
        library.tasks.claim_for("ada", "ops-1", by="operator")
        session = await ada.call("start_session")
        assert [(t["id"], t["held_in_session"]) for t in session["my_tasks"]] == [("ops-1", False)]
        assert "claim_task" in await ada.refused("start_task", task_id="ops-1")
        got = await ada.call("claim_task")
        assert got["task"]["id"] == "ops-1"
        await ada.call("start_task", task_id="ops-1")
        await ada.call("complete_task", task_id="ops-1")
