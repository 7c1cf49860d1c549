"""A read-only view of one thing, read in a worker: the base of the memory,
task-context and agent views.

The screen opens at once with "loading…", asks the app's action runner to
run :meth:`ReadView.read` in a thread, then shows :meth:`ReadView.render` of
the result (or the error) in a scrollable body: ``j``/``k``, arrows and
page keys scroll it, ``esc``/``q`` close it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from jetpack_tui.data.protocol import DataLayer

from ..safe_text import clean

if TYPE_CHECKING:
    from ..app import JetpackApp

R = TypeVar("R")


class ReadView(ModalScreen[R], Generic[R]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="view.close"),
        Binding("j", "scroll(1)", "Down", show=False, id="view.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="view.up"),
    ]
    #: CSS class of the box (its size), and the hint under the body.
    BOX: ClassVar[str] = "view-box"
    HINT: ClassVar[str] = "esc: close"

    def __init__(self, title: str) -> None:
        super().__init__()
        self.heading = title
        self.result: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"modal-box {self.BOX}"):
            yield Static(Text(self.heading), classes="modal-title")
            with VerticalScroll(classes="view-scroll"):
                yield Static(Text("loading…", style="italic"), classes="view-body")
            yield Static(Text(self.HINT, style="dim"))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        app = self.jetpack
        dl = app.dl
        app.actions.read(lambda: self.read(dl), self._show, what=self.heading, on_error=self._show_error)

    @property
    def jetpack(self) -> "JetpackApp":
        return self.app  # type: ignore[return-value]

    def read(self, dl: DataLayer) -> Any:
        """Worker thread: the DataLayer reads."""
        raise NotImplementedError

    def render_result(self, result: Any, now: float) -> Text:
        raise NotImplementedError

    def _show(self, result: Any) -> None:
        self.result = result
        self.query_one(".view-body", Static).update(self.render_result(result, self.jetpack.clock()))

    def _show_error(self, error: str) -> None:
        self.query_one(".view-body", Static).update(Text(f"Cannot read it: {clean(error)}", style="bold"))

    def action_scroll(self, step: int) -> None:
        scroll = self.query_one(VerticalScroll)
        scroll.scroll_relative(y=step, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
