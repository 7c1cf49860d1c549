"""Time travel: the swarm rebuilt from the audit log equals what was constructed."""

from __future__ import annotations

import time

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.insight import Insight

from scenario import T0, Scenario


def swarm() -> Scenario:
    """Four tasks, two agents, a failure and a retry, over ten minutes."""
    s = Scenario()
    s.create(0, "a")
    s.create(5, "b", deps=("a",))
    s.create(10, "c")
    s.create(12, "d", deps=("b", "c"))
    s.run(60, "a", "ada", took=100)                  # a: claimed 60, in progress 61, completed 160
    s.event(70, "c", "claimed", "bob")
    s.event(80, "c", "pending", None, action="fail", actor="bob")     # c fails, back to the queue
    s.event(200, "b", "claimed", "bob")
    s.event(230, "c", "claimed", "ada")
    s.event(240, "d", "cancelled", None, action="cancel", actor="operator")
    s.event(300, "b", "completed", "bob")
    return s


def table(state) -> dict[str, tuple[str | None, str | None]]:
    return {task.id: (task.status, task.owner) for task in state}


@pytest.fixture
def history(dl):
    scenario = swarm()
    scenario.write(dl)
    return scenario


EXPECTED = {
    -1: {},
    0: {"a": ("pending", None)},
    11: {"a": ("pending", None), "b": ("pending", None), "c": ("pending", None)},
    60: {"a": ("claimed", "ada"), "b": ("pending", None), "c": ("pending", None), "d": ("pending", None)},
    75: {"a": ("in_progress", "ada"), "b": ("pending", None), "c": ("claimed", "bob"), "d": ("pending", None)},
    160: {"a": ("completed", "ada"), "b": ("pending", None), "c": ("pending", None), "d": ("pending", None)},
    235: {"a": ("completed", "ada"), "b": ("claimed", "bob"), "c": ("claimed", "ada"), "d": ("pending", None)},
    10_000: {"a": ("completed", "ada"), "b": ("completed", "bob"), "c": ("claimed", "ada"),
             "d": ("cancelled", None)},
}


@pytest.mark.parametrize("every", [1_000_000, 3, 1], ids=["no-checkpoint", "every-3", "every-1"])
def test_every_task_at_every_moment_is_what_was_constructed(dl, history, every):
    insight = Insight(dl, checkpoint_every=every)
    for offset, expected in EXPECTED.items():
        state = insight.state_at(T0 + offset)
        assert table(state) == expected, offset
        assert {t.basis for t in state} <= {"log"}
        assert state.complete
    for offset in range(-5, 320, 7):  # and between the literal ones, against a plain replay
        assert table(insight.state_at(T0 + offset)) == history.expected_at(offset), offset


def test_a_log_not_in_time_order_is_replayed_by_time(dl):
    scenario = swarm()
    scenario.write(dl, ids_out_of_time_order=True)
    insight = Insight(dl, checkpoint_every=3)
    for offset, expected in EXPECTED.items():
        state = insight.state_at(T0 + offset)
        assert table(state) == expected, offset
    assert any("not in time order" in note for note in state.notes)
    assert dl.engine.rows("SELECT count(*) FROM history_checkpoints")[0][0] == 0
    changes = insight.diff(T0 + 60, T0 + 160)
    assert changes.events_total == 4 and [m.task_id for m in changes.moved] == ["a"]  # 61, 70, 80, 160
    trends = insight.trends(300, step=60, end=T0 + 300)
    assert [p.completed for p in trends.points] == [0, 0, 1, 0, 0]
    assert [p.created for p in trends.points] == [4, 0, 0, 0, 0]


def test_stepping_event_by_event(dl, history):
    insight = Insight(dl)
    assert insight.step(T0 + 60) == T0 + 61 and insight.step(T0 + 60, -1) == T0 + 12
    assert insight.step(T0 + 300) is None and insight.step(T0, -1) is None


def test_counts_and_ready_or_blocked_then(dl, history):
    insight = Insight(dl)
    early = insight.state_at(T0 + 12)
    assert early.counts == {"pending": 4, "ready": 2, "blocked": 2}
    assert {t.id: t.state for t in early} == {"a": "ready", "b": "blocked", "c": "ready", "d": "blocked"}
    later = insight.state_at(T0 + 160)  # a completed: b became ready
    assert later.counts == {"completed": 1, "pending": 3, "ready": 2, "blocked": 1}
    assert later.get("b").state == "ready" and later.get("d").state == "blocked"
    assert later.get("zzz") is None


def test_checkpoints_are_stored_and_reused_by_another_reader(dl, db_path, history):
    Insight(dl, checkpoint_every=4).state_at(T0 + 10_000)
    stored = dl.engine.rows("SELECT event_id FROM history_checkpoints ORDER BY event_id")
    assert [r[0] for r in stored] == [4, 8, 12]
    with create_local_data_layer(db_path, read_only=True) as reader:
        again = Insight(reader, checkpoint_every=4)
        for offset, expected in EXPECTED.items():
            assert table(again.state_at(T0 + offset)) == expected
        assert again.history.checkpoints[0].state is None  # read from the file, not rebuilt


def test_a_read_only_layer_keeps_checkpoints_in_memory(db_path, history, dl):
    with create_local_data_layer(db_path, read_only=True) as reader:
        insight = Insight(reader, checkpoint_every=4)
        assert table(insight.state_at(T0 + 235)) == EXPECTED[235]
        assert len(insight.history.checkpoints) == 3 and insight.history.checkpoints[0].state is not None
    assert dl.engine.rows("SELECT count(*) FROM history_checkpoints")[0][0] == 0


def test_checkpoints_of_a_rewritten_log_are_not_trusted(dl, history):
    Insight(dl, checkpoint_every=4).state_at(T0 + 10_000)
    dl.engine.write(lambda tx: tx.execute("CREATE TABLE old_checkpoints AS SELECT * FROM history_checkpoints"))
    other = Scenario()
    other.create(0, "x")
    other.create(1, "y")
    other.event(2, "x", "claimed", "zed")
    for n in range(3, 14):
        other.event(n, "y", "pending", None, action="set_priority")
    dl.engine.write(lambda tx: tx.execute("DELETE FROM tasks"))
    other.write(dl)
    dl.engine.write(lambda tx: tx.execute("INSERT INTO history_checkpoints SELECT * FROM old_checkpoints"))
    fresh = Insight(dl, checkpoint_every=4)
    assert table(fresh.state_at(T0 + 2.5)) == {"x": ("claimed", "zed"), "y": ("pending", None)}
    assert table(fresh.state_at(T0 + 100)) == {"x": ("claimed", "zed"), "y": ("pending", None)}
    stored = dl.engine.rows("SELECT event_id, at FROM history_checkpoints ORDER BY event_id")
    assert [r[0] for r in stored] == [4, 8, 12] and stored[0][1] == T0 + 3  # replaced: they describe the new log


def test_new_events_are_folded_on_the_next_question(dl, history):
    insight = Insight(dl, checkpoint_every=5)
    assert insight.state_at(T0 + 10_000).get("c").status == "claimed"
    dl.engine.write(lambda tx: tx.execute(
        "INSERT INTO task_events(id, task_id, at, actor, action, from_status, to_status, from_owner, to_owner)"
        " VALUES (100, 'c', ?, 'ada', 'complete', 'claimed', 'completed', 'ada', 'ada')", (T0 + 400,)))
    assert insight.state_at(T0 + 10_000).get("c").status == "completed"
    assert insight.state_at(T0 + 399).get("c").status == "claimed"


def test_a_pruned_log_says_what_is_missing(dl, history):
    dl.engine.write(lambda tx: tx.execute("DELETE FROM task_events WHERE id <= 6"))  # up to a's start at 61
    insight = Insight(dl)
    before = insight.state_at(T0 + 30)
    assert any("pruned" in note for note in before.notes) and not before.complete
    assert {t.basis for t in before} == {"unknown"}
    assert {t.id for t in before} == {"a", "b", "c", "d"}
    assert {t.basis for t in insight.state_at(T0 + 65)} == {"unknown"}  # the log now starts at 70
    inside = insight.state_at(T0 + 75)
    assert table(inside) == {"a": ("in_progress", "ada"), "b": ("pending", None), "c": ("claimed", "bob"),
                             "d": ("pending", None)}
    assert {t.id: t.basis for t in inside} == {"a": "inferred", "b": "inferred", "c": "log", "d": "inferred"}
    assert table(insight.state_at(T0 + 10_000)) == EXPECTED[10_000]


def test_tasks_older_than_the_log_are_shown_as_they_are_now(dl, history):
    dl.engine.write(lambda tx: tx.execute("DELETE FROM task_events WHERE task_id = 'd'"))
    dl.engine.write(lambda tx: tx.execute("UPDATE tasks SET created_at = '2020-01-01 00:00:00' WHERE id = 'd'"))
    state = Insight(dl).state_at(T0 + 100)
    assert state.get("d").basis == "unrecorded" and state.get("d").status == "cancelled"
    assert any("no audit history" in note for note in state.notes)


def test_an_empty_log_says_so(dl):
    state = Insight(dl).state_at(time.time())
    assert list(state) == [] and state.counts == {} and "empty" in state.notes[0]


def test_real_writers_and_a_foreign_client_appear_in_history(dl, db_path, foreign_sql):
    dl.agents.register("ada", skills=["py"])
    dl.tasks.create("one", id="one")
    dl.tasks.create("two", id="two", dependencies=["one"])
    first = _tick()
    task = dl.tasks.claim("ada")
    dl.tasks.complete(task.id, "ada", task.claim_token)
    second = _tick()
    foreign_sql([("UPDATE tasks SET status = 'cancelled' WHERE id = 'two'", ())])
    third = _tick()
    insight = Insight(dl)
    assert table(insight.state_at(first)) == {"one": ("pending", None), "two": ("pending", None)}
    assert table(insight.state_at(second)) == {"one": ("completed", "ada"), "two": ("pending", None)}
    assert table(insight.state_at(third)) == {"one": ("completed", "ada"), "two": ("cancelled", None)}
    changes = insight.diff(second, third)
    assert changes.by_kind == {"external": 1}
    assert [(m.task_id, m.before, m.after) for m in changes.moved] == [("two", ("pending", None), ("cancelled", None))]


def _tick() -> float:
    """A moment strictly between what was written and what comes next (the
    triggers stamp events with millisecond precision)."""
    time.sleep(0.003)
    moment = time.time()
    time.sleep(0.003)
    return moment
