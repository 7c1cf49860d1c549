"""Trends from the audit log: counts, queue depth, agents and waits per interval
equal what was constructed, whether the rollups are stored or in memory."""

from __future__ import annotations

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.insight import Insight

from scenario import T0, Scenario


def five_minutes() -> Scenario:
    s = Scenario()
    s.create(0, "a")
    s.create(5, "b", deps=("a",))
    s.create(10, "c")
    s.event(70, "a", "claimed", "ada")                    # waited 70 s (ready since 0)
    s.event(71, "a", "in_progress", "ada")
    s.event(100, "c", "claimed", "bob")                   # waited 90 s
    s.event(130, "c", "pending", None, action="fail", actor="bob")   # a failure, retried: ready again
    s.event(150, "a", "completed", "ada")                 # b becomes ready at 150
    s.create(245, "d")
    s.event(250, "b", "claimed", "ada")                   # waited 100 s
    s.event(255, "d", "cancelled", None, action="cancel", actor="operator")
    s.event(260, "c", "claimed", "bob")                   # waited 130 s
    s.beat("ada", 0, 290)
    s.beat("bob", 0, 270)
    return s


EXPECTED = [
    # created claims completed failed retries operator | ready blocked claimed in_progress | alive busy idle | waits
    (3, 0, 0, 0, 0, 0, 2, 1, 0, 0, 2, 0, 2, None),
    (0, 2, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 0, 80.0),
    (0, 0, 1, 1, 1, 0, 2, 0, 0, 0, 2, 0, 2, None),
    (0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 2, None),
    (1, 2, 0, 0, 0, 1, 0, 0, 2, 0, 1, 2, 0, 115.0),
]


def flat(point):
    return (point.created, point.claims, point.completed, point.failed, point.retries, point.operator, point.ready,
            point.blocked, point.claimed, point.in_progress, point.agents_alive, point.agents_busy,
            point.agents_idle, point.median_wait)


@pytest.fixture
def history(dl):
    scenario = five_minutes()
    scenario.write(dl)
    return scenario


def test_each_minute_is_what_happened_in_it(dl, history):
    trends = Insight(dl).trends(300, step=60, end=T0 + 300)
    assert [flat(p) for p in trends.points] == EXPECTED
    assert [p.waits for p in trends.points] == [0, 2, 0, 0, 2]
    assert trends.points[0].start == T0 and trends.series("completed")[2] == (T0 + 180, 1)


def test_wider_intervals_sum_counts_and_read_levels_at_their_end(dl, history):
    trends = Insight(dl).trends(300, step=150, end=T0 + 300)
    first, second = trends.points
    assert (first.created, first.claims, first.completed, first.failed, first.retries) == (3, 2, 1, 1, 1)
    assert (first.ready, first.blocked, first.in_progress) == (2, 0, 0)  # at 150, after a completed
    assert first.median_wait == 80.0 and second.median_wait == 115.0
    assert (second.created, second.claims, second.operator, second.claimed) == (1, 2, 1, 2)


def test_stored_rollups_equal_a_read_only_fold_in_memory(dl, db_path, history):
    stored = Insight(dl).trends(300, step=60, end=T0 + 300)
    rows = dl.engine.rows("SELECT minute, created, claims, ready, agents_alive FROM history_minutes ORDER BY minute")
    assert [r[0] - T0 for r in rows] == [0, 60, 120, 180, 240]
    with create_local_data_layer(db_path, read_only=True) as reader:
        dl.engine.write(lambda tx: tx.execute("DELETE FROM history_minutes"))
        memory = Insight(reader).trends(300, step=60, end=T0 + 300)
    assert [flat(p) for p in memory.points] == [flat(p) for p in stored.points] == EXPECTED


def test_a_window_before_the_history_says_it_is_unknown(dl, history):
    trends = Insight(dl).trends(600, step=300, end=T0)
    before = trends.points[0]
    assert (before.ready, before.claimed, before.agents_alive) == (None, None, None)
    assert trends.notes and "nothing is known before" in trends.notes[0]


def test_agents_are_unknown_before_the_heartbeat_records(dl, history):
    dl.engine.write(lambda tx: tx.execute("DELETE FROM change_log WHERE at < ?", (T0 + 200,)))
    points = Insight(dl).trends(300, step=60, end=T0 + 300).points
    assert [p.agents_alive for p in points] == [None, None, None, 2, 1]  # known from 200 + 30 s on
    assert [p.agents_busy for p in points] == [0, 2, 0, 0, 2]


def test_live_trends_count_what_agents_just_did(dl):
    dl.agents.register("ada")
    for n in range(3):
        dl.tasks.create(f"t{n}", id=f"t{n}")
    for _ in range(2):
        task = dl.tasks.claim("ada")
        dl.tasks.complete(task.id, "ada", task.claim_token)
    trends = Insight(dl).trends("1h")
    assert trends.end % 60 == 0 and len(trends.points) == 60  # minutes: the last one is the current one
    totals = [sum(getattr(p, name) for p in trends.points) for name in ("created", "claims", "completed", "waits")]
    assert totals == [3, 2, 2, 2]  # the work may straddle a minute: counted where each event fell
    last = trends.points[-1]
    assert (last.ready, last.blocked, last.claimed) == (1, 0, 0)
    assert all(p.median_wait >= 0 for p in trends.points if p.waits)
