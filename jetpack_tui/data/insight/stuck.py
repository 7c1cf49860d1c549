"""Work that looks healthy but can never run, and why (issue 12, hole 6).

A pending task is ``ready`` or ``blocked`` on the board; this module adds
``stuck``: it will not run however long the swarm waits, unless someone
acts.  The reasons, each with a code the dashboard and ``doctor`` both use:

``skills_unreadable``      required_skills is not JSON: the claim never matches it
``skills_unregistered``    no registered agent has the skills (or the combination)
``skills_no_live_agent``   only dead agents have them
``available_unreadable``   available_at is text: SQL never finds it due
``available_far_future``   available_at is further away than ``future_horizon``
``dependencies_unreadable`` dependencies is not a JSON array: never ready
``dependency_missing``     depends on a task that does not exist
``dependency_dead``        depends on a cancelled or (permanently) failed task, or one
                           with a status nobody knows (it never completes either)
``dependency_cycle``       on a dependency cycle
``upstream_stuck``         waits, directly or transitively, on a stuck task
``owner_immortal``         owned by an agent whose heartbeat is in the future: never orphaned
``lease_absurd``           a lease that expires beyond ``future_horizon`` or is text: never reclaimed

and, per agent, ``heartbeat_future``.  The first ten keep a task from ever
starting, so they propagate to everything waiting on it; the last two
concern a task that is running (or pretends to be) and do not.

Cost: one read of the unfinished tasks in bounded windows (see
:mod:`.snapshot`) plus O(tasks + edges) Python; bench/insight.py prints it
at 10k and 100k tasks.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..clock import now as clock_now
from ..models import TASK_STATUSES, Liveness
from .graph import DepGraph, cycles, topological_order
from .snapshot import OWNED, GraphSnapshot, Node, read_snapshot, rule_of
from .source import bulk, reader_of

#: Further in the future than this is "never" for available_at and leases.
FUTURE_HORIZON = 86_400.0
#: A heartbeat this far ahead of our clock is not clock skew.
HEARTBEAT_SKEW = 60.0

BLOCKING = ("skills_unreadable", "skills_unregistered", "skills_no_live_agent", "available_unreadable",
            "available_far_future", "dependencies_unreadable", "dependency_missing", "dependency_dead",
            "dependency_cycle", "upstream_stuck")
RISKS = ("owner_immortal", "lease_absurd")
CODES = BLOCKING + RISKS
#: What each code means, after "N task(s) ..." (doctor, the dashboard's legend).
LABELS = {
    "skills_unreadable": "have required_skills that are not JSON (never claimable)",
    "skills_unregistered": "need skills no registered agent has",
    "skills_no_live_agent": "need skills only dead agents have",
    "available_unreadable": "have an available_at that is text (never due)",
    "available_far_future": "are not available for more than a day",
    "dependencies_unreadable": "have dependencies that are not a JSON array (never ready)",
    "dependency_missing": "depend on a task that does not exist",
    "dependency_dead": "depend on a cancelled or failed task",
    "dependency_cycle": "are on a dependency cycle",
    "upstream_stuck": "wait on stuck work",
    "owner_immortal": "are held by an agent whose heartbeat is in the future (never orphaned)",
    "lease_absurd": "hold a lease that never runs out (never reclaimed)",
}
#: Dependency statuses that can still end in ``completed``.
LIVE_STATUSES = tuple(s for s in TASK_STATUSES if s not in ("cancelled", "failed"))


@dataclass(frozen=True)
class StuckReason:
    code: str
    message: str
    #: Other tasks or agents the reason names (the dependency, the cycle...).
    related: tuple[str, ...] = ()

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING


@dataclass(frozen=True)
class AgentProblem:
    agent_id: str
    code: str
    message: str


@dataclass
class StuckReport:
    checked_at: float
    tasks_checked: int
    reasons: dict[str, list[StuckReason]] = field(default_factory=dict)
    agents: list[AgentProblem] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)

    def reasons_for(self, task_id: str) -> list[StuckReason]:
        return self.reasons.get(task_id, [])

    def is_stuck(self, task_id: str) -> bool:
        """True when the task can never start (a risk alone is not stuck)."""
        return any(r.blocking for r in self.reasons.get(task_id, ()))

    @property
    def stuck_ids(self) -> list[str]:
        return sorted(t for t in self.reasons if self.is_stuck(t))

    def by_code(self) -> dict[str, list[str]]:
        """``{code: [task ids]}`` in :data:`CODES` order."""
        grouped: dict[str, list[str]] = {}
        for task_id in sorted(self.reasons):
            for reason in self.reasons[task_id]:
                grouped.setdefault(reason.code, []).append(task_id)
        return {code: grouped[code] for code in CODES if code in grouped}


def _skills_reasons(node: Node, snapshot: GraphSnapshot,
                    verdicts: dict[tuple[str, ...], list[StuckReason]]) -> list[StuckReason]:
    """Per distinct skill list, computed once (``verdicts`` caches them)."""
    if not node.skills_readable:
        return [StuckReason("skills_unreadable", "required_skills is not JSON: no claim ever matches it")]
    if not node.skills:
        return []
    found = verdicts.get(node.skills)
    if found is None:
        found = verdicts[node.skills] = _skills_verdict(frozenset(node.skills), snapshot)
    return found


def _skills_verdict(needed: frozenset[str], snapshot: GraphSnapshot) -> list[StuckReason]:
    able = [a for a in snapshot.agents if needed <= a.skills]
    if not able:
        known = set().union(*(a.skills for a in snapshot.agents)) if snapshot.agents else set()
        unknown = sorted(needed - known)
        if unknown:
            message = f"no registered agent has {', '.join(unknown)}"
        else:
            message = f"no registered agent has all of {' + '.join(sorted(needed))}"
        return [StuckReason("skills_unregistered", message, tuple(sorted(needed)))]
    if not any(a.live for a in able):
        return [StuckReason("skills_no_live_agent", f"only dead agents have {' + '.join(sorted(needed))}",
                            tuple(sorted(a.id for a in able)))]
    return []


def _availability_reasons(node: Node, moment: float, horizon: float) -> list[StuckReason]:
    if node.available_raw is not None:
        return [StuckReason("available_unreadable",
                            f"available_at is text ({node.available_raw[:40]!r}): never due")]
    if node.available_at is not None and node.available_at > moment + horizon:
        days = (node.available_at - moment) / 86_400
        return [StuckReason("available_far_future", f"not available for {days:,.1f} days")]
    return []


def _dependency_reasons(node: Node, status_of: dict[str, str]) -> list[StuckReason]:
    """``status_of``: every known task's status (unfinished and dependencies)."""
    if not node.deps_readable:
        return [StuckReason("dependencies_unreadable", "dependencies is not a JSON array: never ready")]
    reasons = []
    missing, dead = [], []
    for dep in node.deps:
        status = status_of.get(dep)
        if status is None:
            missing.append(dep)
        elif status not in LIVE_STATUSES:
            dead.append(dep)
    if missing:
        reasons.append(StuckReason("dependency_missing", f"depends on {len(missing)} task(s) that do not exist",
                                   tuple(missing)))
    if dead:
        states = ", ".join(f"{d} {status_of[d]}" for d in dead[:3])
        reasons.append(StuckReason("dependency_dead", f"depends on {states}", tuple(dead)))
    return reasons


def _owner_reasons(node: Node, future: set[str], moment: float, horizon: float) -> list[StuckReason]:
    reasons = []
    if node.claimed_by in future:
        reasons.append(StuckReason("owner_immortal", f"owner {node.claimed_by} has a heartbeat in the future:"
                                   " its tasks are never orphaned", (node.claimed_by or "",)))
    if node.lease_raw is not None:
        reasons.append(StuckReason("lease_absurd", f"lease expiry is text ({node.lease_raw[:40]!r}): never reclaimed"))
    elif node.lease_expires_at is not None and node.lease_expires_at > moment + horizon:
        days = (node.lease_expires_at - moment) / 86_400
        reasons.append(StuckReason("lease_absurd", f"lease expires in {days:,.1f} days: never reclaimed"))
    return reasons


def _propagate(report: StuckReport, snapshot: GraphSnapshot, graph: DepGraph) -> None:
    """Everything pending that waits on a stuck task is stuck too (the
    nearest cause is named)."""
    stuck = [False] * len(graph.ids)
    queue = deque()
    for task_id in report.stuck_ids:
        stuck[graph.index[task_id]] = True
        queue.append(graph.index[task_id])
    nodes = snapshot.nodes
    while queue:
        cause = queue.popleft()
        for child in graph.dependents[cause]:
            if stuck[child]:
                continue
            child_id = graph.ids[child]
            if nodes[child_id].status != "pending":
                continue
            stuck[child] = True
            cause_id = graph.ids[cause]
            report.reasons.setdefault(child_id, []).append(
                StuckReason("upstream_stuck", f"waits on {cause_id}, which is stuck", (cause_id,)))
            queue.append(child)


def graph_of(snapshot: GraphSnapshot) -> DepGraph:
    """The unfinished tasks of a snapshot, numbered, with the edges between them."""
    nodes = snapshot.nodes
    return DepGraph.build(list(nodes), lambda task_id: nodes[task_id].deps)


def evaluate(snapshot: GraphSnapshot, graph: DepGraph | None = None, *, future_horizon: float = FUTURE_HORIZON,
             heartbeat_skew: float = HEARTBEAT_SKEW) -> StuckReport:
    """Every stuck reason of every unfinished task of ``snapshot``
    (``graph``: :func:`graph_of` it, when the caller already has it)."""
    graph = graph or graph_of(snapshot)
    moment = snapshot.read_at
    report = StuckReport(checked_at=moment, tasks_checked=len(snapshot.nodes))
    future = set()
    for agent in snapshot.agents:
        if agent.last_heartbeat is not None and agent.last_heartbeat > moment + heartbeat_skew:
            future.add(agent.id)
            ahead = agent.last_heartbeat - moment
            report.agents.append(AgentProblem(agent.id, "heartbeat_future", f"heartbeat {ahead:,.0f} s in the"
                                              " future: counted alive until then, its tasks never orphan"))
    pending = [snapshot.nodes[task_id].status == "pending" for task_id in graph.ids]
    ordered = topological_order(graph, pending)
    left_out = set(i for i, is_pending in enumerate(pending) if is_pending) - set(ordered)
    report.cycles = [[graph.ids[i] for i in cycle] for cycle in cycles(graph, left_out)]
    on_cycle = {member: cycle for cycle in report.cycles for member in cycle}
    verdicts: dict[tuple[str, ...], list[StuckReason]] = {}
    status_of = dict(snapshot.outside)
    status_of.update((task_id, node.status) for task_id, node in snapshot.nodes.items())
    far = moment + future_horizon
    for node in snapshot.nodes.values():
        if node.status == "pending":  # cheap tests first: most tasks have nothing to report
            reasons = _skills_reasons(node, snapshot, verdicts) if node.skills or not node.skills_readable else []
            if node.available_raw is not None or (node.available_at is not None and node.available_at > far):
                reasons = reasons + _availability_reasons(node, moment, future_horizon)
            if node.deps or not node.deps_readable:
                reasons = reasons + _dependency_reasons(node, status_of)
            if node.id in on_cycle:
                cycle = on_cycle[node.id]
                reasons.append(StuckReason("dependency_cycle", f"on a dependency cycle of {len(cycle)} task(s)",
                                           tuple(cycle)))
        elif node.status in OWNED:
            reasons = _owner_reasons(node, future, moment, future_horizon)
        else:
            reasons = []
        if reasons:
            report.reasons[node.id] = reasons
    _propagate(report, snapshot, graph)
    return report


def find_stuck(source: Any, *, now: float | None = None, liveness: Liveness | None = None,
               future_horizon: float = FUTURE_HORIZON) -> StuckReport:
    """The stuck work of a DataLayer, engine or DB-API connection (doctor)."""
    moment = clock_now() if now is None else now
    if liveness is None:
        liveness = rule_of(source)
    snapshot = read_snapshot(reader_of(source), now=moment, liveness=liveness)
    with bulk():
        return evaluate(snapshot, future_horizon=future_horizon)
