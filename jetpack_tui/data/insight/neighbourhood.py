"""One task's ancestors and descendants, ready to draw.

Ancestors follow dependency lists up to the first finished task (a finished
dependency is a leaf: what it waited on no longer matters); descendants
follow the unfinished tasks waiting on it.  Both are bounded (``up``,
``down`` tasks, nearest first) so a hub with thousands of dependents still
draws in a screen's worth of boxes, and ``truncated`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import GraphAnalysis
from .graph import walk
from .source import Reader, by_ids, json_items, text


@dataclass(frozen=True)
class GraphNode:
    id: str
    title: str
    #: ``ready`` / ``blocked`` / ``stuck`` / a status / ``missing``.
    state: str
    critical: bool = False


@dataclass
class Subgraph:
    focus: str
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    #: ``(dependency, dependent)`` pairs between nodes of the subgraph.
    edges: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False


def neighbourhood(analysis: GraphAnalysis, reader: Reader, task_id: str, *, up: int = 40,
                  down: int = 40) -> Subgraph:
    snapshot = analysis.snapshot
    nodes = snapshot.nodes
    dependents = analysis.dependents()
    focus_deps: tuple[str, ...] = ()
    extra: dict[str, tuple[str, str]] = {}  # finished tasks: id -> (title, status)
    if task_id not in nodes:
        for found_id, title, status, raw_deps in by_ids(
                reader, "SELECT id, title, status, dependencies FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
                [task_id]):
            kind, deps = json_items(raw_deps)
            focus_deps = tuple(deps) if kind == "array" else ()
            extra[text(found_id) or ""] = (text(title) or "", text(status) or "")

    def deps_of(node_id: str) -> tuple[str, ...]:
        if node_id == task_id and node_id not in nodes:
            return focus_deps
        node = nodes.get(node_id)
        return node.deps if node is not None else ()

    ancestors = walk(task_id, deps_of, limit=up + 1)
    descendants = walk(task_id, lambda n: dependents.get(n, ()), limit=down + 1)
    result = Subgraph(focus=task_id, truncated=len(ancestors) > up or len(descendants) > down)
    members = [task_id, *ancestors[:up], *descendants[:down]]
    unknown = [m for m in members if m not in nodes and m not in extra]
    for found_id, title, status in by_ids(
            reader, "SELECT id, title, status FROM tasks WHERE id IN (SELECT value FROM json_each(?))", unknown):
        extra[text(found_id) or ""] = (text(title) or "", text(status) or "")
    critical = {step.id for step in analysis.critical_path}
    for member in dict.fromkeys(members):
        if member in nodes:
            result.nodes[member] = GraphNode(member, nodes[member].title, analysis.state_of(member) or "pending",
                                             member in critical)
        elif member in extra:
            title, status = extra[member]
            result.nodes[member] = GraphNode(member, title, status)
        else:
            result.nodes[member] = GraphNode(member, "", "missing")
    for member in result.nodes:
        for dep in deps_of(member):
            if dep in result.nodes:
                result.edges.append((dep, member))
    return result
