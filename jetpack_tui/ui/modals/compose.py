"""The compose dialog: the operator writes to one agent, to every agent
(``*`` = broadcast) or replies in a thread.

It returns a :class:`Draft` (or ``None`` when cancelled); :func:`deliver`
turns it into one DataLayer call, run by the pane in a worker thread.  The
payload is ``{"text": ...}`` so agents get a JSON object they can extend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static, TextArea

from jetpack_tui.data.protocol import DataLayer

from ..safe_text import clean, shorten

BROADCAST = "*"
DEFAULT_TYPE = "operator.message"


@dataclass(frozen=True)
class Draft:
    to: str
    type: str
    text: str
    thread_id: str | None = None
    task_id: str | None = None

    @property
    def broadcast(self) -> bool:
        return self.to == BROADCAST


def deliver(dl: DataLayer, operator: str, draft: Draft) -> Any:
    """Worker thread: send the draft as the operator; returns the message."""
    payload = {"text": draft.text}
    if draft.broadcast:
        return dl.messages.broadcast(operator, draft.type, payload, thread_id=draft.thread_id, task_id=draft.task_id)
    return dl.messages.send(operator, draft.to, draft.type, payload, thread_id=draft.thread_id, task_id=draft.task_id)


class ComposeScreen(ModalScreen[Draft | None]):
    """``ComposeScreen(title, to=..., agents=[...], thread_id=...)``."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="compose.send"),
        Binding("escape", "cancel", "Cancel", id="compose.cancel"),
    ]

    def __init__(self, title: str, *, to: str = "", agents: Iterable[str] = (), type: str = DEFAULT_TYPE,
                 thread_id: str | None = None, task_id: str | None = None, text: str = "") -> None:
        super().__init__()
        self.heading = title
        self.initial = Draft(to=to, type=type, text=text, thread_id=thread_id, task_id=task_id)
        self.agent_ids = sorted({a for a in agents if a})

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box compose-box"):
            yield Static(Text(self.heading), classes="modal-title")
            if self.initial.thread_id:
                yield Static(Text(f"in thread {shorten(clean(self.initial.thread_id), 60)}", style="italic"))
            with Horizontal(classes="compose-row"):
                yield Label("To", classes="compose-label")
                yield Input(self.initial.to, placeholder="agent id, or * for every agent", id="compose-to",
                            suggester=SuggestFromList([BROADCAST, *self.agent_ids], case_sensitive=True),
                            compact=True)
            with Horizontal(classes="compose-row"):
                yield Label("Type", classes="compose-label")
                yield Input(self.initial.type, id="compose-type", compact=True)
            yield TextArea(self.initial.text, id="compose-body", soft_wrap=True, tab_behavior="focus")
            yield Static(Text(""), id="compose-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Cancel", id="compose-cancel")
                yield Button("Send (ctrl+s)", id="compose-send", variant="primary")

    def on_mount(self) -> None:
        target = "#compose-body" if self.initial.to else "#compose-to"
        self.query_one(target).focus()

    def draft(self) -> Draft | str:
        """The draft, or why it cannot be sent."""
        to = self.query_one("#compose-to", Input).value.strip()
        kind = self.query_one("#compose-type", Input).value.strip()
        text = self.query_one("#compose-body", TextArea).text
        if not to:
            return "say who to send to (an agent id, or * for every agent)"
        if not kind:
            return "a message needs a type (e.g. operator.message)"
        if not text.strip():
            return "the message is empty"
        return Draft(to=to, type=kind, text=text, thread_id=self.initial.thread_id, task_id=self.initial.task_id)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "compose-send":
            self.action_send()
        else:
            self.dismiss(None)

    def action_send(self) -> None:
        result = self.draft()
        if isinstance(result, str):
            self.query_one("#compose-error", Static).update(Text(result, style="bold"))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
