"""Mail pane: threads by newest activity (participants, count, unread,
awaiting ack) above the open thread (messages in order, payloads as pretty
JSON, long ones folded, broken ones raw and flagged).

A :class:`~..table_pane.TablePane` whose lower part is the open thread:
``/`` filters by ``@agent`` and message type (``task.*`` for a family),
``f`` cycles all / awaiting ack / mine (threads the operator is in),
``enter`` goes into the thread.  The summary shows the operator's own inbox.

Actions (disabled and refused read-only): write in the thread (``m``, a
reply to the right person), a new message (``n``), broadcast (``b``), and
acknowledge (``A``) — only a message's recipients can ack it, so on others'
mail ``A`` says so instead of doing nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, ListView

from jetpack_tui.data.protocol import DataLayer

from ...modals.compose import BROADCAST, ComposeScreen, deliver
from ...safe_text import clean, shorten
from ..base import FetchRequest
from ..kit.filters import split_agent
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from ..table_pane import TablePane
from .data import QUICK_FILTERS, MailView, ThreadLoaded, ThreadsLoaded, fetch_mail, reply_target
from .thread_view import ThreadView
from .threads import ThreadTable, render_thread


class MailPane(TablePane):
    PANE_ID = "mail"
    TITLE = "Mail"
    KEY = "4"
    TABLES = frozenset({"messages"})
    TABLE = ThreadTable
    PARTS = (ThreadTable, ThreadView, ListView)
    WRITE_ACTIONS = frozenset({"message", "compose", "broadcast", "ack"})
    QUICK_FILTERS = QUICK_FILTERS
    FILTER_HINT = "/ @agent, type (task.*)"

    BINDINGS = [
        Binding("z", "fold", "Fold/unfold", show=False, id="mail.fold"),
        Binding("m", "message", "Reply", id="mail.reply"),
        Binding("n", "compose", "New message", show=False, id="mail.compose"),
        Binding("b", "broadcast", "Broadcast", show=False, id="mail.broadcast"),
        Binding("A", "ack", "Ack", id="mail.ack"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = MailView()
        self.threads: list[Any] = []

    def make_table(self) -> ThreadTable:
        return ThreadTable(lambda thread, now: render_thread(thread, now, Palette(self.app)), id="mail-threads")

    def make_drawer(self) -> Vertical:
        return ThreadView(Palette(self.app), id="mail-thread", classes="pane-drawer")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> MailView:
        return replace(self.view, thread=self.table.selected_id, operator=self.jetpack.operator)

    def fetch(self, dl: DataLayer, request: FetchRequest) -> Iterable[Any]:
        return fetch_mail(dl, request)

    @while_running
    def tick(self, now: float) -> None:
        self.now = now
        self.table.retick(now)
        self.thread_view.retick(now)

    def quick(self) -> str:
        return self.view.quick

    def filter_changed(self, text: str | None = None, quick: str | None = None) -> None:
        view = self.view
        if text is not None:
            kind, agent = split_agent(text)
            view = replace(view, agent=agent, type=kind)
        if quick is not None:
            view = replace(view, quick=quick if quick in QUICK_FILTERS else "all")
        if view != self.view:
            self.view = view
            self.view_changed()

    def apply_filter(self, **filters: Any) -> bool:
        """``pending=True`` (the Overview's jump), ``agent=``, ``type=``."""
        agent = str(filters.get("agent", ""))
        self.filter_box.value = " ".join(p for p in (f"@{agent}" if agent else "", str(filters.get("type", ""))) if p)
        self.filter_changed(text=self.filter_box.value, quick="awaiting ack" if filters.get("pending") else "all")
        return True

    @property
    def table(self) -> ThreadTable:
        return self.query_one(ThreadTable)

    @property
    def thread_view(self) -> ThreadView:
        return self.query_one(ThreadView)

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_threads_loaded(self, message: ThreadsLoaded) -> None:
        if not self.current(message):
            return
        self.now = self.jetpack.clock()
        self.threads = message.threads
        before = self.table.selected_id
        self.table.show(((t.id, t) for t in message.threads), self.now)  # "awaiting ack" is filtered in SQL
        self.set_summary(self._summary(message))
        self.settle_jump("thread among the newest")
        if self.table.selected_id != before:
            self._thread_selected()
        elif self.table.selected_id is None:
            self.thread_view.clear_thread("No thread selected.")
        self.mark_loaded()

    def _summary(self, message: ThreadsLoaded) -> Text:
        if message.error:
            return Text("⚠ " + clean(message.error), style=Palette(self.app)("bad"))
        which = {"awaiting ack": " awaiting an ack", "mine": " you are in"}.get(self.view.quick, "")
        inbox = message.inbox
        out = Text()
        out.append(f"your inbox ({shorten(clean(self.jetpack.operator), 20)}): {inbox[0]} unread, "
                   f"{inbox[1]} to ack", style=Palette(self.app)("warn") if inbox[1] else "")
        out.append(f" · {message.total} thread(s){which} · swarm: {message.unread} unread, "
                   f"{message.unacked} awaiting ack")
        return out

    @while_running
    def on_thread_loaded(self, message: ThreadLoaded) -> None:
        if not self.current(message) or message.thread_id != self.table.selected_id:
            return
        self.thread_view.show(message.thread_id, message.messages, message.hidden, self.jetpack.clock())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.table.selected_id != self.thread_view.thread_id:
            self._thread_selected()

    def _thread_selected(self) -> None:
        if self.table.selected_id is None:
            self.thread_view.clear_thread("No thread selected.")
            return
        self.request_detail()

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()

    def open_row(self) -> None:
        """``enter``: into the thread (``esc`` comes back)."""
        if self.thread_view.messages:
            self.thread_view.list.focus()

    def action_fold(self) -> None:
        if not self.thread_view.toggle_fold(self.now):
            self.app.notify("fold: highlight a message of the thread first", severity="warning")

    # -- actions -----------------------------------------------------------------
    def _agents(self) -> set[str]:
        return {p for t in self.threads for p in t.participants}

    def _write(self, title: str, **kwargs: Any) -> None:
        dl, operator = self.jetpack.dl, self.jetpack.operator

        def send(draft: Any) -> None:
            if draft is not None:
                self.jetpack.actions.write("broadcast" if draft.broadcast else "send", None,
                                           lambda: deliver(dl, operator, draft), target=draft.to)

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

    def action_message(self) -> None:
        """``m``: write in the open thread, to the right person."""
        if self.jetpack.actions.refuse_read_only("reply"):
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
        if not self.jetpack.actions.refuse_read_only("write"):
            self._write("New message", to=self.view.agent)

    def action_broadcast(self) -> None:
        if not self.jetpack.actions.refuse_read_only("broadcast"):
            self._write("Broadcast to every registered agent", to=BROADCAST)

    def action_ack(self) -> None:
        if self.jetpack.actions.refuse_read_only("ack"):
            return
        message = self._focused_message(ack=True)
        if message is None:
            self.app.notify("ack: open a thread and highlight a message", severity="warning")
            return
        operator = self.jetpack.operator
        if message.to_agent not in (operator, BROADCAST):
            self.app.notify(f"ack: this message is for {clean(message.to_agent or '?')}, not for you "
                            f"({clean(operator)}). An ack says \"I, a recipient, have handled it\": only "
                            f"{clean(message.to_agent or '?')} can ack it. Reply with m instead.",
                            severity="warning", markup=False, timeout=12)
            return
        dl = self.jetpack.dl
        self.jetpack.actions.write("ack", message, lambda: dl.messages.ack(message.id, operator))
