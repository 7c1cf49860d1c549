"""``TaskContextScreen(task_id)``: the bundle an agent reads before starting
a task (``dl.memories.get_task_context``) — the task, its parents, its
dependencies with their results, its mail, its own memories and the most
relevant other ones.  Pushed from the task board; read in a worker thread.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from jetpack_tui.data.protocol import DataLayer

from ..panes.mail.payload import render_payload
from ..safe_text import clean, shorten
from ..timefmt import ago
from .read_view import ReadView


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


class TaskContextScreen(ReadView[None]):
    BOX = "task-context-box"

    def __init__(self, task_id: str) -> None:
        super().__init__(f"Context of task {shorten(clean(task_id), 60)}")
        self.task_id = task_id

    def read(self, dl: DataLayer) -> Any:
        return dl.memories.get_task_context(self.task_id)

    def render_result(self, context: Any, now: float) -> Text:
        return render_context(context, now)

    @property
    def context(self) -> Any:
        return self.result
