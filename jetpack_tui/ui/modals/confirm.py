"""A yes/no confirmation (as in Posting): focus starts on **No**.

``y`` confirms, ``n``/``escape`` refuse; the result is ``True``/``False``.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, body: Text, *, yes: str = "Yes", danger: bool = False) -> None:
        super().__init__()
        self._question = title
        self._body_text = body
        self._yes_label = yes
        self._is_danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box" + (" -danger" if self._is_danger else "")):
            yield Static(Text(self._question), classes="modal-title")
            yield Static(self._body_text, classes="modal-body")
            with Horizontal(classes="modal-buttons"):
                yield Button("No", id="no", variant="primary")
                yield Button(f"{self._yes_label} (y)", id="yes", variant="error" if self._is_danger else "default")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
