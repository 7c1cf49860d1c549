"""The whole-swarm summary beside the drawing: critical path, bottlenecks,
stuck work — as a list the operator can move through.

:func:`summary_entries` (worker thread, pure) turns a ``GraphAnalysis`` into
lines; each line that names a task carries its id, so highlighting it draws
the graph around that task and ``enter`` opens it on the board.  Database
text (ids, titles, reasons) goes through :mod:`~jetpack_tui.ui.safe_text`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jetpack_tui.data.insight import GraphAnalysis
from jetpack_tui.data.insight.stuck import LABELS

from ...safe_text import clean, shorten
from ...timefmt import span

#: Steps of the critical path listed, and stuck tasks per reason.
PATH_SHOWN = 30
STUCK_SHOWN = 5
BASIS = {"skills": "skills", "overall": "overall", "default": "no history"}


@dataclass(frozen=True)
class Entry:
    text: Text
    #: The task the line is about (``None``: a heading or a note).
    task_id: str | None = None


def _heading(title: str) -> Entry:
    return Entry(Text(title, style="bold underline"))


def _note(words: str) -> Entry:
    return Entry(Text(words, style="dim italic"))


def _task(task_id: str, lead: str, rest: str, title: str = "") -> Entry:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(lead)
    text.append(shorten(clean(task_id), 28), style="bold")
    if rest:
        text.append(f"  {rest}")
    if title:
        text.append(f"  {shorten(clean(title), 60)}", style="dim")
    return Entry(text, task_id)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return span(seconds) if seconds >= 1 else "0s"


def _critical_path(analysis: GraphAnalysis) -> list[Entry]:
    path = analysis.critical_path
    if not path:
        return [_heading("Critical path"), _note("no unfinished work that can run")]
    out = [_heading(f"Critical path · {_duration(analysis.critical_seconds)} · {len(path)} step(s)")]
    bases = ", ".join(f"{n} by {BASIS.get(b, b)}" for b, n in sorted(analysis.bases.items()))
    out.append(_note(f"estimates: median claim-to-complete time, {bases}"))
    for n, step in enumerate(path[:PATH_SHOWN], start=1):
        basis = BASIS.get(step.estimate.basis, step.estimate.basis)
        out.append(_task(step.id, f"{n:>2}. ", f"{_duration(step.remaining)} ({basis})", step.title))
    if len(path) > PATH_SHOWN:
        out.append(_note(f"… and {len(path) - PATH_SHOWN} more step(s)"))
    return out


def _bottlenecks(analysis: GraphAnalysis) -> list[Entry]:
    out = [_heading("Bottlenecks · what finishing unblocks")]
    ranked = [b for b in analysis.bottlenecks if b.unblocks]
    if not ranked:
        return out + [_note("no task waits on another")]
    for b in ranked:
        work = f" · {_duration(b.work_seconds)} of work" if b.work_seconds is not None else ""
        out.append(_task(b.id, "", f"{b.unblocks} ({b.direct} direct){work}", b.title))
    if not analysis.exact:
        out.append(_note("counts are estimates: the graph is too large for exact ones"))
    return out


def _stuck(analysis: GraphAnalysis) -> list[Entry]:
    report = analysis.stuck
    stuck = report.stuck_ids
    out = [_heading(f"Stuck work · {len(stuck)} task(s)")]
    if not stuck and not report.agents and not report.reasons:
        return out + [_note("nothing stuck")]
    for cycle in report.cycles[:STUCK_SHOWN]:
        out.append(_task(cycle[0], "cycle: ", " → ".join(shorten(clean(t), 20) for t in cycle[1:4])
                         + (" …" if len(cycle) > 4 else "")))
    for code, task_ids in report.by_code().items():
        if code == "dependency_cycle":
            continue
        out.append(Entry(Text(f"{len(task_ids)} task(s) {LABELS.get(code, code)}", style="bold")))
        for task_id in task_ids[:STUCK_SHOWN]:
            reason = next((r.message for r in report.reasons_for(task_id) if r.code == code), "")
            node = analysis.snapshot.nodes.get(task_id)
            out.append(_task(task_id, "  ", shorten(clean(reason), 60), node.title if node else ""))
        if len(task_ids) > STUCK_SHOWN:
            out.append(_note(f"  … and {len(task_ids) - STUCK_SHOWN} more"))
    for problem in report.agents:
        out.append(Entry(Text(f"agent {shorten(clean(problem.agent_id), 24)}: {shorten(clean(problem.message), 80)}",
                              style="bold")))
    return out


def summary_entries(analysis: GraphAnalysis) -> list[Entry]:
    """Every line of the summary, in order (pure; worker thread)."""
    return _critical_path(analysis) + [Entry(Text(""))] + _bottlenecks(analysis) + [Entry(Text(""))] + \
        _stuck(analysis)


class SummaryList(OptionList):
    """The summary as a list: lines naming a task can be highlighted."""

    BINDINGS = [
        # The drawing is to the right: the same verb as the drawing's own right key.
        Binding("right,l", "cursor_right", "To the drawing", show=False, id="graph.to_drawing"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: list[Entry] = []

    def show(self, entries: list[Entry], keep: str | None) -> None:
        """Replace the lines; the highlight stays on the task ``keep`` when it is still listed."""
        if [(e.text.plain, e.task_id) for e in entries] == [(e.text.plain, e.task_id) for e in self.entries]:
            return
        self.entries = entries
        self.clear_options()
        self.add_options([Option(e.text, id=f"entry-{n}", disabled=e.task_id is None)
                          for n, e in enumerate(entries)])
        for n, entry in enumerate(entries):
            if keep is not None and entry.task_id == keep:
                self.highlighted = n
                break

    def task_at(self, index: int | None) -> str | None:
        if index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index].task_id

    class ToDrawing(Message):
        """``right``: the operator goes over to the drawing."""

    def action_cursor_right(self) -> None:
        self.post_message(self.ToDrawing())
