"""Read-only resources: the swarm's status, my inbox, a thread, the reservations.

``jetpack://status`` is exactly the ``jetpack-tui status --json`` document,
built by the same function (:func:`jetpack_tui.commands.status.snapshot`).
Reading a resource never marks mail read.
"""

import json
import logging
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from jetpack_tui.agentkit import AgentOps, describe, views
from jetpack_tui.data import JetpackError, NotFoundError

log = logging.getLogger("jetpack_tui.mcp")
JSON = "application/json"


def _json(read: Callable[[], Any]) -> str:
    try:
        return json.dumps(read(), ensure_ascii=False, indent=1, default=str)
    except NotFoundError as error:
        raise ResourceNotFoundError(describe(error)) from None
    except JetpackError as error:
        raise ResourceError(describe(error)) from None


def register(server: MCPServer, ops: AgentOps) -> None:
    from jetpack_tui.commands.status import snapshot

    @server.resource("jetpack://status", name="status", mime_type=JSON,
                     description="The swarm at a glance: task counts, ready tasks, orphans, stale agents, "
                                 "reservation conflicts (the `jetpack-tui status --json` document).")
    def status() -> str:
        return _json(lambda: snapshot(ops.dl))

    @server.resource("jetpack://inbox", name="inbox", mime_type=JSON,
                     description="Your newest 50 messages with your read/ack state (reading marks nothing).")
    def inbox() -> str:
        return _json(lambda: ops.fetch_inbox(unread_only=False, limit=50, mark_read=False))

    @server.resource("jetpack://thread/{thread_id}", name="thread", mime_type=JSON,
                     description="The newest 100 messages of a thread, oldest first.")
    def thread(thread_id: str) -> str:
        return _json(lambda: ops.get_thread(thread_id, 100))

    @server.resource("jetpack://reservations", name="reservations", mime_type=JSON,
                     description="Every active file reservation of the swarm (at most 500).")
    def reservations() -> str:
        return _json(lambda: {"reservations": [views.reservation(r) for r in ops.dl.reservations.list(limit=500)]})
