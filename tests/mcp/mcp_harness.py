"""Real ``jetpack-tui mcp`` server processes, driven by the MCP SDK's own stdio client.

``mcp_agents(db, "ada", "bob", ...)`` starts one server per agent (one after
another in one ``AsyncExitStack``: opening SDK sessions inside
``asyncio.gather`` trips anyio's cancel scopes) and yields :class:`McpAgent`
handles.  Each server's stderr goes to a log file, so tests can show it
holds no traceback and no secret.  Short leases and heartbeats keep the
tests fast; the data is a real libSQL file.
"""

from __future__ import annotations

import sys
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

SECRET = "tok-SECRET-mcp-7d1f"


@dataclass
class McpAgent:
    id: str
    session: ClientSession
    log: Path

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """The tool's structured result; fails the test on a tool error."""
        result = await self.session.call_tool(tool, arguments)
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert not result.is_error, f"{tool} failed: {text}"
        return result.structured_content

    async def refused(self, tool: str, **arguments: Any) -> str:
        """The error text of a call that must fail as a tool error."""
        result = await self.session.call_tool(tool, arguments)
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert result.is_error, f"{tool} should have failed, returned {result.structured_content}"
        return text

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


def server_params(db: str, agent: str, home: Path, *, skills: str | None = "python", lease_ttl: float = 30.0,
                  heartbeat: float | None = None, turso: str | None = None,
                  extra_env: dict[str, str] | None = None) -> StdioServerParameters:
    """``--db`` is the database file, or in Turso mode (``turso`` = the primary's URL) the replica file."""
    args = ["-m", "jetpack_tui", "mcp", "--agent", agent, "--db", db, "--lease-ttl", repr(lease_ttl)]
    if turso:
        args += ["--turso-url", turso]
    if skills:
        args += ["--skills", skills]
    if heartbeat is not None:
        args += ["--heartbeat", repr(heartbeat)]
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           **(extra_env or {})}
    return StdioServerParameters(command=sys.executable, args=args, env=env)


@asynccontextmanager
async def mcp_agents(db: str, *agents: str, logs: Path, **options: Any):
    logs.mkdir(parents=True, exist_ok=True)
    home = logs / "home"
    home.mkdir(exist_ok=True)
    async with AsyncExitStack() as stack:
        handles = []
        for agent in agents:
            log_path = logs / f"{agent}.stderr"
            errlog = stack.enter_context(open(log_path, "w"))
            read, write = await stack.enter_async_context(
                stdio_client(server_params(db, agent, home, **options), errlog=errlog))
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            handles.append(McpAgent(agent, session, log_path))
        yield handles


async def until(condition, *, what: str, tries: int = 300, pause: float = 0.05):
    """Await ``condition()`` (at most ``tries`` short pauses) until it is truthy; fails loudly otherwise."""
    for _ in range(tries):
        value = await condition()
        if value:
            return value
        await anyio.sleep(pause)
    raise AssertionError(f"timed out waiting for {what}")
