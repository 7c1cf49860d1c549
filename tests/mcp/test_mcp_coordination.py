"""Two or three real MCP servers coordinating through one database file:
claim races, overlapping reservations, mail with per-recipient acks."""

from __future__ import annotations

import asyncio

import pytest
from mcp_harness import mcp_agents

pytestmark = pytest.mark.anyio

ROUNDS = 4


async def test_two_agents_race_for_one_task_exactly_one_wins(db, tmp_path, library):
    async with mcp_agents(db, "ada", "bob", logs=tmp_path / "logs") as (ada, bob):
        for round_ in range(ROUNDS):
            library.tasks.create(f"the only task {round_}", id=f"race-{round_}", required_skills=["python"])
            # Both requests are in flight at once: each server claims on its own connection.
            results = await asyncio.gather(ada.call("claim_task"), bob.call("claim_task"))
            winners = [r for r in results if r["claimed"]]
            losers = [r for r in results if not r["claimed"]]
            assert len(winners) == 1 and len(losers) == 1, results
            assert winners[0]["task"]["id"] == f"race-{round_}"
            assert losers[0]["task"] is None  # the other gets nothing
            owner = library.tasks.get(f"race-{round_}")
            assert owner.status == "claimed" and owner.attempts == 1
            winner = ada if owner.claimed_by == "ada" else bob
            loser = bob if winner is ada else ada
            refusal = await loser.refused("complete_task", task_id=f"race-{round_}")
            assert refusal.startswith("Error executing tool complete_task: not held:"), refusal
            await winner.call("complete_task", task_id=f"race-{round_}", result={"round": round_})
        events = [e.action for e in library.tasks.history("race-0")]
        assert events.count("claim") == 1


async def test_claim_by_id_respects_skills_and_readiness(db, tmp_path, library):
    library.tasks.create("needs go", id="go-1", required_skills=["go"])
    library.tasks.create("first", id="dep-1")
    library.tasks.create("after first", id="dep-2", dependencies=["dep-1"])
    async with mcp_agents(db, "ada", logs=tmp_path / "logs") as (ada,):
        assert "conflict" in await ada.refused("claim_task", task_id="go-1")
        blocked = await ada.call("get_task", task_id="dep-2")
        assert blocked["blockers"]["unfinished"] == [{"id": "dep-1", "status": "pending"}]
        assert "blocked" in await ada.refused("claim_task", task_id="dep-2")
        assert "not found" in await ada.refused("claim_task", task_id="no-such-task")
        got = await ada.call("claim_task", task_id="dep-1")
        assert got["task"]["id"] == "dep-1"
        await ada.call("start_task")  # the one task held: no id needed
        await ada.call("complete_task", result="done")
        assert (await ada.call("claim_task", task_id="dep-2"))["claimed"] is True


async def test_overlapping_globs_are_reported_and_strict_refuses_all(db, tmp_path, library):
    async with mcp_agents(db, "ada", "bob", logs=tmp_path / "logs") as (ada, bob):
        mine = await ada.call("reserve_files", paths=["src/a*.py", "docs/**"])
        assert [r["path"] for r in mine["reserved"]] == ["src/a*.py", "docs/**"] and mine["conflicts"] == []
        # src/a*.py and src/*b.py both cover src/ab.py (a check that fnmatches each
        # pattern against the other misses this pair).
        check = await bob.call("check_files", paths=["src/*b.py", "README.md"])
        assert check["clear"] is False
        assert [(c["path"], [h["agent_id"] for h in c["held"]]) for c in check["conflicts"]] == [("src/*b.py", ["ada"])]
        advisory = await bob.call("reserve_files", paths=["docs/api/index.md"], type="edit")
        assert advisory["reserved"][0]["path"] == "docs/api/index.md"  # granted, and told who else holds it
        assert advisory["conflicts"][0]["held"][0]["path"] == "docs/**"
        refusal = await bob.refused("reserve_files", paths=["lib/x.py", "src/abc_b.py"], strict=True)
        assert "conflict" in refusal and "src/abc_b.py" in refusal and "ada" in refusal
        assert [r.file_path for r in library.reservations.list(agent_id="bob")] == ["docs/api/index.md"]
        assert (await ada.call("check_files", paths=["src/a1.py"]))["clear"] is True  # its own do not count
        bob_res = library.reservations.list(agent_id="bob")[0].id
        assert "conflict" in await ada.refused("release_file_reservations", reservation_ids=[bob_res])
        released = await ada.call("release_file_reservations", all=True)
        assert released["count"] == 2
        assert (await bob.call("check_files", paths=["src/*b.py"]))["clear"] is True


async def test_message_round_trip_with_per_recipient_acks(db, tmp_path, library):
    async with mcp_agents(db, "ada", "bob", "cy", logs=tmp_path / "logs") as (ada, bob, cy):
        sent = await ada.call("send_message", to="bob", text="can you review src/app.py?", type="review.request",
                              data={"path": "src/app.py"})
        thread = sent["message"]["thread_id"]
        inbox = await bob.call("fetch_inbox")
        [got] = inbox["messages"]
        assert got["payload"] == {"text": "can you review src/app.py?", "path": "src/app.py"}
        assert got["from"] == "ada" and got["new"] is True and inbox["unread"] == 0 and inbox["unacked"] == 1
        assert (await bob.call("fetch_inbox"))["messages"] == []  # read now
        await bob.call("acknowledge_message", message_id=got["id"])
        await bob.call("reply_message", message_id=got["id"], text="looks good")
        [answer] = (await ada.call("fetch_inbox"))["messages"]
        assert answer["thread_id"] == thread and answer["from"] == "bob" and answer["payload"]["text"] == "looks good"
        assert [m["from"] for m in (await cy.call("get_thread", thread_id=thread))["messages"]] == ["ada", "bob"]

        broadcast = await ada.call("broadcast_message", text="deploy freeze until 5pm", type="swarm.notice")
        assert broadcast["recipients"] == 2
        await bob.call("acknowledge_message", message_id=broadcast["message"]["id"])
        states = {d.agent_id: (d.read_at is not None, d.acked_at is not None)
                  for d in library.messages.deliveries(broadcast["message"]["id"])}
        assert states == {"bob": (True, True), "cy": (False, False)}  # bob's ack is bob's alone
        assert "not found" in await ada.refused("acknowledge_message", message_id=broadcast["message"]["id"])
        peek = await cy.call("fetch_inbox", mark_read=False)
        assert [m["payload"]["text"] for m in peek["messages"]] == ["deploy freeze until 5pm"] and peek["unread"] == 1
