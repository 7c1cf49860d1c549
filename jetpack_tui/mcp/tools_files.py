"""File reservation, lease and memory tools."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from jetpack_tui.agentkit import AgentOps, limits
from jetpack_tui.agentkit.file_ops import DEFAULT_LEASE_TTL, DEFAULT_RESERVATION_TTL
from jetpack_tui.data.memory_models import MAX_TYPE_CHARS, MEMORY_TYPES
from jetpack_tui.data.reservation_models import RESERVATION_TYPES

from .tooling import IDEMPOTENT, READ, JsonData, LongText, RelatedTaskId, add

Paths = Annotated[list[Annotated[str, Field(max_length=limits.MAX_PATH)]], Field(
    description="Paths or globs relative to the project root, e.g. ['src/app.py', 'tests/**/*.py'].",
    min_length=1, max_length=limits.MAX_ITEMS)]
Kind = Annotated[Literal[RESERVATION_TYPES], Field(  # type: ignore[valid-type]
    description="edit/create/delete conflict with any other reservation; read conflicts with all but read.")]
Seconds = Annotated[float, Field(gt=0, le=limits.MAX_TTL)]
Resource = Annotated[str, Field(description="Any name, e.g. 'deploy:staging' or 'db-migrations'.",
                                max_length=limits.MAX_ID)]
MemoryType = Annotated[str, Field(
    description="Kind of memory, any short label; well-known: " + ", ".join(MEMORY_TYPES) + ".",
    min_length=1, max_length=MAX_TYPE_CHARS, examples=list(MEMORY_TYPES))]


def register(server: MCPServer, ops: AgentOps) -> None:
    def reserve_files(paths: Paths, type: Kind = "edit", task_id: RelatedTaskId = None,
                      ttl: Annotated[Seconds, Field(description="Seconds until the reservation lapses.")]
                      = DEFAULT_RESERVATION_TTL,
                      strict: Annotated[bool, Field(description="All or nothing: refuse (reserve none) if "
                                                               "any path overlaps another agent's.")] = False,
                      ) -> dict[str, Any]:
        """Announce the files you are about to touch. Advisory by default: granted, and 'conflicts' lists
        other agents' reservations overlapping each path (globs included) so you can coordinate, e.g.
        send_message the holder. Reservations made for a task are released when it completes or fails."""
        return ops.reserve_files(paths, type, task_id, ttl, strict)

    def check_files(paths: Paths, type: Kind = "edit") -> dict[str, Any]:
        """Who else holds reservations overlapping these paths (nothing is reserved). clear=true when none."""
        return ops.check_files(paths, type)

    def release_file_reservations(
            reservation_ids: Annotated[list[Annotated[str, Field(max_length=limits.MAX_ID)]] | None, Field(
                description="Ids of your reservations to release.", max_length=limits.MAX_ITEMS)] = None,
            task_id: Annotated[str | None, Field(description="Release your reservations made for this task.",
                                                 max_length=limits.MAX_ID)] = None,
            all: Annotated[bool, Field(description="Release every reservation you hold.")] = False,
    ) -> dict[str, Any]:
        """Release your own file reservations; give exactly one of reservation_ids, task_id or all=true."""
        return ops.release_file_reservations(reservation_ids, task_id, all)

    def acquire_lease(resource: Resource, ttl: Annotated[Seconds, Field(
            description="Seconds the lease lasts; acquire again before it ends to keep it.")] = DEFAULT_LEASE_TTL,
            ) -> dict[str, Any]:
        """Take an exclusive lease on a named resource (a hard lock, unlike file reservations).
        acquired=false while another agent holds it; 'lease' then says who and until when."""
        return ops.acquire_lease(resource, ttl)

    def release_lease(resource: Resource) -> dict[str, Any]:
        """Give back a lease you acquired in this session, so another agent can take it."""
        return ops.release_lease(resource)

    def store_memory(content: Annotated[LongText, Field(description="What you learned, in a sentence or a paragraph.")],
                     type: MemoryType = "general",
                     importance: Annotated[float, Field(description="0 (trivia) to 1 (must know).", ge=0, le=1)] = 0.5,
                     task_id: RelatedTaskId = None, metadata: JsonData = None) -> dict[str, Any]:
        """Store a memory for the whole swarm (facts, decisions, errors and their fixes, codebase notes)."""
        return ops.store_memory(content, type, importance, task_id, metadata)

    def search_memory(query: Annotated[str, Field(description="Words or a question.", max_length=limits.MAX_SHORT)],
                      k: Annotated[int, Field(description="How many memories.", ge=1, le=50)] = 5,
                      types: Annotated[list[MemoryType] | None, Field(description="Only these memory types.",
                                                                      max_length=limits.MAX_ITEMS)] = None,
                      ) -> dict[str, Any]:
        """Find memories by keywords and meaning, best first."""
        return ops.search_memory(query, k, types)

    for tool in (reserve_files, acquire_lease, store_memory):
        add(server, tool)
    for tool in (release_file_reservations, release_lease):
        add(server, tool, hints=IDEMPOTENT)
    for tool in (check_files, search_memory):
        add(server, tool, hints=READ)
