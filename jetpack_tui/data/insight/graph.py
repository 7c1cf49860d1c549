"""Graph algorithms on the dependency graph, in plain Python.

Tasks are numbered once (:class:`DepGraph`) and every algorithm works on
lists of integers: ``deps[v]`` lists what ``v`` waits for, ``dependents[u]``
who waits for ``u``.  For 10k tasks and 30k edges each pass takes a few tens
of milliseconds (bench/insight.py), less than building a networkx or
rustworkx graph from the same rows would take, so neither is a dependency.

Transitive "how much does finishing X unblock" uses one Python integer per
task as a bitset of its descendants, OR-ed in reverse topological order:
exact, and freed as soon as every parent has merged it.  Past
:data:`EXACT_LIMIT` tasks the bitsets would cost too much memory and a
bounded estimate is used instead, marked as such.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Above this many tasks, descendant counts are estimated, not exact.
EXACT_LIMIT = 25_000


@dataclass
class DepGraph:
    ids: list[str]
    index: dict[str, int]
    deps: list[list[int]]
    dependents: list[list[int]]

    @classmethod
    def build(cls, ids: Sequence[str], deps_of: Callable[[str], Iterable[str]]) -> "DepGraph":
        """Number ``ids``; only edges between them are kept (a dependency
        outside the set is either satisfied or reported elsewhere).
        ``deps_of`` must not repeat an id (the snapshot dedups)."""
        index = {task_id: i for i, task_id in enumerate(ids)}
        deps: list[list[int]] = [[] for _ in ids]
        dependents: list[list[int]] = [[] for _ in ids]
        get = index.get
        for i, task_id in enumerate(ids):
            inside = deps[i]
            for dep in deps_of(task_id):
                j = get(dep)
                if j is not None:
                    inside.append(j)
                    dependents[j].append(i)
        return cls(list(ids), index, deps, dependents)


def topological_order(graph: DepGraph, keep: Sequence[bool] | None = None) -> list[int]:
    """Dependencies before dependents (Kahn), over the tasks ``keep`` marks
    (all by default).  Tasks on a cycle, or waiting on one, never reach
    in-degree zero and are left out."""
    size = len(graph.ids)
    if keep is None:
        waiting = [len(deps) for deps in graph.deps]
    else:
        waiting = [-1] * size
        for v, deps in enumerate(graph.deps):
            if keep[v]:
                n = 0
                for d in deps:
                    if keep[d]:
                        n += 1
                waiting[v] = n
    order = [v for v in range(size) if waiting[v] == 0]
    dependents = graph.dependents
    for node in order:  # grows while it is walked: a queue without a deque
        for child in dependents[node]:
            if waiting[child] > 0:
                waiting[child] -= 1
                if not waiting[child]:
                    order.append(child)
    return order


def cycles(graph: DepGraph, among: Iterable[int]) -> list[list[int]]:
    """Dependency cycles among ``among`` (the tasks a topological order left
    out): strongly connected components of more than one task, or a task
    waiting on itself.  Iterative Tarjan: no recursion limit on long chains."""
    members = set(among)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    found: list[list[int]] = []
    for root in sorted(members):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(graph.deps[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in members:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.deps[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.deps[node]:
                        found.append(sorted(component))
    return sorted(found)


def longest_path(graph: DepGraph, order: Sequence[int], weight: Sequence[float]) -> tuple[list[int], float]:
    """The heaviest chain through ``order`` (a topological order of some of
    the tasks): the tasks that set the earliest finish of everything, first
    to last, and its total weight."""
    total: dict[int, float] = {}
    previous: dict[int, int] = {}
    get = total.get
    for node in order:
        best, via = 0.0, -1
        for dep in graph.deps[node]:
            reached = get(dep)
            if reached is not None and (via < 0 or reached > best):
                best, via = reached, dep
        total[node] = best + weight[node]
        previous[node] = via
    if not total:
        return [], 0.0
    end = max(order, key=lambda n: (total[n], -n))
    path = [end]
    while previous[path[-1]] >= 0:
        path.append(previous[path[-1]])
    path.reverse()
    return path, total[end]


def descendant_sets(graph: DepGraph, order: Sequence[int]) -> dict[int, int]:
    """For each task of ``order`` someone waits on, a bitset (bit i =
    ``order[i]``) of every task of ``order`` waiting on it, directly or not."""
    position = [-1] * len(graph.ids)
    for i, node in enumerate(order):
        position[node] = i
    parents_left = [0] * len(graph.ids)
    for node in order:
        for child in graph.dependents[node]:
            if position[child] >= 0:
                parents_left[child] += 1
    masks: dict[int, int] = {}
    result: dict[int, int] = {}
    for node in reversed(order):
        mask = 0
        for child in graph.dependents[node]:
            at = position[child]
            if at < 0:
                continue
            mask |= masks[child] | (1 << at)
            parents_left[child] -= 1
            if not parents_left[child]:
                del masks[child]
        if mask:
            result[node] = mask
        if parents_left[node]:
            masks[node] = mask
    return result


def descendant_counts(graph: DepGraph, order: Sequence[int]) -> tuple[dict[int, int], dict[int, int] | None]:
    """``(how many tasks each task unblocks transitively, bitsets or None)``:
    exact up to :data:`EXACT_LIMIT` tasks; above, an estimate that counts a
    shared descendant once per path (capped at the graph size), no bitsets."""
    if len(order) <= EXACT_LIMIT:
        sets = descendant_sets(graph, order)
        return {node: mask.bit_count() for node, mask in sets.items()}, sets
    inside = set(order)
    estimate: dict[int, int] = {}
    for node in reversed(order):
        children = [c for c in graph.dependents[node] if c in inside]
        if children:
            estimate[node] = min(len(order) - 1, sum(1 + estimate.get(c, 0) for c in children))
    return estimate, None


def weight_masks(order: Sequence[int], weight: Sequence[float]) -> dict[float, int]:
    """``{weight: bitset of the positions in order with that weight}``."""
    bits: dict[float, bytearray] = {}
    for i, node in enumerate(order):
        row = bits.get(weight[node])
        if row is None:
            row = bits[weight[node]] = bytearray(len(order) // 8 + 1)
        row[i >> 3] |= 1 << (i & 7)
    return {value: int.from_bytes(row, "little") for value, row in bits.items()}


def weighted_size(mask: int, by_weight: Mapping[float, int]) -> float:
    """The total weight of a bitset, one AND per distinct weight (there are
    few: one per skill set), so no bit is visited."""
    return sum(value * (mask & members).bit_count() for value, members in by_weight.items())


def walk(start: str, edges: Callable[[str], Iterable[str]], *, limit: int) -> list[str]:
    """Breadth-first from ``start`` (excluded) along ``edges``: at most
    ``limit`` tasks, nearest first."""
    seen = {start}
    found: list[str] = []
    queue = deque([start])
    while queue and len(found) < limit:
        for nxt in edges(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                found.append(nxt)
                queue.append(nxt)
                if len(found) >= limit:
                    break
    return found
