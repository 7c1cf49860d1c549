"""Bad calls get tool errors a model can read, nothing oversized reaches the
database, and the server keeps serving."""

from __future__ import annotations

import pytest
from mcp_harness import mcp_agents

from jetpack_tui.agentkit import limits

pytestmark = pytest.mark.anyio

HUGE = "x" * 3_000_000

BAD_CALLS = [
    # wrong types
    ("get_task", {"task_id": 5}, "valid string"),
    ("list_tasks", {"limit": "lots"}, "valid integer"),
    ("list_tasks", {"limit": 10_000}, "less than or equal"),
    ("reserve_files", {"paths": "src/app.py"}, "valid list"),
    ("claim_task", {"task_id": ["t-1"]}, "valid string"),
    ("fetch_inbox", {"unread_only": "maybe"}, "valid boolean"),
    ("store_memory", {"content": "x", "importance": 7}, "less than or equal"),
    ("create_task", {"title": "t", "priority": "urgent!!"}, "critical"),
    ("get_task", {}, "required"),
    # unknown ids
    ("get_task", {"task_id": "no-such-task"}, "not found"),
    ("start_task", {"task_id": "no-such-task"}, "not found"),
    ("get_task_context", {"task_id": "no-such-task"}, "not found"),
    ("acknowledge_message", {"message_id": "no-such-message"}, "not found"),
    ("reply_message", {"message_id": "no-such-message", "text": "hi"}, "not found"),
    ("get_thread", {"thread_id": "no-such-thread"}, None),  # an empty thread is an answer, not an error
    ("release_file_reservations", {"reservation_ids": ["no-such-reservation"]}, "not found"),
    ("release_lease", {"resource": "never-acquired"}, "not held"),
    ("complete_task", {}, "you hold no task"),
    ("send_message", {"to": "bob", "text": "hi", "thread_id": "no-such-thread"}, "not found"),
    ("no_such_tool", {}, "Unknown tool"),
    # huge and strange inputs
    ("send_message", {"to": "bob", "text": HUGE}, f"at most {limits.MAX_TEXT}"),
    ("create_task", {"title": HUGE}, f"at most {limits.MAX_SHORT}"),
    ("reserve_files", {"paths": ["src/" + "*" * 4_000]}, f"at most {limits.MAX_PATH}"),
    ("reserve_files", {"paths": [f"f{n}.py" for n in range(10_000)]}, f"at most {limits.MAX_ITEMS}"),
    ("reserve_files", {"paths": []}, "at least 1"),
    ("send_message", {"to": "bob", "text": "hi", "data": {"blob": "y" * 100_000}}, "at most 64,000"),
    ("send_message", {"to": "bo\x00b", "text": "hi"}, "NUL"),
    ("send_message", {"to": "*", "text": "hi"}, "broadcast_message"),
    ("create_task", {"title": "   "}, "must not be empty"),
    ("search_memory", {"query": "x", "types": ["fact\u200b"]}, "invisible character U+200B"),
    ("store_memory", {"content": "x", "type": "t" * 65}, "at most 64 characters"),
    ("acquire_lease", {"resource": "r", "ttl": -1}, "greater than 0"),
    ("release_file_reservations", {}, "exactly one"),
]


async def test_bad_calls_are_tool_errors_and_the_server_keeps_serving(db, tmp_path, library):
    library.tasks.create("a task", id="t-1")
    async with mcp_agents(db, "ada", logs=tmp_path / "logs") as (ada,):
        for tool, arguments, expected in BAD_CALLS:
            if expected is None:
                assert (await ada.call(tool, **arguments))["messages"] == []
                continue
            text = await ada.refused(tool, **arguments)
            assert expected in text, (tool, text[:300])
            assert len(text) < 3_000, (tool, "an error must not echo a huge input back")
            assert "Traceback" not in text
        # Still serving, still correct, and nothing of the bad calls was stored.
        assert (await ada.call("claim_task"))["task"]["id"] == "t-1"
        assert "at most 64,000" in await ada.refused("complete_task", result={"blob": "z" * 100_000})
        assert library.tasks.get("t-1").status == "claimed"  # the refused result changed nothing
        assert (await ada.call("complete_task", result={"ok": True}))["task"]["state"] == "completed"
        assert library.messages.count() == 0 and library.reservations.count() == 0 and library.memories.count() == 0
        # Any short label is a memory type (Jetpack's own agents write codebase_knowledge, error_pattern …).
        stored = await ada.call("store_memory", content="the parser needs UTF-8", type="codebase_knowledge")
        assert stored["memory"]["type"] == "codebase_knowledge"
        assert [t.id for t in library.tasks.list(limit=None)] == ["t-1"]
    assert "Traceback" not in ada.stderr()
