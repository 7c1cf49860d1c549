"""Mail tools: write to one agent or all, reply in a thread, read and acknowledge."""

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from jetpack_tui.agentkit import AgentOps, limits
from jetpack_tui.agentkit.mail_ops import DEFAULT_TYPE, REPLY_TYPE

from .tooling import IDEMPOTENT, READ, JsonData, Limit, LongText, MessageId, RelatedTaskId, add

Text = Annotated[LongText, Field(description="The message, in plain words.")]
Kind = Annotated[str, Field(description="A dotted message type the reader can filter on, e.g. "
                                        "'agent.message', 'task.help_needed', 'file.lock_request'.",
                            max_length=limits.MAX_ID)]
ThreadId = Annotated[str | None, Field(description="Post in this existing thread instead of starting one.",
                                       max_length=limits.MAX_ID)]


def register(server: MCPServer, ops: AgentOps) -> None:
    def send_message(to: Annotated[str, Field(description="The recipient's agent id (it need not be "
                                                          "online: the mail waits).", max_length=limits.MAX_ID)],
                     text: Text, type: Kind = DEFAULT_TYPE, data: JsonData = None, task_id: RelatedTaskId = None,
                     thread_id: ThreadId = None) -> dict[str, Any]:
        """Send a message to one agent (or to 'operator'). It starts a thread unless thread_id is given.
        The payload the recipient gets is {"text": text, ...data}."""
        return ops.send_message(to, text, type, data, task_id, thread_id)

    def broadcast_message(text: Text, type: Kind = DEFAULT_TYPE, data: JsonData = None,
                          task_id: RelatedTaskId = None, thread_id: ThreadId = None) -> dict[str, Any]:
        """Send a message to every registered agent but you, each with its own read/ack state."""
        return ops.broadcast_message(text, type, data, task_id, thread_id)

    def reply_message(message_id: MessageId, text: Text, type: Kind = REPLY_TYPE,
                      data: JsonData = None) -> dict[str, Any]:
        """Answer a message in its thread, to its sender."""
        return ops.reply_message(message_id, text, type, data)

    def fetch_inbox(unread_only: Annotated[bool, Field(description="Only messages you have not read yet.")] = True,
                    since: Annotated[Annotated[str, Field(max_length=100)] | float | None, Field(
                        description="Only messages sent after this time: epoch seconds or ISO 8601 text.")] = None,
                    limit: Limit = 20,
                    mark_read: Annotated[bool, Field(description="Mark the returned messages read (acknowledge "
                                                                 "is separate).")] = True) -> dict[str, Any]:
        """Your messages, oldest first, with your own read and ack state, plus your unread/unacked counts.
        Acknowledge a message with acknowledge_message once you have acted on it."""
        return ops.fetch_inbox(unread_only, since, limit, mark_read)

    def acknowledge_message(message_id: MessageId) -> dict[str, Any]:
        """Acknowledge a message sent to you (it is also marked read). Only your own copy changes."""
        return ops.acknowledge_message(message_id)

    def get_thread(thread_id: Annotated[str, Field(description="A thread id (a message's thread_id).",
                                                   max_length=limits.MAX_ID)],
                   limit: Limit = 50) -> dict[str, Any]:
        """The newest messages of a thread, in the order they were sent."""
        return ops.get_thread(thread_id, limit)

    for tool in (send_message, broadcast_message, reply_message, fetch_inbox):
        add(server, tool)
    add(server, acknowledge_message, hints=IDEMPOTENT)
    add(server, get_thread, hints=READ)
