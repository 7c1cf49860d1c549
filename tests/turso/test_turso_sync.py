"""Replicas converge: a change made through one replica shows on another
after its next background sync, and subscribers hear about every sync."""

from __future__ import annotations

import threading
import time

import pytest

from modes import open_replica, turso_primary  # noqa: F401 - fixture

INTERVAL = 0.2


def test_a_change_on_one_replica_reaches_another_within_a_sync_interval(turso_primary, tmp_path):
    writer = open_replica(turso_primary, tmp_path, "writer")
    reader = open_replica(turso_primary, tmp_path, "reader", sync_interval=INTERVAL)
    seen = threading.Event()
    reports = []

    def on_sync(report) -> None:
        reports.append(report)
        if report.pulled_changes and reader.tasks.find("x") is not None:
            seen.set()

    unsubscribe = reader.on_sync(on_sync)
    try:
        version = reader.data_version()
        cursor = reader.change_cursor()
        written = time.perf_counter()
        writer.tasks.create("from the writer", id="x")  # committed on the primary when it returns
        assert seen.wait(10), reports
        latency = time.perf_counter() - written
        print(f"change-to-visible latency: {latency * 1000:.0f} ms (interval {INTERVAL * 1000:.0f} ms)")
        assert latency < INTERVAL + 2.0  # generous: the figure is measured in bench/sync.py
        assert reader.data_version() > version
        changes, _ = reader.changes_since(cursor)
        assert changes.ids("tasks") == {"x"}
        assert all(r.error is None and r.duration >= 0 for r in reports)
        assert reader.sync_status().last_ok_at is not None
    finally:
        unsubscribe()
        reader.close()
        writer.close()


def test_sync_reports_and_unsubscribe(turso_primary, tmp_path):
    dl = open_replica(turso_primary, tmp_path)
    other = open_replica(turso_primary, tmp_path, "other")
    try:
        heard = []
        unsubscribe = dl.on_sync(heard.append)
        quiet = dl.sync()
        assert quiet.ok and not quiet.pulled_changes and quiet.pushed == 0 and quiet.stale_since is None
        other.agents.register("b")
        busy = dl.sync()
        assert busy.pulled_changes and dl.agents.get("b").id == "b"
        unsubscribe()
        dl.sync()
        assert heard == [quiet, busy]
        assert dl.sync_status().last_report.started_at >= busy.started_at
    finally:
        dl.close()
        other.close()


def test_a_failing_subscriber_does_not_stop_the_others(turso_primary, tmp_path, caplog):
    dl = open_replica(turso_primary, tmp_path)
    try:
        heard = []
        dl.on_sync(lambda report: 1 / 0)
        dl.on_sync(heard.append)
        assert dl.sync().ok and len(heard) == 1
        assert "subscriber failed" in caplog.text
    finally:
        dl.close()


def test_close_stops_the_background_loop(turso_primary, tmp_path):
    dl = open_replica(turso_primary, tmp_path, sync_interval=0.05)
    ticks = threading.Event()
    dl.on_sync(lambda report: ticks.set())
    assert ticks.wait(5)
    dl.close()
    assert not any(t.name == "jetpack-turso-sync" and t.is_alive() for t in threading.enumerate())


def test_read_only_replica_syncs_but_refuses_writes(turso_primary, tmp_path):
    from jetpack_tui.data import ReadOnlyError, SchemaMismatchError
    from modes import Primary

    fresh = Primary(tmp_path / "fresh")
    fresh.start()
    try:
        with pytest.raises(SchemaMismatchError, match="without --read-only"):
            open_replica(fresh, tmp_path, "ro-fresh", read_only=True)
    finally:
        fresh.stop()
    writer = open_replica(turso_primary, tmp_path, "rw")
    viewer = open_replica(turso_primary, tmp_path, "ro", read_only=True)
    try:
        assert viewer.read_only and "read-only" in repr(viewer)
        writer.tasks.create("x", id="x")
        assert viewer.sync().pulled_changes and viewer.tasks.get("x").title == "x"
        for write in (lambda: viewer.tasks.create("y"), lambda: viewer.tasks.claim("a"),
                      lambda: viewer.agents.heartbeat("a")):
            with pytest.raises(ReadOnlyError):
                write()
    finally:
        viewer.close()
        writer.close()
