"""Mail pane: threads by newest activity (participants, count, unread,
awaiting ack) beside the open thread (messages in order, payloads as
pretty JSON, long ones folded, broken ones raw and flagged); filters by
agent and type, and "only threads awaiting an ack" (``u``).

Actions (hidden and refused read-only): reply in the thread (``r``), write
to an agent (``c``), broadcast (``b``) — all through the compose dialog —
and acknowledge the highlighted message as the operator (``A``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, ListView, Static

from ...safe_text import clean, shorten
from ..base import FetchRequest, Pane
from ..kit.actions import refuse_read_only, run_write
from ...modals.compose import BROADCAST, ComposeScreen, deliver
from ..kit.jump import PendingJump
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from .data import MailView, ThreadLoaded, ThreadsLoaded, fetch_mail, reply_target
from .thread_view import ThreadView
from .threads import ThreadTable, render_thread

WRITE_ACTIONS = {"reply", "compose", "broadcast", "ack"}


class MailPane(Pane):
    PANE_ID = "mail"
    TITLE = "Mail"
    KEY = "4"
    TABLES = frozenset({"messages"})

    BINDINGS = [
        Binding("a", "focus_filter('agent')", "Agent filter", id="mail.filter_agent"),
        Binding("t", "focus_filter('type')", "Type filter", show=False, id="mail.filter_type"),
        Binding("u", "toggle_pending", "Awaiting ack", id="mail.pending_only"),
        Binding("enter", "open_thread", "Read thread", show=False, id="mail.open"),
        Binding("z", "fold", "Fold/unfold", show=False, id="mail.fold"),
        Binding("r", "reply", "Reply", id="mail.reply"),
        Binding("c", "compose", "Write", id="mail.compose"),
        Binding("b", "broadcast", "Broadcast", show=False, id="mail.broadcast"),
        Binding("A", "ack", "Ack", id="mail.ack"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = MailView()
        self.threads: list[Any] = []
        self.jump = PendingJump()
        self.now = 0.0

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-header"):
            yield Static(Text("Mail", style="bold"), classes="pane-title")
            yield Static(Text(""), id="mail-summary", classes="pane-summary")
        with Horizontal(classes="pane-filters"):
            yield Label("agent")
            yield Input(placeholder="agent id", id="mail-agent", compact=True)
            yield Label("type")
            yield Input(placeholder="t type, or family.*", id="mail-type", compact=True)
        with Vertical(classes="pane-body -stacked"):
            yield ThreadTable(lambda thread, now: render_thread(thread, now, Palette(self.app)), id="mail-threads")
            yield ThreadView(Palette(self.app), id="mail-thread", classes="pane-drawer")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> MailView:
        return replace(self.view, thread=self.table.selected_id)

    def fetch(self, dl: Any, request: FetchRequest) -> Iterable[Any]:
        return fetch_mail(dl, request)

    @while_running
    def tick(self, now: float) -> None:
        self.now = now
        self.table.retick(now)
        self.thread_view.retick(now)

    def selected_key(self) -> str | None:
        return self.table.selected_id

    def jump_to(self, key: str) -> bool:
        """Open thread ``key`` (the palette), clearing filters that hide it;
        when the threads have not arrived yet, open it once they do."""
        if self.table.select(key):
            return True
        self.jump.want(key)
        if self.view != MailView(thread=self.view.thread):
            self.apply_filter()
        return True

    def apply_filter(self, **filters: Any) -> bool:
        """``pending=True`` (the Overview's jump), ``agent=``, ``type=``."""
        self.view = MailView(agent=str(filters.get("agent", "")), type=str(filters.get("type", "")),
                             pending_only=bool(filters.get("pending", False)))
        self.query_one("#mail-agent", Input).value = self.view.agent
        self.query_one("#mail-type", Input).value = self.view.type
        self.view_changed()
        return True

    def focus_main(self) -> None:
        self.table.focus()

    @property
    def table(self) -> ThreadTable:
        return self.query_one(ThreadTable)

    @property
    def thread_view(self) -> ThreadView:
        return self.query_one(ThreadView)

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_threads_loaded(self, message: ThreadsLoaded) -> None:
        message.stop()
        if not self.current(message):
            return
        self.now = self.jetpack.clock()
        self.threads = message.threads
        before = self.table.selected_id
        self.table.show(((t.id, t) for t in message.threads), self.now)  # "awaiting ack" is filtered in SQL
        which = " awaiting an ack" if self.view.pending_only else ""
        summary = Text(f"{message.total} thread(s){which} · {message.unread} unread · {message.unacked} awaiting ack")
        if message.error:
            summary = Text("⚠ " + clean(message.error), style=Palette(self.app)("bad"))
        self.query_one("#mail-summary", Static).update(summary)
        missing = self.jump.settle(self.table.select)
        if missing is not None:
            self.app.notify(f"mail: thread {clean(missing)} is not among the newest {len(message.threads)}",
                            severity="warning", markup=False)
        if self.table.selected_id != before:
            self._thread_selected()
        elif self.table.selected_id is None:
            self.thread_view.clear_thread("No thread selected.")
        self.mark_loaded()

    @while_running
    def on_thread_loaded(self, message: ThreadLoaded) -> None:
        message.stop()
        if not self.current(message) or message.thread_id != self.table.selected_id:
            return
        self.thread_view.show(message.thread_id, message.messages, message.hidden, self.jetpack.clock())

    def on_data_table_row_highlighted(self, event: ThreadTable.RowHighlighted) -> None:
        event.stop()
        if self.table.selected_id != self.thread_view.thread_id:
            self._thread_selected()

    def on_data_table_row_selected(self, event: ThreadTable.RowSelected) -> None:
        event.stop()
        self.action_open_thread()

    def _thread_selected(self) -> None:
        if self.table.selected_id is None:
            self.thread_view.clear_thread("No thread selected.")
            return
        self.request_detail()

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()

    # -- filters -----------------------------------------------------------------
    def action_focus_filter(self, which: str) -> None:
        self.query_one(f"#mail-{which}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = "agent" if event.input.id == "mail-agent" else "type"
        self.view = replace(self.view, **{field: event.value.strip()})
        self.view_changed()
        self.table.focus()

    def action_toggle_pending(self) -> None:
        self.view = replace(self.view, pending_only=not self.view.pending_only)
        self.view_changed()

    def action_open_thread(self) -> None:
        if self.thread_view.messages:
            self.thread_view.list.focus()

    def action_fold(self) -> None:
        if not self.thread_view.toggle_fold(self.now):
            self.app.notify("fold: highlight a message of the thread first", severity="warning")

    # -- actions -----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.jetpack.read_only:
            return False
        return True

    def _agents(self) -> set[str]:
        return {p for t in self.threads for p in t.participants}

    def _write(self, title: str, **kwargs: Any) -> None:
        dl, operator = self.jetpack.dl, self.jetpack.operator

        def send(draft: Any) -> None:
            if draft is not None:
                run_write(self, "broadcast" if draft.broadcast else "send", draft.to, None,
                          lambda: deliver(dl, operator, draft))

        self.app.push_screen(ComposeScreen(title, agents=self._agents(), **kwargs), send)

    def _focused_message(self, *, ack: bool = False) -> Any | None:
        """The highlighted message when the operator is in the thread; from
        the thread list: the first message awaiting the operator's ack (for
        ``ack``) or the newest one (for a reply)."""
        view = self.thread_view
        messages = list(view.messages.values())
        if self.screen.focused is view.list and view.highlighted is not None:
            return view.highlighted
        if ack:
            operator = self.jetpack.operator
            waiting = [m for m in messages if m.to_agent == operator and m.acked_count < m.recipients]
            return waiting[0] if waiting else view.highlighted
        return messages[-1] if messages else None

    def action_reply(self) -> None:
        if refuse_read_only(self.app, "reply"):
            return
        message = self._focused_message()
        if message is None:
            self.app.notify("reply: open a thread first", severity="warning")
            return
        to = reply_target(message, self.jetpack.operator)
        thread = next((t for t in self.threads if t.id == message.thread_id), None)
        task_id = message.task_id or (thread.task_id if thread is not None else None)
        self._write(f"Reply in thread {shorten(clean(message.thread_id), 40)}", to=to,
                    thread_id=message.thread_id, task_id=task_id)

    def action_compose(self) -> None:
        if not refuse_read_only(self.app, "write"):
            self._write("New message", to=self.view.agent)

    def action_broadcast(self) -> None:
        if not refuse_read_only(self.app, "broadcast"):
            self._write("Broadcast to every registered agent", to=BROADCAST)

    def action_ack(self) -> None:
        if refuse_read_only(self.app, "ack"):
            return
        message = self._focused_message(ack=True)
        if message is None:
            self.app.notify("ack: open a thread and highlight a message", severity="warning")
            return
        dl, operator = self.jetpack.dl, self.jetpack.operator
        run_write(self, "ack", message.id, message, lambda: dl.messages.ack(message.id, operator))
