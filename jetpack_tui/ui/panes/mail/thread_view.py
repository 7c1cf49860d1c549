"""The open thread: its messages in the order they were sent, one list item
per message keyed by message id (a new message is appended, a read or ack
re-renders just that item), payloads pretty-printed and folded when long."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ListItem, ListView, Static

from ...safe_text import clean, shorten
from ...timefmt import ago
from .payload import payload_lines, render_payload


def render_message(message: Any, now: float, *, unfolded: bool, style: Callable[[str], str],
                   lines: tuple[list[str], bool] | None = None) -> Text:
    out = Text()
    when = ago(message.sent_at, now)
    out.append(f"{when + ' ago' if when else clean(message.raw.get('timestamp', '?'))}  ", style="dim")
    out.append(shorten(clean(message.from_agent or "?"), 40), style="bold")
    out.append(" → ")
    out.append(shorten(clean("every agent" if message.to_agent == "*" else message.to_agent or "?"), 40),
               style="bold")
    out.append("  ")
    out.append(shorten(clean(message.type or "(no type)"), 60), style=style("accent"))
    if message.recipients:
        acked = message.acked_count
        out.append(f"  read {message.read_count}/{message.recipients} · acked {acked}/{message.recipients}",
                   style=style("warn") if acked < message.recipients else style("ok"))
    if message.task_id:
        out.append(f"  task {shorten(clean(message.task_id), 40)}", style="dim")
    out.append(f"  {shorten(clean(message.id), 40)}\n", style="dim")
    problems = [p for p in message.problems if not p.startswith("payload")]
    if problems:
        out.append("⚑ " + "; ".join(clean(p) for p in problems) + "\n", style=style("bad"))
    out.append_text(render_payload(message, unfolded=unfolded, flag_style=style("bad"), lines=lines))
    return out


class MessageItem(ListItem):
    def __init__(self, message_id: str, content: Text) -> None:
        self.body = Static(content, classes="mail-message")
        super().__init__(self.body)
        self.message_id = message_id


class ThreadView(Vertical):
    """``show(thread_id, messages, hidden, now)`` reconciles the list by message id."""

    def __init__(self, style: Callable[[str], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._style = style
        self.thread_id: str | None = None
        self.messages: dict[str, Any] = {}
        self.unfolded: set[str] = set()
        self._rendered: dict[str, str] = {}
        self._items: dict[str, MessageItem] = {}
        self._order: list[str] = []
        self._payloads: dict[str, tuple[list[str], bool]] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a thread.", style="italic"), id="mail-thread-title")
        yield ListView(id="mail-messages")

    @property
    def list(self) -> ListView:
        return self.query_one(ListView)

    @property
    def highlighted(self) -> Any | None:
        child = self.list.highlighted_child
        return self.messages.get(child.message_id) if isinstance(child, MessageItem) else None

    def _content(self, message: Any, now: float) -> Text:
        # Payloads never change once sent: pretty-print each one once.
        lines = self._payloads.get(message.id)
        if lines is None:
            lines = self._payloads[message.id] = payload_lines(message)
        return render_message(message, now, unfolded=message.id in self.unfolded, style=self._style, lines=lines)

    def show(self, thread_id: str, messages: list[Any], hidden: int, now: float, note: str = "") -> None:
        listing = self.list
        order = [m.id for m in messages]
        self.messages = {m.id: m for m in messages}
        if thread_id != self.thread_id or self._order != order[:len(self._order)]:
            # another thread, or messages went away / arrived out of order: rebuild
            keep = listing.index if thread_id == self.thread_id else None
            listing.clear()
            self._items.clear()
            self._rendered.clear()
            self._order = []
            if thread_id != self.thread_id:
                self.unfolded.clear()
                self._payloads.clear()
            self.thread_id = thread_id
        else:
            keep = None
        for message in messages:
            self._upsert(message, now)
        self._order = order
        title = Text(f"Thread {shorten(clean(thread_id), 60)} · {len(messages)} message(s)", style="bold")
        if hidden:
            title.append(f" · {hidden} older not shown", style="italic")
        if note:
            title.append(" · " + clean(note), style="italic")
        self.query_one("#mail-thread-title", Static).update(title)
        if keep is not None and order:
            listing.index = min(keep, len(order) - 1)
        elif listing.index is None and order:
            listing.index = len(order) - 1

    def _upsert(self, message: Any, now: float) -> None:
        content = self._content(message, now)
        signature = content.plain
        item = self._items.get(message.id)
        if item is None:
            item = MessageItem(message.id, content)
            self._items[message.id] = item
            self.list.append(item)
        elif self._rendered.get(message.id) != signature:
            item.body.update(content)
        self._rendered[message.id] = signature

    def retick(self, now: float) -> None:
        for message in self.messages.values():
            self._upsert(message, now)

    def toggle_fold(self, now: float) -> bool:
        message = self.highlighted
        if message is None:
            return False
        self.unfolded ^= {message.id}
        self._upsert(message, now)
        return True

    def clear_thread(self, text: str) -> None:
        self.list.clear()
        self._items.clear()
        self._rendered.clear()
        self.messages = {}
        self._order = []
        self.thread_id = None
        self.query_one("#mail-thread-title", Static).update(Text(text, style="italic"))
