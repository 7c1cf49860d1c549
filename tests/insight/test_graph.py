"""The critical path and the bottlenecks of a known DAG, with known durations."""

from __future__ import annotations

import time

import pytest

from jetpack_tui.data.insight import Insight
from jetpack_tui.data.insight.graph import DepGraph, cycles, descendant_counts, longest_path, topological_order


def finished(dl, task_id: str, skills: list[str], took: float) -> None:
    """A completed task that took ``took`` seconds from claim to completion."""
    claimed = time.time() - 10_000

    def write(tx):
        tx.execute("INSERT INTO tasks(id, title, status, required_skills, dependencies, claimed_by, claimed_at)"
                   " VALUES (?, ?, 'completed', ?, '[]', 'ada', ?)", (task_id, task_id, str(skills).replace("'", '"'),
                                                                       claimed))
        tx.execute("INSERT INTO task_events(task_id, at, actor, action, from_status, to_status, from_owner, to_owner)"
                   " VALUES (?, ?, 'ada', 'complete', 'in_progress', 'completed', 'ada', 'ada')",
                   (task_id, claimed + took))
    dl.engine.write(write)


@pytest.fixture
def dag(dl):
    """a -> b -> d -> e and a -> c -> d; python tasks took 100/200/300 s, one rust task 1000 s."""
    dl.agents.register("ada", skills=["python", "rust"])
    for n, took in enumerate((100, 200, 300)):
        finished(dl, f"done-py-{n}", ["python"], took)
    finished(dl, "done-rust", ["rust"], 1000)
    dl.tasks.create("A", id="a", required_skills=["python"])
    dl.tasks.create("B", id="b", required_skills=["Python"], dependencies=["a"])
    dl.tasks.create("C", id="c", required_skills=["rust"], dependencies=["a"])
    dl.tasks.create("D", id="d", dependencies=["b", "c"])
    dl.tasks.create("E", id="e", required_skills=["python"], dependencies=["d"])
    dl.tasks.create("X", id="x", required_skills=["python"])
    return dl


def test_the_critical_path_is_the_heaviest_chain_by_median_durations(dag):
    analysis = Insight(dag).graph()
    path = [(step.id, step.estimate.seconds, step.estimate.basis) for step in analysis.critical_path]
    # python: median of 100/200/300 = 200 by skills; rust has one sample, no skills none: the overall
    # median of 100/200/300/1000 = 250.  a-c-d-e = 200+250+250+200 beats a-b-d-e = 850.
    assert path == [("a", 200, "skills"), ("c", 250, "overall"), ("d", 250, "overall"), ("e", 200, "skills")]
    assert analysis.critical_seconds == 900
    assert analysis.bases == {"skills": 2, "overall": 2}
    assert analysis.stuck.reasons == {}


def test_bottlenecks_rank_what_unblocks_the_most_work_transitively(dag):
    analysis = Insight(dag).graph()
    ranked = [(b.id, b.unblocks, b.direct, b.work_seconds) for b in analysis.bottlenecks]
    assert ranked == [("a", 4, 2, 900.0), ("b", 2, 1, 450.0), ("c", 2, 1, 450.0), ("d", 1, 1, 200.0)]
    assert analysis.exact


def test_a_running_task_counts_what_is_left_of_its_estimate(dag):
    task = dag.tasks.claim("ada", "a")
    dag.engine.write(lambda tx: tx.execute("UPDATE tasks SET claimed_at = ? WHERE id = 'a'", (time.time() - 150,)))
    analysis = Insight(dag).graph()
    step = analysis.critical_path[0]
    assert (step.id, step.status) == ("a", "claimed") and 45 <= step.remaining <= 55
    assert task.claimed_by == "ada"


def test_with_no_history_every_task_counts_the_default(dl):
    dl.agents.register("ada")
    dl.tasks.create("one", id="one")
    dl.tasks.create("two", id="two", dependencies=["one"])
    analysis = Insight(dl).graph()
    assert [(s.id, s.estimate.basis) for s in analysis.critical_path] == [("one", "default"), ("two", "default")]


def test_the_neighbourhood_of_a_task_for_drawing(dag):
    insight = Insight(dag)
    analysis = insight.graph()
    around = insight.neighbourhood("d", analysis)
    assert set(around.nodes) == {"a", "b", "c", "d", "e"}
    assert sorted(around.edges) == [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")]
    assert around.nodes["a"].state == "ready" and around.nodes["d"].state == "blocked"
    assert around.nodes["c"].critical and not around.nodes["b"].critical
    small = insight.neighbourhood("a", analysis, down=2)
    assert small.truncated and len(small.nodes) == 3
    dag.tasks.claim("ada", "x")
    finished_focus = insight.neighbourhood("done-rust", analysis)
    assert finished_focus.nodes["done-rust"].state == "completed" and finished_focus.edges == []


# -- the algorithms alone ---------------------------------------------------------------

def graph_of(edges: dict[str, list[str]]) -> DepGraph:
    return DepGraph.build(sorted(edges), lambda n: edges[n])


def test_cycles_are_found_and_left_out_of_the_order():
    g = graph_of({"p": ["q"], "q": ["p"], "r": ["p"], "s": [], "t": ["t"], "u": ["s"]})
    order = topological_order(g)
    assert sorted(g.ids[i] for i in order) == ["s", "u"]
    left = set(range(len(g.ids))) - set(order)
    assert [[g.ids[i] for i in c] for c in cycles(g, left)] == [["p", "q"], ["t"]]


def test_longest_path_and_descendants_on_a_chain_of_ten_thousand():
    n = 10_000
    g = graph_of({f"{i:05d}": [f"{i - 1:05d}"] if i else [] for i in range(n)})
    order = topological_order(g)
    path, total = longest_path(g, order, [1.0] * n)
    assert len(path) == n and total == n
    counts, sets = descendant_counts(g, order)
    assert counts[g.index["00000"]] == n - 1 and counts[g.index["09998"]] == 1 and sets is not None
