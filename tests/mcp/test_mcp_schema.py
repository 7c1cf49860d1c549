"""The tool list a model sees: names, JSON schemas with descriptions, bounds, no identity knobs."""

from __future__ import annotations

import json

import pytest

from jetpack_tui.agentkit import limits
from jetpack_tui.data.memory_models import MAX_TYPE_CHARS

from mcp_harness import mcp_agents, until

pytestmark = pytest.mark.anyio

TOOLS = {
    "start_session", "heartbeat",
    "claim_task", "start_task", "complete_task", "fail_task", "create_task", "list_tasks", "get_task",
    "get_task_context",
    "send_message", "broadcast_message", "reply_message", "fetch_inbox", "acknowledge_message", "get_thread",
    "reserve_files", "check_files", "release_file_reservations",
    "acquire_lease", "release_lease",
    "store_memory", "search_memory",
}
#: Operator actions are the dashboard's, never tools.
OPERATOR_WORDS = ("reassign", "cancel", "force", "deregister", "release_all", "retry", "priority")


def properties(schema: dict) -> dict[str, dict]:
    return schema.get("properties", {})


def allows(prop: dict, kind: str) -> bool:
    options = prop.get("anyOf", [prop])
    return any(o.get("type") == kind for o in options)


def string_bound(prop: dict) -> int | None:
    """The longest string the property accepts (an enum's longest value); None when unbounded."""
    options = prop.get("anyOf", [prop])
    bounds = [o["maxLength"] if "maxLength" in o else max(map(len, o["enum"])) for o in options
              if o.get("type") == "string" and ("maxLength" in o or "enum" in o)]
    return max(bounds) if bounds else None


async def test_tools_schemas_and_resources(db, tmp_path):
    async with mcp_agents(db, "ada", logs=tmp_path / "logs") as (ada,):
        tools = {t.name: t for t in (await ada.session.list_tools()).tools}
        assert set(tools) == TOOLS
        assert not [n for n in tools if any(w in n for w in OPERATOR_WORDS)]
        for name, tool in tools.items():
            assert len(tool.description or "") > 40, f"{name} needs a description a model can act on"
            schema = tool.input_schema
            assert schema["type"] == "object"
            for param, prop in properties(schema).items():
                # The server is the agent: no tool lets a model say who it is or present a token.
                assert param not in ("agent_id", "agent", "token", "claim_token", "from_agent"), (name, param)
                assert "description" in prop or "enum" in prop, f"{name}.{param} has no description"
                if allows(prop, "string"):
                    assert string_bound(prop) is not None, f"{name}.{param} has no maxLength"
            assert tool.output_schema is not None and tool.output_schema["type"] == "object"
            assert tool.annotations is not None and tool.annotations.open_world_hint is False
        claim = tools["claim_task"].input_schema
        assert claim.get("required", []) == []  # no id: the best ready task for me
        reserve = properties(tools["reserve_files"].input_schema)
        assert reserve["paths"]["maxItems"] == limits.MAX_ITEMS
        assert reserve["paths"]["items"]["maxLength"] == limits.MAX_PATH
        assert "edit" in json.dumps(reserve["type"])
        memory_type = properties(tools["store_memory"].input_schema)["type"]  # free text; the known ones suggested
        assert memory_type["maxLength"] == MAX_TYPE_CHARS and "enum" not in memory_type
        assert "codebase_knowledge" in memory_type["examples"] and "error_pattern" in memory_type["description"]
        assert tools["list_tasks"].annotations.read_only_hint is True
        # The harness's checks can fail: a tool error fails call(), a success fails refused(), until() times out.
        with pytest.raises(AssertionError, match="get_task failed: Error executing tool get_task: not found"):
            await ada.call("get_task", task_id="nope")
        with pytest.raises(AssertionError, match="should have failed"):
            await ada.refused("list_tasks")

        async def never():
            return None

        with pytest.raises(AssertionError, match="timed out waiting for nothing"):
            await until(never, what="nothing", tries=2, pause=0.01)
        assert tools["complete_task"].annotations.read_only_hint is False

        resources = {str(r.uri) for r in (await ada.session.list_resources()).resources}
        assert resources == {"jetpack://status", "jetpack://inbox", "jetpack://reservations"}
        templates = {t.uri_template for t in (await ada.session.list_resource_templates()).resource_templates}
        assert templates == {"jetpack://thread/{thread_id}"}


async def test_status_resource_is_the_status_json_document(db, tmp_path, library):
    from jetpack_tui.commands.status import SCHEMA

    library.tasks.create("one", id="t-1")
    async with mcp_agents(db, "ada", logs=tmp_path / "logs") as (ada,):
        status = json.loads((await ada.session.read_resource("jetpack://status")).contents[0].text)
        assert status["schema"] == "jetpack-tui/status"
        assert set(status) == set(SCHEMA["required"])
        assert status["tasks"]["ready"] == 1 and status["agents"]["total"] == 1  # ada registered on start
        await ada.call("send_message", to="ada", text="note to self")
        inbox = json.loads((await ada.session.read_resource("jetpack://inbox")).contents[0].text)
        assert [m["payload"]["text"] for m in inbox["messages"]] == ["note to self"]
        assert inbox["unread"] == 1  # reading the resource marks nothing
        thread_id = inbox["messages"][0]["thread_id"]
        thread = json.loads((await ada.session.read_resource(f"jetpack://thread/{thread_id}")).contents[0].text)
        assert [m["id"] for m in thread["messages"]] == [thread_id]
        await ada.call("reserve_files", paths=["src/*.py"])
        held = json.loads((await ada.session.read_resource("jetpack://reservations")).contents[0].text)
        assert [(r["agent_id"], r["path"]) for r in held["reservations"]] == [("ada", "src/*.py")]
