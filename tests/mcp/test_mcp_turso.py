"""Turso mode: two MCP servers, each with its own replica of one primary,
race for a task the primary decides; the auth token never shows."""

from __future__ import annotations

import asyncio

import pytest
from mcp_harness import mcp_agents
from modes import TOKEN, open_replica, turso_primary  # noqa: F401 - fixture

pytestmark = pytest.mark.anyio


async def test_turso_mode_claims_are_decided_by_the_primary_and_the_token_never_shows(turso_primary, tmp_path):
    seed = open_replica(turso_primary, tmp_path, "seed")
    try:
        seed.tasks.create("one task for two machines", id="tt-1")
    finally:
        seed.close()
    logs = tmp_path / "logs"
    env = {"TURSO_AUTH_TOKEN": TOKEN}
    async with mcp_agents(str(tmp_path / "ada" / "replica.db"), "ada", logs=logs / "a", turso=turso_primary.url,
                          extra_env=env) as (ada,), \
            mcp_agents(str(tmp_path / "bob" / "replica.db"), "bob", logs=logs / "b", turso=turso_primary.url,
                       extra_env=env) as (bob,):
        results = await asyncio.gather(ada.call("claim_task"), bob.call("claim_task"))
        assert sorted(r["claimed"] for r in results) == [False, True], results
        winner = ada if results[0]["claimed"] else bob
        await winner.call("complete_task", result="done on one machine")
        texts = [await ada.refused("get_task", task_id=f"missing-{TOKEN}"),
                 await bob.refused("claim_task", task_id="tt-1")]
        turso_primary.stop()  # the primary goes away: claims cannot be decided
        texts.append(await ada.refused("claim_task", task_id="tt-1"))
        assert "unavailable" in texts[-1]
        assert all(TOKEN not in text for text in texts), texts
    for name in ("a/ada.stderr", "b/bob.stderr"):
        assert TOKEN not in (logs / name).read_text()
