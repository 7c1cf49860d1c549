"""Writes on the primary: read-modify-write from several replicas, a
foreign client holding the write lock, the owner guard trigger, and schema
that lives only where it should."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import turso.sync

from modes import TOKEN, Primary, open_replica, turso_primary  # noqa: F401 - fixture
from jetpack_tui.data.turso.hrana import HranaClient
from jetpack_tui.data.turso import server
from jetpack_tui.data import StorageBusyError
from jetpack_tui.data.turso.server import DIRS_ENV_VAR, ENV_VAR, find_tursodb


def _counter(dl) -> int:
    return int(dl.engine.write(lambda tx: tx.value(
        "SELECT value FROM jetpack_meta WHERE key = 'test.counter'")) or 0)


def test_read_modify_write_transactions_from_two_clients_serialise(turso_primary, tmp_path):
    """Each increment reads on its replica, then writes on the primary in one
    request that checks the value read is still there: concurrent clients
    lose no update (a stale replica's attempt changes nothing and is retried)."""
    a = open_replica(turso_primary, tmp_path, "a")
    b = open_replica(turso_primary, tmp_path, "b")
    a.engine.write(lambda tx: tx.execute("INSERT INTO jetpack_meta(key, value) VALUES ('test.counter', '0')"))

    def bump(tx) -> None:
        value = int(tx.value("SELECT value FROM jetpack_meta WHERE key = 'test.counter'"))
        tx.execute("UPDATE jetpack_meta SET value = ? WHERE key = 'test.counter'", (str(value + 1),))

    def worker(dl) -> None:
        for _ in range(15):
            dl.engine.write(bump)

    threads = [threading.Thread(target=worker, args=(dl,)) for dl in (a, b, a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert _counter(a) == 60
    finally:
        a.close()
        b.close()


def test_a_foreign_open_transaction_makes_writes_wait_then_report_busy(tmp_path):
    """tursodb runs every request on one shared connection: a foreign client
    that leaves a transaction open there blocks every writer.  Jetpack waits
    up to busy_deadline, reports it, and never rolls back what is not its own.
    (Against tursodb itself: the strict proxy would end it, as sqld does.)"""
    primary = Primary(tmp_path / "direct", proxy=False)
    primary.start()
    client = HranaClient(primary.url, TOKEN)
    dl = open_replica(primary, tmp_path, "live", busy_deadline=0.5)
    waited: list[float] = []
    dl.engine.on_busy = waited.append
    try:
        client.steps([("BEGIN IMMEDIATE", (), None),
                      ("INSERT INTO jetpack_meta(key, value) VALUES ('test.foreign', 'open')", (), None)])
        with pytest.raises(StorageBusyError, match="busy"):
            dl.agents.register("a")
        assert client.execute("SELECT count(*) FROM jetpack_meta WHERE key = 'test.foreign'") == [(1,)]
        client.steps([("ROLLBACK", (), None)])  # the foreign client finishes
        assert dl.agents.register("a").id == "a"
        assert client.execute("SELECT count(*) FROM jetpack_meta WHERE key = 'test.foreign'") == [(0,)]
    finally:
        dl.close()
        primary.stop()


def test_owner_guard_ignores_a_pushed_owner_change(turso_primary, tmp_path):
    """A replica that claims locally and pushes (last push wins in Turso Sync)
    cannot take a task another agent holds: the primary-only trigger ignores it."""
    dl = open_replica(turso_primary, tmp_path)
    try:
        dl.tasks.create("x", id="x")
        held = dl.tasks.claim("a", "x")
        rogue = turso.sync.connect(str(tmp_path / "rogue.db"), turso_primary.url, isolation_level=None)
        rogue.execute("UPDATE tasks SET claimed_by = 'rogue', claim_token = claim_token WHERE id = 'x'")
        rogue.push()
        rogue.close()
        HranaClient(turso_primary.url, TOKEN).batch(["UPDATE tasks SET claimed_by = 'shell' WHERE id = 'x'"])
        assert dl.sync().ok
        now = dl.tasks.get("x")
        assert (now.claimed_by, now.claim_token) == ("a", held.claim_token)
        moved = dl.tasks.reassign("x", "b", by="op")  # a grant decided on the primary still works
        assert moved.claimed_by == "b"
    finally:
        dl.close()


def test_schema_lives_on_the_primary_and_the_replica_is_never_written(turso_primary, tmp_path):
    client = HranaClient(turso_primary.url, TOKEN)
    dl = open_replica(turso_primary, tmp_path)
    try:
        dl.agents.register("a")
        dl.tasks.create("x", id="x")
        dl.tasks.claim("a", "x")
        dl.messages.send("a", "b", "hi", unknown_ok=True)
        triggers = {name for (name,) in client.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert "jetpack_primary_owner_guard" in triggers and "tasks_audit_update" in triggers
        assert not client.execute("SELECT name FROM sqlite_master WHERE name LIKE 'memories_fts%'")
        local = set(dl.engine.rows("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        assert {(name,) for name in triggers} <= local  # pulled, not made locally
        stats = dl.engine.run(lambda: dl.engine.replica.conn.stats())
        assert stats.cdc_operations == 0  # nothing to push: the replica only pulls
        primary_log = client.execute("SELECT seq, tbl, row_id FROM change_log ORDER BY seq")
        assert dl.engine.rows("SELECT seq, tbl, row_id FROM change_log ORDER BY seq") == primary_log
    finally:
        dl.close()


def test_find_tursodb_searches_the_ci_node_modules(monkeypatch, tmp_path: Path):
    real = find_tursodb()
    assert real is not None
    package = tmp_path / "node_modules" / "@tursodatabase" / "cli-linux-x64-gnu"
    package.mkdir(parents=True)
    os.symlink(real, package / "tursodb")
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(server, "TURSODB_SEARCH_PATHS", ())
    monkeypatch.delenv(DIRS_ENV_VAR, raising=False)
    assert find_tursodb() is None  # nothing else to find it by
    monkeypatch.setenv(DIRS_ENV_VAR, str(tmp_path / "node_modules"))
    assert find_tursodb() == str(Path(real).resolve())
    monkeypatch.setenv(DIRS_ENV_VAR, str(tmp_path))  # the npm prefix works as well
    assert find_tursodb() == str(Path(real).resolve())


def test_turso_internal_tables_are_not_foreign_but_other_tables_are(turso_primary, tmp_path):
    from jetpack_tui.data import SchemaMismatchError

    # what the primary gets once any Turso client has pushed to it
    HranaClient(turso_primary.url, TOKEN).batch([
        "CREATE TABLE turso_sync_last_change_id(client_id TEXT PRIMARY KEY, pull_gen INTEGER, change_id INTEGER)"])
    with open_replica(turso_primary, tmp_path, "ok") as dl:
        assert dl.schema_version() >= 2
    foreign = Primary(tmp_path / "foreign")
    foreign.start()
    try:
        HranaClient(foreign.url, TOKEN).batch(["CREATE TABLE invoices(id INTEGER PRIMARY KEY)"])
        with pytest.raises(SchemaMismatchError, match="invoices"):
            open_replica(foreign, tmp_path, "refused")
        names = HranaClient(foreign.url, TOKEN).execute("SELECT name FROM sqlite_master")
        assert names == [("invoices",)]  # nothing was written to it
    finally:
        foreign.stop()
