"""The shared operations in-process: token books, bounds, error wording."""

from __future__ import annotations

import pytest

from jetpack_tui.agentkit import AgentOps, HeldTokens, StoredTokens, describe, kind_of, limits
from jetpack_tui.agentkit.errors import scrub
from jetpack_tui.data import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PrimaryUnavailableError,
    ReservationConflictError,
    StaleLeaseError,
)


def ops_for(library, agent: str, *, tokens=None, skills=("python",)) -> AgentOps:
    ops = AgentOps(library, agent, tokens=tokens or HeldTokens(), skills=list(skills) if skills else None,
                   lease_ttl=30)
    ops.join()
    return ops


def test_a_new_session_must_claim_up_what_its_agent_id_holds(library):
    library.tasks.create("t", id="t-1")
    first = ops_for(library, "ada")
    first.claim_task()
    restarted = ops_for(library, "ada")  # same agent id, new process: no tokens
    with pytest.raises(StaleLeaseError, match="not claimed in this session"):
        restarted.complete_task("t-1")
    assert restarted.claim_task("t-1")["task"]["id"] == "t-1"  # takes it up, with the current token
    restarted.complete_task("t-1", result="ok")
    with pytest.raises(StaleLeaseError, match="does not hold task t-1"):
        first.complete_task("t-1")  # the book of the old session is stale now
    assert "t-1" not in first.tokens.held(library, "ada")  # and forgets it


def test_stored_tokens_act_only_for_the_owner(library):
    library.tasks.create("t", id="t-2")
    shell = ops_for(library, "ada", tokens=StoredTokens())
    shell.claim_task()
    other = ops_for(library, "bob", tokens=StoredTokens())
    with pytest.raises(StaleLeaseError, match="owned by ada"):
        other.start_task("t-2")
    assert shell.start_task()["task"]["state"] == "in_progress"


def test_skills_are_kept_unless_given_and_limits_hold(library):
    ops_for(library, "ada", skills=("go", "sql"))
    ops_for(library, "ada", skills=None)
    assert library.agents.get("ada").skills == ["go", "sql"]
    with pytest.raises(InvalidInputError, match="at most 20,000"):
        limits.text("x" * (limits.MAX_TEXT + 1), "text")
    with pytest.raises(InvalidInputError, match="at most 100"):
        limits.items(["a"] * 101, "paths")
    with pytest.raises(InvalidInputError, match="JSON value"):
        limits.json_value({"x": object()}, "data")
    with pytest.raises(InvalidInputError, match="between 1 and 200"):
        limits.count(0, "limit")
    with pytest.raises(InvalidInputError, match="must be a number"):
        limits.ttl(True)
    assert limits.text("ok", "text") == "ok" and limits.count(200, "limit") == 200


def test_strict_reservation_rolls_back_when_a_rival_arrives_after_the_check(library):
    rival = ops_for(library, "bob")

    class Racing(AgentOps):
        def _conflicts(self, paths, kind):  # the rival reserves between the check and the writes
            found = super()._conflicts(paths, kind)
            rival.reserve_files(["src/late.py"])
            return found

    ops = Racing(library, "ada", tokens=HeldTokens(), skills=["python"])
    with pytest.raises(ReservationConflictError):
        ops.reserve_files(["src/early.py", "src/*.py"], strict=True)
    assert library.reservations.list(agent_id="ada") == []  # all or nothing


def test_inbox_marks_what_was_new(library):
    ops = ops_for(library, "ada")
    library.messages.send("bob", "ada", "note", {"text": "one"})
    peek = ops.fetch_inbox(mark_read=False)
    assert [m["new"] for m in peek["messages"]] == [True] and peek["unread"] == 1
    read = ops.fetch_inbox()
    assert [m["new"] for m in read["messages"]] == [True] and read["messages"][0]["read_at"] is not None
    assert ops.fetch_inbox(unread_only=False)["messages"][0]["new"] is False


def test_errors_are_one_clear_line_without_the_token():
    env = {"TURSO_AUTH_TOKEN": "tok-abc-123"}
    assert scrub("refused for tok-abc-123\n  twice tok-abc-123", env) == "refused for *** twice ***"
    assert scrub("no token here", {}) == "no token here"
    assert describe(NotFoundError("no task 'x'")) == "not found: no task 'x'"
    assert kind_of(StaleLeaseError("gone")) == "not held" and kind_of(ConflictError("c")) == "conflict"
    assert kind_of(PrimaryUnavailableError("down")) == "unavailable"
    assert describe(KeyError("secret detail")) .startswith("internal error (KeyError)")
    assert "secret detail" not in describe(KeyError("secret detail"))
    assert len(describe(ConflictError("x" * 10_000))) < 2_100


def test_shell_verbs_load_neither_the_mcp_sdk_nor_textual():
    """A hook runs on every edit: ``jetpack-tui agent`` must stay a light import."""
    import subprocess
    import sys

    code = ("import sys, jetpack_tui.cli, jetpack_tui.agentkit, jetpack_tui.commands.agent;"
            "jetpack_tui.cli.discover_commands();"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'mcp', 'textual', 'pydantic'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_rows_other_clients_wrote_are_passed_on_cut_and_flagged(library, db, foreign_sql):
    ops = ops_for(library, "ada")
    library.tasks.create("t", id="big-1")
    library.tasks.update("big-1", result={"blob": "x" * 200_000})
    library.messages.send("bob", "ada", "note", {"text": "y" * 200_000})
    broken = library.messages.send("bob", "ada", "note", {"text": "fine"})
    foreign_sql([("UPDATE messages SET payload = ? WHERE id = ?", ("{not json", broken.id))], path=db)
    result = ops.get_task("big-1")["task"]["result"]
    assert isinstance(result, str) and len(result) < limits.MAX_JSON + 100 and "cut: " in result
    big, bad = ops.fetch_inbox()["messages"]
    assert big["payload"].endswith("characters in all]") and len(big["payload"]) < limits.MAX_JSON + 100
    assert bad["payload"] is None and bad["problems"] == ["payload: not valid JSON"]
    assert bad["raw"] == {"payload": "{not json"}


def test_memory_types_are_free_labels_and_filters(library):
    """Jetpack's own agents' types (and any short label) are stored and searched by type."""
    ops = ops_for(library, "ada")
    for kind in ("codebase_knowledge", "error_pattern", "runbook"):
        stored = ops.store_memory(f"the importer needs UTF-8 input ({kind})", type=kind)
        assert stored["memory"]["type"] == kind and "problems" not in stored["memory"]
    found = ops.search_memory("importer UTF-8", types=["error_pattern", "runbook"])["memories"]
    assert sorted(m["type"] for m in found) == ["error_pattern", "runbook"]
    for bad in ("", "esc\x1b[31m", "x" * 65):
        with pytest.raises(InvalidInputError, match="memory type"):
            ops.store_memory("refused", type=bad)
        with pytest.raises(InvalidInputError, match="type"):
            ops.search_memory("x", types=[bad])
    assert library.memories.count() == 3
