"""Mail operations of one agent: send, broadcast, reply, inbox, ack, thread.

A message's payload is a JSON object ``{"text": ..., **data}`` — the shape
the dashboard's compose dialog writes too, so agents and operators read
each other's mail the same way.  Mixed into :class:`~.ops.AgentOps`.
"""

from __future__ import annotations

from typing import Any

from jetpack_tui.data import InvalidInputError

from . import limits, views

DEFAULT_TYPE = "agent.message"
REPLY_TYPE = "agent.reply"
BROADCAST = "*"


def _payload(text: Any, data: Any) -> dict[str, Any]:
    extra = limits.json_object(data, "data") or {}
    if "text" in extra:
        raise InvalidInputError("data must not hold a 'text' key (the message text goes in text)")
    return {"text": limits.text(text, "text"), **extra}


def _since(value: Any) -> Any:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return limits.text(value, "since", limit=100)


class MailOps:
    dl: Any
    agent_id: str

    def send_message(self, to: Any, text: Any, type: Any = DEFAULT_TYPE, data: Any = None, task_id: Any = None,
                     thread_id: Any = None) -> dict[str, Any]:
        recipient = limits.ident(to, "to")
        if recipient == BROADCAST:
            raise InvalidInputError("to write to every agent use broadcast_message")
        message = self.dl.messages.send(
            self.agent_id, recipient, limits.text(type, "type", limit=limits.MAX_ID), _payload(text, data),
            thread_id=limits.ident(thread_id, "thread_id", optional=True),
            task_id=limits.ident(task_id, "task_id", optional=True))
        return {"message": views.message(message)}

    def broadcast_message(self, text: Any, type: Any = DEFAULT_TYPE, data: Any = None, task_id: Any = None,
                          thread_id: Any = None) -> dict[str, Any]:
        message = self.dl.messages.broadcast(
            self.agent_id, limits.text(type, "type", limit=limits.MAX_ID), _payload(text, data),
            thread_id=limits.ident(thread_id, "thread_id", optional=True),
            task_id=limits.ident(task_id, "task_id", optional=True))
        return {"message": views.message(message), "recipients": message.recipients}

    def reply_message(self, message_id: Any, text: Any, type: Any = REPLY_TYPE, data: Any = None) -> dict[str, Any]:
        """Answer in the message's thread: to its sender (or, for one's own message, its addressee)."""
        original = self.dl.messages.get(limits.ident(message_id, "message_id"))
        to = original.from_agent if original.from_agent != self.agent_id else original.to_agent
        kind = limits.text(type, "type", limit=limits.MAX_ID)
        payload = _payload(text, data)
        if not to or to == BROADCAST:
            message = self.dl.messages.broadcast(self.agent_id, kind, payload, thread_id=original.thread_id,
                                                 task_id=original.task_id)
        else:
            message = self.dl.messages.send(self.agent_id, to, kind, payload, thread_id=original.thread_id,
                                            task_id=original.task_id)
        return {"message": views.message(message)}

    def fetch_inbox(self, unread_only: bool = True, since: Any = None, limit: Any = 20,
                    mark_read: bool = True) -> dict[str, Any]:
        """This agent's deliveries, oldest first; those returned are marked read unless ``mark_read`` is false."""
        for name, flag in (("unread_only", unread_only), ("mark_read", mark_read)):
            if not isinstance(flag, bool):
                raise InvalidInputError(f"{name} must be true or false")
        deliveries = self.dl.messages.receive(self.agent_id, since=_since(since), unread_only=unread_only,
                                              limit=limits.count(limit, "limit"))
        fresh = {d.message.id for d in deliveries if d.read_at is None}
        if mark_read:
            deliveries = [self.dl.messages.mark_read(d.message.id, self.agent_id) if d.message.id in fresh else d
                          for d in deliveries]
        return {"messages": [{**views.delivery(d), "new": d.message.id in fresh} for d in deliveries],
                **self.inbox_counts()}

    def inbox_counts(self) -> dict[str, int]:
        return {"unread": self.dl.messages.unread_count(self.agent_id),
                "unacked": self.dl.messages.unacked_count(self.agent_id)}

    def acknowledge_message(self, message_id: Any) -> dict[str, Any]:
        delivery = self.dl.messages.ack(limits.ident(message_id, "message_id"), self.agent_id)
        return {"message": views.delivery(delivery)}

    def get_thread(self, thread_id: Any, limit: Any = 50) -> dict[str, Any]:
        """The newest ``limit`` messages of a thread, oldest first."""
        messages = self.dl.messages.thread(limits.ident(thread_id, "thread_id"), limit=limits.count(limit, "limit"))
        return {"thread_id": thread_id, "messages": [views.message(m) for m in messages]}
