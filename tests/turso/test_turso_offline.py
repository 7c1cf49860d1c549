"""Turso mode with the primary gone: reads go on, claims are refused,
other writes queue and reach the primary once it is back -- nothing lost.

The primary is a real ``tursodb --sync-server`` process, stopped and started
again on the same file and port.
"""

from __future__ import annotations

import json

import pytest

from modes import TOKEN, open_replica, turso_primary  # noqa: F401 - fixture
from jetpack_tui.data import PrimaryUnavailableError
from jetpack_tui.data.turso.hrana import HranaClient


@pytest.fixture
def primary(turso_primary):  # noqa: F811 - the modules' tests say ``primary``
    return turso_primary


def _seed(dl) -> None:
    dl.agents.register("a1", skills=["python"])
    dl.agents.register("a2")
    dl.tasks.create("before", id="t1")
    assert dl.sync().ok  # the replica has what was written (the loop would do it)


def test_offline_reads_refusals_queue_and_replay(primary, tmp_path):
    dl = open_replica(primary, tmp_path, "a")
    try:
        _seed(dl)
        primary.stop()

        # reads go on from the replica
        assert [t.id for t in dl.tasks.list()] == ["t1"]
        report = dl.sync()
        assert not report.ok and report.stale_since is not None and report.pulled_changes is False
        status = dl.sync_status()
        assert not status.online and status.stale and status.stale_since == report.stale_since
        assert "refused" in status.last_error.lower() or "unreachable" in status.last_error.lower()

        # compare-and-swap changes are refused, with the host and since when
        for claim in (lambda: dl.tasks.claim("a1"), lambda: dl.tasks.claim("a1", "t1"),
                      lambda: dl.leases.acquire("deploy", "a1", 60),
                      lambda: dl.tasks.cancel("t1", by="op")):
            with pytest.raises(PrimaryUnavailableError, match="unreachable since") as info:
                claim()
            assert "127.0.0.1" in str(info.value)

        # the rest queues and answers from the replica's view
        beat = dl.agents.heartbeat("a1", status="offline-work", current_task="t1")
        assert beat.status == "offline-work"
        sent = dl.messages.send("a1", "a2", "note", {"n": 1})
        made = dl.tasks.create("made offline", id="t2", priority="high")
        assert made.status == "pending" and sent.from_agent == "a1"
        assert dl.sync_status().queued == 3
        assert dl.tasks.find("t2") is None  # queued, not applied anywhere yet
        again = dl.sync()
        assert again.stale_since == report.stale_since  # stale since the FIRST failure

        primary.start()
        back = dl.sync()
        assert back.ok and back.pushed == 3 and back.pulled_changes and back.stale_since is None
        status = dl.sync_status()
        assert status.online and status.queued == 0 and not status.stale
        assert dl.tasks.get("t2").priority == "high"
        assert dl.agents.get("a1").status == "offline-work"
        assert [m.type for m in dl.messages.list(agent="a2")] == ["note"]
        assert dl.tasks.claim("a1").id == "t2"  # claims work again
    finally:
        dl.close()

    # another replica sees everything exactly once
    other = open_replica(primary, tmp_path, "b")
    try:
        assert sorted(t.id for t in other.tasks.list()) == ["t1", "t2"]
        assert [m.id for m in other.messages.list(agent="a2")] == [sent.id]
    finally:
        other.close()
    applied = HranaClient(primary.url, TOKEN).execute("SELECT count(*) FROM jetpack_outbox_applied")
    assert applied == [(3,)]


def test_queue_survives_a_restart_of_the_agent(primary, tmp_path):
    dl = open_replica(primary, tmp_path, "a")
    _seed(dl)
    primary.stop()
    dl.agents.heartbeat("a2", status="queued-1")
    dl.messages.broadcast("a1", "hello")
    dl.close()

    # reopened while the primary is still down: offline, stale, queue intact
    dl = open_replica(primary, tmp_path, "a")
    try:
        status = dl.sync_status()
        assert not status.online and status.queued == 2
        assert dl.agents.get("a2").status == "idle"
        primary.start()
        assert dl.sync().pushed == 2
        assert dl.agents.get("a2").status == "queued-1"
        [hello] = dl.messages.list(type="hello")
        assert [d.agent_id for d in dl.messages.deliveries(hello.id)] == ["a2"]
    finally:
        dl.close()


def test_replay_is_exactly_once_after_a_crash_mid_replay(primary, tmp_path):
    """The batch committed but the outbox file was not rewritten (a crash
    between the two): the marker on the primary makes the replay a no-op."""
    dl = open_replica(primary, tmp_path, "a")
    _seed(dl)
    primary.stop()
    dl.messages.send("a1", "a2", "once")
    outbox = dl.engine.outbox.path
    with open(outbox, encoding="utf-8") as handle:
        saved = handle.read()
    primary.start()
    assert dl.sync().pushed == 1
    dl.close()
    with open(outbox, "w", encoding="utf-8") as handle:  # the crash: the file still lists it
        handle.write(saved)
    dl = open_replica(primary, tmp_path, "a")
    try:
        assert dl.sync_status().queued == 0  # replayed at open: recognised as applied
        assert [m.type for m in dl.messages.list(agent="a2")] == ["once"]
    finally:
        dl.close()


def test_an_entry_that_cannot_apply_is_set_aside_and_reported(primary, tmp_path):
    dl = open_replica(primary, tmp_path, "a")
    other = open_replica(primary, tmp_path, "b")
    try:
        _seed(dl)
        primary.stop()
        dl.tasks.create("mine", id="dup")  # queued
        primary.start()
        other.tasks.create("theirs", id="dup")  # the primary gets the id first
        report = dl.sync()
        assert report.ok and report.pushed == 1
        status = dl.sync_status()
        assert status.queued == 0 and status.rejected == 1
        assert dl.tasks.get("dup").title == "theirs"
        with open(dl.engine.outbox.rejected_path, encoding="utf-8") as handle:
            [line] = handle.read().splitlines()
        record = json.loads(line)
        assert "UNIQUE" in record["error"] and "mine" in json.dumps(record["statements"])
    finally:
        dl.close()
        other.close()


def test_a_new_replica_needs_the_primary(primary, tmp_path):
    primary.stop()
    with pytest.raises(PrimaryUnavailableError, match="cannot create the replica"):
        open_replica(primary, tmp_path, "fresh")
