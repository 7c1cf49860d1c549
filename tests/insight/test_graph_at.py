"""The dependency graph as it was at a moment (the dashboard's time travel)."""

from __future__ import annotations

from jetpack_tui.data.insight import Insight

from scenario import T0, Scenario


def history(dl) -> Scenario:
    """a -> b -> c; d needs cobol; e waits on f, created only at 300."""
    dl.agents.register("ada", skills=["python"])
    s = Scenario()
    s.create(0, "a", skills=("python",))
    s.create(0, "b", deps=("a",), skills=("python",))
    s.create(0, "c", deps=("b",))
    s.create(0, "d", skills=("cobol",))
    s.create(0, "e", deps=("f",))
    s.create(300, "f")
    s.run(60, "a", "ada", took=500)
    s.event(600, "b", "claimed", "ada")
    s.beat("ada", 0, 700)
    s.write(dl)
    return s


def test_the_graph_at_a_moment_is_the_graph_then(dl):
    history(dl)
    insight = Insight(dl)
    then = insight.graph_at(T0 + 100)
    assert {t: then.state_of(t) for t in "abcde"} == {"a": "in_progress", "b": "blocked", "c": "blocked",
                                                     "d": "stuck", "e": "stuck"}
    assert then.state_of("f") is None  # did not exist yet
    codes = {task_id: [r.code for r in then.stuck.reasons_for(task_id)] for task_id in then.stuck.stuck_ids}
    assert codes == {"d": ["skills_unregistered"], "e": ["dependency_missing"]}
    assert [step.id for step in then.critical_path] == ["a", "b", "c"]
    assert (then.bottlenecks[0].id, then.bottlenecks[0].unblocks) == ("a", 2)
    assert then.snapshot.nodes["a"].claimed_by == "ada" and then.snapshot.nodes["a"].claimed_at is None

    later = insight.graph_at(T0 + 650)
    assert "a" not in later.snapshot.nodes and later.snapshot.outside["a"] == "completed"
    assert {t: later.state_of(t) for t in "bcef"} == {"b": "claimed", "c": "blocked", "e": "blocked", "f": "ready"}
    assert [step.id for step in later.critical_path][:2] == ["b", "c"]


def test_before_the_log_nothing_is_invented_and_a_deleted_task_stays_what_it_was(dl):
    history(dl)
    insight = Insight(dl)
    assert insight.graph_at(T0 - 10).snapshot.nodes == {}
    dl.engine.write(lambda tx: tx.execute("DELETE FROM tasks WHERE id = 'c'"))
    then = insight.graph_at(T0 + 100)
    gone = then.snapshot.nodes["c"]  # its dependency list went with it: counted as having none
    assert (gone.status, gone.deps, gone.title) == ("pending", (), "(no longer exists)")


def test_the_state_given_is_used_as_is(dl):
    history(dl)
    insight = Insight(dl)
    state = insight.state_at(T0 + 100)
    assert insight.graph_at(T0 + 100, state=state).state_of("a") == "in_progress"
