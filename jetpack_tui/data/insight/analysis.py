"""Why is nothing moving?  The critical path, the bottlenecks, the stuck work.

:func:`analyse` reads the unfinished work once (:mod:`.snapshot`), the
recent durations once (:mod:`.durations`), and answers:

* **critical path**: the longest chain of unfinished tasks, each weighted by
  its expected duration (a task already running counts what is left of its
  estimate), i.e. the earliest everything can be finished;
* **bottlenecks**: the unfinished tasks whose completion unblocks the most
  work, transitively, ranked;
* **stuck work** (:mod:`.stuck`), which is left out of both: it never finishes.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from typing import Any

from ..clock import now as clock_now
from ..models import Liveness
from .durations import DurationModel, Estimate, read_durations
from .graph import descendant_counts, longest_path, topological_order, weight_masks, weighted_size
from .snapshot import OWNED, GraphSnapshot, Node, read_snapshot, rule_of
from .source import Reader, bulk, reader_of
from .stuck import StuckReport, evaluate, graph_of


@dataclass(frozen=True)
class PathStep:
    id: str
    title: str
    status: str
    estimate: Estimate
    #: Seconds this step adds to the path (the estimate, less the time an
    #: owned task has already run, never below zero).
    remaining: float


@dataclass(frozen=True)
class Bottleneck:
    id: str
    title: str
    status: str
    #: Unfinished tasks waiting on it, directly or transitively.
    unblocks: int
    #: Of which directly.
    direct: int
    #: Their expected work in seconds (``None`` when the counts are estimates).
    work_seconds: float | None


@dataclass
class GraphAnalysis:
    snapshot: GraphSnapshot
    stuck: StuckReport
    durations: DurationModel
    critical_path: list[PathStep] = field(default_factory=list)
    critical_seconds: float = 0.0
    bottlenecks: list[Bottleneck] = field(default_factory=list)
    #: False when the graph was too large for exact transitive counts.
    exact: bool = True
    #: Milliseconds spent reading and computing (wall; ``compute_cpu_ms``: CPU).
    timings: dict[str, float] = field(default_factory=dict)
    _dependents: dict[str, list[str]] | None = field(default=None, repr=False)

    def dependents(self) -> dict[str, list[str]]:
        """Dependency id -> the unfinished tasks waiting on it (computed once)."""
        if self._dependents is None:
            self._dependents = self.snapshot.dependents()
        return self._dependents

    def state_of(self, task_id: str) -> str | None:
        """``ready`` / ``blocked`` / ``stuck`` for pending tasks, else the
        status; ``None`` for a task the snapshot does not hold."""
        node = self.snapshot.nodes.get(task_id)
        if node is None:
            return self.snapshot.outside.get(task_id)
        return node_state(node, self.snapshot, self.stuck)

    @property
    def bases(self) -> dict[str, int]:
        """How many steps of the critical path used each estimate basis."""
        counts: dict[str, int] = {}
        for step in self.critical_path:
            counts[step.estimate.basis] = counts.get(step.estimate.basis, 0) + 1
        return counts


def node_state(node: Node, snapshot: GraphSnapshot, stuck: StuckReport) -> str:
    if node.status != "pending":
        return node.status
    if stuck.is_stuck(node.id):
        return "stuck"
    ready = node.deps_readable and all(snapshot.dep_status(d) == "completed" for d in node.deps)
    return "ready" if ready else "blocked"


def _remaining(node: Node, estimate: Estimate, moment: float) -> float:
    if node.status in OWNED and node.claimed_at is not None:
        return max(estimate.seconds - max(moment - node.claimed_at, 0.0), 0.0)
    return estimate.seconds


def compute(snapshot: GraphSnapshot, durations: DurationModel, *, top: int = 20) -> GraphAnalysis:
    """The analysis of a snapshot already read (pure: no I/O)."""
    started, cpu = time.perf_counter(), time.process_time()
    graph = graph_of(snapshot)
    stuck = evaluate(snapshot, graph)
    result = GraphAnalysis(snapshot=snapshot, stuck=stuck, durations=durations)
    nodes = [snapshot.nodes[task_id] for task_id in graph.ids]
    stuck_ids = set(stuck.stuck_ids)
    runnable = [node.id not in stuck_ids for node in nodes]
    by_skills: dict[tuple[str, ...], Estimate] = {}
    estimates = [by_skills.get(node.skills) or by_skills.setdefault(node.skills, durations.estimate(node.skills))
                 for node in nodes]
    remaining = [_remaining(node, estimate, snapshot.read_at) for node, estimate in zip(nodes, estimates)]
    order = topological_order(graph, runnable)
    path, result.critical_seconds = longest_path(graph, order, remaining)
    result.critical_path = [PathStep(nodes[i].id, nodes[i].title, node_state(nodes[i], snapshot, stuck),
                                     estimates[i], remaining[i]) for i in path]
    counts, sets = descendant_counts(graph, order)
    result.exact = sets is not None
    direct = {i: sum(runnable[c] for c in graph.dependents[i]) for i in counts}
    ranked = heapq.nsmallest(top, counts, key=lambda i: (-counts[i], -direct[i], graph.ids[i]))
    by_weight = weight_masks(order, [e.seconds for e in estimates]) if sets is not None else {}
    for i in ranked:
        work = weighted_size(sets[i], by_weight) if sets is not None else None
        result.bottlenecks.append(Bottleneck(nodes[i].id, nodes[i].title, node_state(nodes[i], snapshot, stuck),
                                             counts[i], direct[i], work))
    result.timings["compute_ms"] = (time.perf_counter() - started) * 1000
    result.timings["compute_cpu_ms"] = (time.process_time() - cpu) * 1000
    return result


def analyse(source: Any, *, now: float | None = None, liveness: Liveness | None = None,
            top: int = 20) -> GraphAnalysis:
    """Read and analyse the unfinished work of a DataLayer (or any reader)."""
    reader: Reader = reader_of(source)
    if liveness is None:
        liveness = rule_of(source)
    started = time.perf_counter()
    snapshot = read_snapshot(reader, now=clock_now() if now is None else now, liveness=liveness)
    durations = read_durations(reader)
    read_ms = (time.perf_counter() - started) * 1000
    with bulk():
        result = compute(snapshot, durations, top=top)
    result.timings["read_ms"] = read_ms
    return result
