"""Reads the dashboard's Overview and Mail panes rely on, in both modes:
aggregates done in SQL instead of paging thousands of rows into Python."""

from __future__ import annotations

import time

import pytest

from modes import dl_any  # noqa: F401 - fixture


@pytest.fixture
def dl(dl_any):  # noqa: F811
    return dl_any


def _event(dl, task_id: str, at: float, action: str = "complete") -> None:
    dl.engine.write(lambda tx: tx.execute(
        "INSERT INTO task_events(task_id, at, actor, action, to_status) VALUES (?, ?, 'w', ?, 'completed')",
        (task_id, at, action)))


def test_completions_per_hour_buckets_from_since(dl):
    since = 1_700_000_000.0
    for at in (since, since + 10, since + 3599.9, since + 3600, since + 5 * 3600 + 1):
        _event(dl, "t", at)
    _event(dl, "t", since - 1)  # before the window
    _event(dl, "t", since + 12 * 3600)  # at ``until``: excluded
    _event(dl, "t", since + 30, action="fail")  # not a completion
    per_hour = dl.tasks.completions_per_hour(since, since + 12 * 3600)
    base = int(since)
    assert per_hour == {base: 3, base + 3600: 1, base + 5 * 3600: 1}
    assert dl.tasks.completions_per_hour(since + 20 * 3600, since + 21 * 3600) == {}


def test_completions_per_hour_counts_real_completions(dl):
    dl.agents.register("w")
    for n in range(3):
        dl.tasks.create(f"t{n}", id=f"t{n}")
        task = dl.tasks.claim("w", f"t{n}")
        if n < 2:
            dl.tasks.complete(task.id, "w", task.claim_token)
    now = time.time()
    assert sum(dl.tasks.completions_per_hour(now - 3600, now + 1).values()) == 2


def test_count_expired_claims(dl):
    dl.agents.register("w")
    for n in range(4):
        dl.tasks.create(f"t{n}", id=f"t{n}")
    dl.tasks.claim("w", "t0", ttl=10)
    dl.tasks.claim("w", "t1", ttl=1000)
    started = dl.tasks.claim("w", "t2", ttl=10)
    dl.tasks.start("t2", "w", started.claim_token)
    now = time.time()
    assert dl.tasks.count_expired_claims() == 0
    assert dl.tasks.count_expired_claims(now + 100) == 2  # t0 and t2 (in progress), not t1, not pending t3
    assert dl.tasks.count_expired_claims(now + 2000) == 3
    dl.tasks.reclaim_expired()  # nothing expired yet at real time
    assert dl.tasks.count_expired_claims(now + 100) == 2


def _mail(dl):
    first = dl.messages.send("ada", "bob", "task.handoff", {"n": 1}, unknown_ok=True)
    dl.messages.send("bob", "ada", "task.handoff", {"n": 2}, thread_id=first.thread_id)
    done = dl.messages.send("ada", "cyd", "note", {"n": 3}, unknown_ok=True)
    other = dl.messages.send("cyd", "dee", "note", {"n": 4}, unknown_ok=True)
    dl.messages.ack(done.id, "cyd")
    return first, done, other


def test_threads_awaiting_ack_filtered_in_sql(dl):
    first, done, other = _mail(dl)
    tid = lambda threads: [t.id for t in threads]  # noqa: E731
    assert set(tid(dl.messages.threads(awaiting_ack=True))) == {first.thread_id, other.thread_id}
    assert dl.messages.thread_count(awaiting_ack=True) == 2
    assert dl.messages.thread_count() == 3
    assert tid(dl.messages.threads(agent="cyd", awaiting_ack=True)) == []  # cyd acked its own; dee has not
    assert tid(dl.messages.threads(agent="dee", awaiting_ack=True)) == [other.thread_id]
    assert tid(dl.messages.threads(type="note", awaiting_ack=True)) == [other.thread_id]
    assert tid(dl.messages.threads(awaiting_ack=True, limit=1)) == [other.thread_id]  # newest first, paged in SQL
    dl.messages.ack(first.id, "bob")
    assert set(tid(dl.messages.threads(awaiting_ack=True))) == {first.thread_id, other.thread_id}  # ada's reply
    assert tid(dl.messages.threads(agent="bob", awaiting_ack=True)) == []


def test_thread_limit_keeps_the_newest_in_order(dl):
    first = dl.messages.send("ada", "bob", "t", {"n": 0}, unknown_ok=True)
    for n in range(1, 6):
        dl.messages.send("bob", "ada", "t", {"n": n}, thread_id=first.thread_id)
    whole = dl.messages.thread(first.thread_id)
    assert [m.payload["n"] for m in whole] == [0, 1, 2, 3, 4, 5]
    assert [m.payload["n"] for m in dl.messages.thread(first.thread_id, limit=3)] == [3, 4, 5]
    assert dl.messages.thread(first.thread_id, limit=0) == []
    assert len(dl.messages.thread(first.thread_id, limit=100)) == 6
