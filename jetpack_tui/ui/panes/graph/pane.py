"""Graph pane (key ``7``): why is nothing moving?

On the left, the whole swarm: the critical path (the longest chain of
unfinished work, each step's estimate and the basis it used), the
bottlenecks (what finishing would unblock the most), the stuck work (cycles,
missing or dead dependencies, skills no live agent has).  On the right, the
dependency graph around one task — its ancestors and descendants, layered,
coloured by state — scrolling under the arrows.  The task drawn around is
the one selected on the board when the pane is shown; highlighting a line
of the summary (or ``c`` on a box) draws around that one instead; ``enter``
opens the task on the board.  ``left`` from the first layer goes to the
list, ``right`` from the list to the drawing.

It follows the change feed like every pane, but the analysis (a quarter of
a second at 10k unfinished tasks, seconds at 100k) runs in its own worker
(:class:`~..kit.recompute.Recompute`): never two at once, at most every
2 s and at most a fifth of the time.  The refresh worker only says "changed"
(:class:`GraphStale`).  With the time bar at a moment in the past, it shows
the graph as it was then.  Read-only: it has no write actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import OptionList, Static

from jetpack_tui.data.protocol import DataLayer

from ...messages import PaneData
from ...safe_text import clean, shorten
from ...timetravel import stamp
from ...widgets.dag_view import DagView
from ..base import FetchRequest, Pane
from ..kit.lifecycle import while_running
from ..kit.recompute import Recompute
from .compute import Ask, GraphResult, compute
from .summary import SummaryList


class GraphStale(PaneData):
    """Tasks or agents changed (or a reload was asked): the graph is due."""

    def __init__(self, generation: int, reload: bool) -> None:
        super().__init__(generation)
        self.reload = reload


#: A computation this slow is named in the header.
SLOW_MILLIS = 250


class GraphPane(Pane):
    PANE_ID = "graph"
    TITLE = "Graph"
    KEY = "7"
    TABLES = frozenset({"tasks", "agents"})
    PARTS = (DagView, SummaryList)
    TIME_TRAVEL = True

    BINDINGS = [
        Binding("c", "centre", "Centre", id="graph.centre"),
        Binding("t", "time_travel", "Time travel", id="graph.time_travel"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The task drawn around (``None``: the default, the top bottleneck).
        self.focus_task: str | None = None
        self.result: GraphResult | None = None
        self.error: str | None = None
        self._adopted: str | None = None
        self._full_due = True
        self._stale_seq = 0
        self.recompute: Recompute[Ask] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-header"):
            yield Static(Text(self.TITLE, style="bold"), classes="pane-title")
            yield Static(Text("loading…"), id="graph-summary", classes="pane-summary")
        with Horizontal(id="graph-body"):
            yield SummaryList(id="graph-list")
            yield DagView(id="graph-dag", empty="nothing to draw yet")

    def on_mount(self) -> None:
        app = self.jetpack
        states = app.time.states
        self.recompute = Recompute(self, lambda ask: compute(app.insight, states, ask, self._previous(ask)),
                                   self._done, name="graph")

    @property
    def quiet(self) -> bool:
        return self.recompute is None or not self.recompute.busy

    @property
    def dag(self) -> DagView:
        return self.query_one(DagView)

    @property
    def summary_list(self) -> SummaryList:
        return self.query_one(SummaryList)

    # -- the pane contract ------------------------------------------------------------
    def view_state(self) -> float | None:
        return self.moment

    def fetch(self, dl: DataLayer, request: FetchRequest) -> Iterable[PaneData]:
        """Refresh worker: nothing is read here (the graph's own worker reads).
        The past does not change: then only a reload (the moment moved) counts."""
        live = request.view is None
        if request.reload or (live and request.changes.tables & self.TABLES):
            return [GraphStale(request.generation, request.reload)]
        return []

    def on_graph_stale(self, message: GraphStale) -> None:
        if not self.current(message):
            return
        self._stale_seq += 1
        self._ask(full=True, urgent=message.reload)

    def selected_key(self) -> str | None:
        return self.dag.selected

    def jump_to(self, key: str) -> bool:
        """Draw around task ``key`` (the palette's jump)."""
        self._draw_around(key)
        return True

    def focus_main(self) -> None:
        """Shown: draw around the task selected on the board, when it changed."""
        try:
            picked = self.jetpack.dashboard.query_one("#pane-tasks", Pane).selected_key()
        except NoMatches:
            picked = None
        if picked and picked != self._adopted:
            self._adopted = picked
            self._draw_around(picked)
        self.dag.focus()

    # -- asking and answering ------------------------------------------------------------
    def _previous(self, ask: Ask):
        return None if ask.full or self.result is None else self.result.analysis

    def _ask(self, *, full: bool, urgent: bool) -> None:
        self._full_due = self._full_due or full
        if self.recompute is not None:
            self.recompute.request(Ask(self.moment, self.focus_task, self._full_due, self.generation,
                                       self._stale_seq), urgent=urgent)

    def _draw_around(self, task_id: str | None) -> None:
        if task_id is None or task_id == self.focus_task:
            return
        self.focus_task = task_id
        if self.result is not None:  # a new drawing from the analysis at hand
            self._ask(full=False, urgent=True)

    @while_running
    def _done(self, ask: Ask, result: Any) -> None:
        if ask.full and ask.seq == self._stale_seq:
            self._full_due = False
        if ask.generation != self.generation:
            return  # for another moment: the newer ask follows
        if isinstance(result, Exception):
            self.error = f"{result.__class__.__name__}: {result}"
            self._header()
            self.mark_loaded()
            return
        self.error = None
        drawn_before = self.result.focus if self.result is not None else None
        self.result = result
        if ask.focus is None or result.focus != ask.focus:
            self.focus_task = result.focus
        # The same drawing recomputed: the selection stays where the operator moved it.
        same = drawn_before == result.focus and self.dag.selected in result.subgraph.nodes
        keep = self.dag.selected if same else None
        self.dag.show(result.subgraph.nodes, result.subgraph.edges, focus=keep or result.focus)
        self.summary_list.show(result.entries, keep=self.focus_task)
        self._header()
        self.mark_loaded()

    def _header(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.moment is not None:
            text.append(f"as it was at {stamp(self.moment)} · ", style="bold")
        result = self.result
        if self.error:
            text.append(f"cannot compute the graph: {shorten(clean(self.error), 120)}", style="bold")
        elif result is not None:
            sub = result.subgraph
            if result.focus:
                around = len(sub.nodes) - 1
                text.append(f"around {shorten(clean(result.focus), 40)} ({around} linked"
                            f"{', more not drawn' if sub.truncated else ''}) · ")
            text.append(f"{result.unfinished:,} unfinished")
            if result.millis >= SLOW_MILLIS:  # why it lags the board (fast ones are noise, and vary)
                text.append(f" · computed in {result.millis:,.0f} ms")
        self.query_one("#graph-summary", Static).update(text)

    # -- the operator moves -------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self.summary_list.has_focus:
            self._draw_around(self.summary_list.task_at(event.option_index))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open_on_board(self.summary_list.task_at(event.option_index))

    def on_dag_view_activated(self, message: DagView.Activated) -> None:
        message.stop()
        self._open_on_board(message.task_id)

    def on_dag_view_edge_reached(self, message: DagView.EdgeReached) -> None:
        message.stop()
        if message.step < 0:
            self.summary_list.focus()

    def on_summary_list_to_drawing(self, message: SummaryList.ToDrawing) -> None:
        message.stop()
        self.dag.focus()

    def action_centre(self) -> None:
        """``c``: draw the graph around the selected box."""
        self._draw_around(self.dag.selected)

    def _open_on_board(self, task_id: str | None) -> None:
        if task_id is None:
            return
        dashboard = self.jetpack.dashboard
        dashboard.action_show_pane("tasks")
        dashboard.active_pane.jump_to(task_id)
