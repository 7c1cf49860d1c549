"""``enter`` on a result: the whole memory, read again by id in a worker."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..safe_text import clean, shorten
from ..panes.kit.actions import call_ui
from ..panes.memory.detail import render_memory


class MemoryScreen(ModalScreen[str | None]):
    """Dismissed with ``None``, or with the memory id when "more like this" is asked."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="memory_view.close"),
        Binding("m", "more_like_this", "More like this", id="memory_view.similar"),
    ]

    def __init__(self, memory_id: str) -> None:
        super().__init__()
        self.memory_id = memory_id
        self.memory: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box memory-box"):
            yield Static(Text(f"Memory {shorten(clean(self.memory_id), 60)}"), classes="modal-title")
            with VerticalScroll(id="memory-full-scroll"):
                yield Static(Text("loading…", style="italic"), id="memory-full")
            yield Static(Text("m: more like this · esc: close", style="dim"))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        app: Any = self.app
        dl, memory_id = app.dl, self.memory_id

        def work() -> None:
            try:
                memory = dl.memories.find(memory_id)
            except Exception as error:  # noqa: BLE001 - shown, never raised into the UI
                call_ui(app, self._show_error, f"{error.__class__.__name__}: {error}")
                return
            call_ui(app, self._show, memory)

        self.run_worker(work, thread=True, name="memory-full", exit_on_error=False)

    def _show(self, memory: Any) -> None:
        self.memory = memory
        body = self.query_one("#memory-full", Static)
        if memory is None:
            body.update(Text("This memory no longer exists.", style="italic"))
        else:
            body.update(render_memory(memory, self.app.clock()))  # type: ignore[attr-defined]

    def _show_error(self, error: str) -> None:
        self.query_one("#memory-full", Static).update(Text(clean(error), style="bold"))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_more_like_this(self) -> None:
        self.dismiss(self.memory_id)
