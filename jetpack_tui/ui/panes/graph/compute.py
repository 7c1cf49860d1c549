"""What the graph pane asks for and gets back — computed in its own worker.

An :class:`Ask` names the moment (``None``: now), the task to draw around,
and whether the analysis must be recomputed (the data changed, the moment
moved) or the last one serves (the operator picked another task).  The
work (:func:`compute`, a thread) reads through ``Insight`` only and returns
plain data: the analysis, the neighbourhood to draw, and the summary beside
it (:mod:`.summary`), so the UI thread only paints.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from jetpack_tui.data.insight import GraphAnalysis, Subgraph

from .summary import Entry, summary_entries

if TYPE_CHECKING:
    from jetpack_tui.data.insight import Insight

    from ...timetravel import PastStates

#: Bottlenecks ranked; ancestors and descendants drawn around the focus.
TOP = 20
UP = 40
DOWN = 40


@dataclass(frozen=True)
class Ask:
    moment: float | None
    focus: str | None
    #: Recompute the analysis (else reuse the last one: another task to draw around).
    full: bool
    generation: int
    #: How many "changed" notes the pane had seen when it asked.
    seq: int = 0


@dataclass
class GraphResult:
    ask: Ask
    analysis: GraphAnalysis
    subgraph: Subgraph
    focus: str | None
    entries: list[Entry] = field(default_factory=list)
    #: Unfinished tasks in the whole graph, and how long the analysis took (ms).
    unfinished: int = 0
    millis: float = 0.0


def default_focus(analysis: GraphAnalysis) -> str | None:
    """What to draw when the operator picked nothing: what blocks the most,
    else the start of the critical path, else stuck work, else any task."""
    if analysis.bottlenecks and analysis.bottlenecks[0].unblocks:
        return analysis.bottlenecks[0].id
    if analysis.critical_path:
        return analysis.critical_path[0].id
    if analysis.stuck.stuck_ids:
        return analysis.stuck.stuck_ids[0]
    return next(iter(analysis.snapshot.nodes), None)


def _then(subgraph: Subgraph, state: Any) -> Subgraph:
    """Finished tasks read for the drawing carry their status now: put theirs
    at the moment instead (``missing`` when they did not exist yet)."""
    nodes = {}
    for task_id, node in subgraph.nodes.items():
        was = state.get(task_id)
        if was is None:
            nodes[task_id] = replace(node, state="missing")
        elif node.state in ("completed", "failed", "cancelled", "missing") or was.status not in (
                "pending", "claimed", "in_progress"):
            nodes[task_id] = replace(node, state=was.state)
        else:
            nodes[task_id] = node
    return Subgraph(subgraph.focus, nodes, subgraph.edges, subgraph.truncated)


def compute(insight: "Insight", states: "PastStates", ask: Ask, previous: GraphAnalysis | None) -> GraphResult:
    """Worker thread: the analysis (or ``previous``), the drawing around the focus, the summary."""
    state = states.state(ask.moment) if ask.moment is not None else None
    if ask.full or previous is None:
        analysis = insight.graph(top=TOP) if state is None else insight.graph_at(ask.moment, top=TOP, state=state)
    else:
        analysis = previous
    focus = ask.focus or default_focus(analysis)
    subgraph = insight.neighbourhood(focus, analysis, up=UP, down=DOWN) if focus else Subgraph(focus="")
    if state is not None:
        subgraph = _then(subgraph, state)
    millis = sum(v for k, v in analysis.timings.items() if k in ("read_ms", "compute_ms"))
    return GraphResult(ask, analysis, subgraph, focus, summary_entries(analysis), len(analysis.snapshot.nodes),
                       millis)
