"""What the Mail pane shows and how it is read (refresh worker thread only).

The thread list is one SQL page (``dl.messages.threads``, newest activity
first, filtered by agent, type and "awaiting an ack" in SQL) plus counts; it is re-read when
``messages`` changed (a new message, a read or an ack).  The open thread is
read with ``dl.messages.thread`` (its newest :data:`THREAD_LIMIT`) when it is selected and whenever messages
changed; the pane applies both keyed by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jetpack_tui.data.errors import JetpackError

from jetpack_tui.data.protocol import DataLayer

from ...messages import PaneData
from ..base import FetchRequest

#: Messages shown of one thread (the newest ones; older ones are counted).
THREAD_LIMIT = 300


#: Quick filters (``f``): every thread, those awaiting an ack, those the operator is in.
QUICK_FILTERS = ("all", "awaiting ack", "mine")


@dataclass(frozen=True)
class MailView:
    agent: str = ""
    type: str = ""
    quick: str = "all"
    #: The open thread (the thread table's selection).
    thread: str | None = None
    #: Whose inbox the summary counts (the app's operator).
    operator: str = ""


class ThreadsLoaded(PaneData):
    """A page of threads; ``inbox`` is the operator's own (unread, to ack)."""

    def __init__(self, generation: int, threads: list[Any], total: int, unread: int, unacked: int,
                 inbox: tuple[int, int] = (0, 0), error: str | None = None) -> None:
        super().__init__(generation)
        self.threads = threads
        self.total = total
        self.unread = unread
        self.unacked = unacked
        self.inbox = inbox
        self.error = error


class ThreadLoaded(PaneData):
    """The messages of ``thread_id`` in the order they were sent."""

    def __init__(self, generation: int, thread_id: str, messages: list[Any], hidden: int = 0,
                 error: str | None = None) -> None:
        super().__init__(generation)
        self.thread_id = thread_id
        self.messages = messages
        self.hidden = hidden
        self.error = error


def _filters(view: MailView) -> dict[str, Any]:
    agent = view.operator if view.quick == "mine" else view.agent.strip()
    return {"agent": agent or None, "type": view.type.strip() or None, "awaiting_ack": view.quick == "awaiting ack"}


def fetch_mail(dl: DataLayer, request: FetchRequest) -> list[PaneData]:
    view: MailView = request.view
    gen = request.generation
    out: list[PaneData] = []
    changed = request.reload or "messages" in request.changes.tables
    if changed:
        try:
            threads = dl.messages.threads(limit=request.page_size, **_filters(view))
            total = dl.messages.thread_count(**_filters(view))
            inbox = (dl.messages.unread_count(view.operator), dl.messages.unacked_count(view.operator))
            out.append(ThreadsLoaded(gen, threads, total, dl.messages.unread_count(), dl.messages.unacked_count(),
                                     inbox))
        except JetpackError as error:  # e.g. a type filter the DataLayer refuses
            out.append(ThreadsLoaded(gen, [], 0, 0, 0, error=str(error)))
    if view.thread and (changed or request.detail):
        messages = dl.messages.thread(view.thread, limit=THREAD_LIMIT)
        hidden = 0 if len(messages) < THREAD_LIMIT else max(0, dl.messages.count(thread_id=view.thread) - len(messages))
        out.append(ThreadLoaded(gen, view.thread, messages, hidden))
    return out


def reply_target(message: Any, operator: str) -> str:
    """Who a reply to ``message`` goes to: its sender, unless that is the
    operator (then its addressee); a broadcast by the operator is answered
    to everyone."""
    sender, to = message.from_agent, message.to_agent
    if sender and sender != operator:
        return sender
    return to or "*"
