"""``TaskContextScreen(task_id)``: the bundle an agent reads before starting
a task (``dl.memories.get_task_context``) — the task, its parents, its
dependencies with their results, its mail, its own memories and the most
relevant other ones.  Pushed from the task board; read in a worker thread.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..safe_text import clean, shorten
from ..timefmt import ago
from ..panes.kit.actions import call_ui
from ..panes.mail.payload import render_payload


def _heading(out: Text, title: str) -> None:
    out.append(f"\n{title}\n", style="bold underline")


def _task_line(task: Any) -> str:
    return f"{clean(task.id)} [{clean(task.state)}] {shorten(clean(task.title), 80)}"


def render_context(ctx: Any, now: float) -> Text:
    task = ctx.task
    out = Text()
    out.append(_task_line(task) + "\n", style="bold")
    if task.description:
        out.append(clean(task.description[:4000], multiline=True) + "\n")
    for problem in ctx.problems:
        out.append(f"⚑ {clean(problem)}\n", style="bold")
    _heading(out, f"Parents ({len(ctx.parents)})")
    for depth, parent in enumerate(ctx.parents):
        out.append("  " * depth + "↑ " + _task_line(parent) + "\n")
    _heading(out, f"Dependencies ({len(ctx.dependencies) + len(ctx.missing_dependencies)})")
    for dep in ctx.dependencies:
        out.append(_task_line(dep) + "\n")
        if dep.result is not None:
            result = shorten(json.dumps(dep.result, ensure_ascii=False, default=str), 300)
            out.append("    result: " + clean(result) + "\n", style="italic")
    for missing in ctx.missing_dependencies:
        out.append(f"{clean(missing)} — missing (no such task)\n", style="bold")
    _heading(out, f"Mail ({len(ctx.messages)})")
    for message in ctx.messages:
        out.append(f"{ago(message.sent_at, now) or '?'} ago  {clean(message.from_agent or '?')} → "
                   f"{clean(message.to_agent or '?')}  {clean(message.type)}\n")
        out.append_text(render_payload(message, unfolded=False))
        out.append("\n")
    _heading(out, f"Memories of this task ({len(ctx.task_memories)})")
    for memory in ctx.task_memories:
        out.append(f"{memory.importance:.2f} {clean(memory.type):<9} {shorten(clean(memory.content), 200)}\n")
    _heading(out, f"Related memories ({len(ctx.related_memories)})")
    for hit in ctx.related_memories:
        memory = hit.memory
        out.append(f"{hit.score:.4f} {clean(memory.type):<9} {shorten(clean(memory.content), 200)}\n")
    return out


class TaskContextScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="task_context.close")]

    def __init__(self, task_id: str) -> None:
        super().__init__()
        self.task_id = task_id
        self.context: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box task-context-box"):
            yield Static(Text(f"Context of task {shorten(clean(self.task_id), 60)}"), classes="modal-title")
            with VerticalScroll(id="task-context-scroll"):
                yield Static(Text("loading…", style="italic"), id="task-context")
            yield Static(Text("esc: close", style="dim"))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        app: Any = self.app
        dl, task_id = app.dl, self.task_id

        def work() -> None:
            try:
                context = dl.memories.get_task_context(task_id)
            except Exception as error:  # noqa: BLE001 - a missing task or a broken row is shown
                call_ui(app, self._show_error, str(error) or error.__class__.__name__)
                return
            call_ui(app, self._show, context)

        self.run_worker(work, thread=True, name="task-context", exit_on_error=False)

    def _show(self, context: Any) -> None:
        self.context = context
        self.query_one("#task-context", Static).update(render_context(context, self.app.clock()))  # type: ignore[attr-defined]

    def _show_error(self, error: str) -> None:
        self.query_one("#task-context", Static).update(Text(f"Cannot read the context: {clean(error)}",
                                                            style="bold"))
