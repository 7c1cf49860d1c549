"""Session and task tools: who am I, what can I do, and the life of a claim."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from jetpack_tui.agentkit import AgentOps, limits
from jetpack_tui.data.models import PRIORITIES, TASK_STATUSES

from .tooling import IDEMPOTENT, READ, Limit, LongText, MaybeTaskId, ShortText, TaskId, add

Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
Status = Literal[TASK_STATUSES]  # type: ignore[valid-type]
IdList = Annotated[list[Annotated[str, Field(max_length=limits.MAX_ID)]] | None, Field(max_length=limits.MAX_ITEMS)]


def register(server: MCPServer, ops: AgentOps) -> None:
    def start_session() -> dict[str, Any]:
        """Call this first. Registers you (the server knows your agent id; you never pass it) and returns
        who you are, your inbox summary with the latest unread messages, ready tasks whose required skills
        you have (best first), the tasks you hold and your file reservations."""
        return ops.start_session()

    def heartbeat(status: Annotated[str | None, Field(
            description="Optional free-text status shown on the dashboard, e.g. 'reviewing'.",
            max_length=limits.MAX_ID)] = None) -> dict[str, Any]:
        """Say you are alive and extend the leases of the tasks you hold. The server already does this
        in the background while the session lives, so you only need it to publish a status."""
        return ops.heartbeat(status)

    def claim_task(task_id: Annotated[str | None, Field(
            description="Claim this task (it must be ready and your skills must cover it, or be assigned "
                        "to you by an operator). Leave out to get the best ready task for you.",
            max_length=limits.MAX_ID)] = None) -> dict[str, Any]:
        """Claim work. Exactly one agent can win a task. Returns claimed=false and task=null when nothing
        is claimable for you; a task an operator assigned to you comes first. The server keeps the claim
        alive while the session lives; then call start_task, and complete_task or fail_task."""
        return ops.claim_task(task_id)

    def start_task(task_id: MaybeTaskId = None) -> dict[str, Any]:
        """Mark a task you claimed as in progress when you begin the work (the dashboard shows it)."""
        return ops.start_task(task_id)

    def complete_task(task_id: MaybeTaskId = None, result: Annotated[Any, Field(
            description="What you produced: any JSON value (a summary, files changed, links), "
                        f"at most {limits.MAX_JSON:,} characters as JSON.")] = None) -> dict[str, Any]:
        """Finish a task you hold and record its result. Its file reservations are released with it.
        Refused if you no longer hold it (its lease ran out and it was taken back or reassigned)."""
        return ops.complete_task(task_id, result)

    def fail_task(error: Annotated[LongText, Field(description="What went wrong, for whoever retries it.")],
                  task_id: MaybeTaskId = None,
                  retry: Annotated[bool, Field(description="Put it back in the queue (after a back-off) while "
                                                           "attempts remain; false fails it for good.")] = True,
                  ) -> dict[str, Any]:
        """Give up a task you hold and say why. Its file reservations are released."""
        return ops.fail_task(task_id, error, retry)

    def create_task(title: Annotated[ShortText, Field(description="What needs doing, one line.")],
                    description: Annotated[LongText | None, Field(description="Details, acceptance criteria.")] = None,
                    priority: Annotated[Priority, Field(description="How urgent.")] = "medium",
                    required_skills: Annotated[IdList, Field(description="Skills an agent needs to claim it.")] = None,
                    dependencies: Annotated[IdList, Field(description="Task ids that must complete first.")] = None,
                    parent_id: Annotated[str | None, Field(description="The bigger task this is part of.",
                                                           max_length=limits.MAX_ID)] = None) -> dict[str, Any]:
        """Add a task to the queue (planners split work this way). It is recorded as created by you."""
        return ops.create_task(title, description, priority, required_skills, dependencies, parent_id)

    def list_tasks(ready: Annotated[bool | None, Field(description="true: only ready (pending, dependencies "
                                                                   "done); false: only blocked ones.")] = None,
                   status: Annotated[Status | None, Field(description="Only tasks in this status.")] = None,
                   text: Annotated[str | None, Field(description="Words in the title, id or owner.",
                                                     max_length=limits.MAX_SHORT)] = None,
                   mine: Annotated[bool, Field(description="Only tasks you hold.")] = False,
                   limit: Limit = 50) -> dict[str, Any]:
        """Tasks matching every filter given, highest priority first."""
        return ops.list_tasks(ready, status, text, mine, limit)

    def get_task(task_id: TaskId) -> dict[str, Any]:
        """One task with every field; for a pending task also why it is blocked (unfinished or missing
        dependencies, cycles) and which required skills you lack."""
        return ops.get_task(task_id)

    def get_task_context(task_id: TaskId, k: Annotated[int, Field(description="Memories to include.",
                                                                  ge=1, le=50)] = 5) -> dict[str, Any]:
        """Everything to read before working on a task: its parents (the bigger goal), dependencies with
        their results, the messages about it, memories written for it and the most relevant other ones."""
        return ops.get_task_context(task_id, k)

    add(server, start_session, hints=IDEMPOTENT)
    add(server, heartbeat, hints=IDEMPOTENT)
    for tool in (claim_task, start_task, complete_task, fail_task, create_task):
        add(server, tool)
    for tool in (list_tasks, get_task, get_task_context):
        add(server, tool, hints=READ)
