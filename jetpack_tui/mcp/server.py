"""``serve()``: one agent's stdio MCP server over an open DataLayer.

The server *is* the agent's identity: it is started for one agent id, holds
the tokens of what that agent claims (:class:`~jetpack_tui.agentkit.HeldTokens`)
and offers no tool that takes an agent id or a token, so a model can act only
as itself.  While the session lives a :class:`~.keeper.Keeper` thread
heartbeats and renews the session's task leases.  When the client closes the
session (stdin ends) or the process is told to stop (SIGTERM/SIGINT), the
agent is marked ``stopped``; its tasks stay claimed until their leases run
out, so an agent that comes back in time can claim them up again, and
otherwise the queue takes them back.  A killed process just stops beating.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from mcp.server.mcpserver import MCPServer

from jetpack_tui.agentkit import AgentOps, HeldTokens

from . import resources, tools_files, tools_mail, tools_tasks
from .keeper import Keeper

INSTRUCTIONS = """\
You are agent {agent} in a swarm of coding agents that coordinate through this server (Jetpack).
The server knows who you are: no tool takes your agent id or any token.
Start with start_session. Take work with claim_task, then start_task, and finish with complete_task
(or fail_task). Before editing files, reserve_files (or check_files) and talk to holders of
overlapping reservations with send_message. Read fetch_inbox now and then and acknowledge_message
what you acted on. store_memory what the next agent should know; search_memory before you start.
Your claims stay alive while this session lives; you do not need to call heartbeat."""


def build_server(ops: AgentOps) -> MCPServer:
    server = MCPServer(name="jetpack", instructions=INSTRUCTIONS.format(agent=ops.agent_id),
                       log_level="WARNING")
    for module in (tools_tasks, tools_mail, tools_files, resources):
        module.register(server, ops)
    return server


def _stop_on_sigterm() -> None:
    """SIGTERM ends the session like Ctrl+C: the event loop unwinds and the agent says goodbye."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def serve(dl: Any, agent_id: str, *, skills: list[str] | None = None, lease_ttl: float = 120.0,
          heartbeat_every: float = 5.0) -> None:
    """Serve MCP on stdin/stdout for ``agent_id`` until the client goes away."""
    _stop_on_sigterm()  # first: a stop that comes while the server starts up still says goodbye
    ops = AgentOps(dl, agent_id, tokens=HeldTokens(), skills=skills, lease_ttl=lease_ttl,
                   session_id=f"mcp-pid-{os.getpid()}")
    keeper = Keeper(ops, heartbeat_every=heartbeat_every, renew_every=lease_ttl / 3)
    try:
        ops.join()
        server = build_server(ops)
        keeper.start()
        server.run("stdio")
    except KeyboardInterrupt:
        pass
    finally:
        keeper.stop()
        ops.leave()
