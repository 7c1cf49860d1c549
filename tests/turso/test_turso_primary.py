"""Writes on the primary: transactions across requests, busy waiting,
recovery from a client that died mid-transaction, the owner guard trigger,
and schema that lives only where it should."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import turso.sync

from modes import TOKEN, Primary, open_replica, turso_primary  # noqa: F401 - fixture
from jetpack_tui.data.turso.hrana import HranaClient
from jetpack_tui.data.turso import server
from jetpack_tui.data.turso.primary import MARKER_TABLE
from jetpack_tui.data.turso.server import DIRS_ENV_VAR, ENV_VAR, find_tursodb


def _counter(dl) -> int:
    return int(dl.engine.write(lambda tx: tx.value(
        "SELECT value FROM jetpack_meta WHERE key = 'test.counter'")) or 0)


def test_read_modify_write_transactions_from_two_clients_serialise(turso_primary, tmp_path):
    """Each increment reads, then writes, in separate requests: only the
    BEGIN IMMEDIATE protocol keeps concurrent clients from losing updates."""
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
        assert a.sync_status().unstuck == 0 and b.sync_status().unstuck == 0
    finally:
        a.close()
        b.close()


#: A client in its own process that opens a transaction on the primary,
#: writes, then waits on stdin before writing again (never committing first).
SLOW_CLIENT = """
import sys
from jetpack_tui.data.turso.hrana import HranaClient
from jetpack_tui.data.turso.primary import PrimarySession, TransactionLost
session = PrimarySession(HranaClient(sys.argv[1]), where="slow")
def work(tx):
    tx.execute("INSERT INTO jetpack_meta(key, value) VALUES ('test.ghost', 'uncommitted')")
    print("inside", flush=True)
    sys.stdin.readline()
    try:
        tx.execute("INSERT INTO jetpack_meta(key, value) VALUES ('test.late', 'x')")
        print("wrote", flush=True)
    except TransactionLost:
        print("lost", flush=True)
        raise
try:
    session.transaction(work)
except TransactionLost:
    pass
"""


def _slow_client(url: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CLIENT, url], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "inside"
    return proc


def _meta_count(dl, key: str) -> int:
    return dl.engine.write(lambda tx: tx.value("SELECT count(*) FROM jetpack_meta WHERE key = ?", (key,)))


def test_a_transaction_left_open_by_a_killed_client_is_rolled_back(turso_primary, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    dl = open_replica(turso_primary, tmp_path, "live", stuck_after=0.6, busy_deadline=10)
    try:
        proc = _slow_client(turso_primary.url)
        proc.kill()  # dies inside its transaction: no ROLLBACK is ever sent
        proc.wait(10)
        client = HranaClient(turso_primary.url, TOKEN)
        assert client.execute(f"SELECT count(*) FROM {MARKER_TABLE}") == [(1,)]  # still open
        dl.agents.register("a")  # busy for ~stuck_after, then rolls the dead transaction back
        assert dl.sync_status().unstuck == 1 and "stuck on the primary" in caplog.text
        assert _meta_count(dl, "test.ghost") == 0 and dl.agents.get("a").id == "a"
    finally:
        dl.close()


def test_a_slow_client_whose_transaction_was_rolled_back_cannot_write(turso_primary, tmp_path):
    dl = open_replica(turso_primary, tmp_path, "live", stuck_after=0.6, busy_deadline=10)
    proc = _slow_client(turso_primary.url)
    try:
        dl.agents.register("a")
        assert dl.sync_status().unstuck == 1
        out, _ = proc.communicate("go on\n", timeout=30)
        assert out.split() == ["lost"]  # its next statement was fenced off, not run
        assert _meta_count(dl, "test.ghost") == 0 and _meta_count(dl, "test.late") == 0
    finally:
        proc.kill()
        dl.close()


def test_a_foreign_transaction_without_marker_is_recovered_too(turso_primary, tmp_path):
    client = HranaClient(turso_primary.url, TOKEN)
    dl = open_replica(turso_primary, tmp_path, "live", stuck_after=0.6)
    try:
        client.steps([("BEGIN IMMEDIATE", (), None), (f"DELETE FROM {MARKER_TABLE}", (), None)])
        dl.tasks.create("after the stuck one", id="x")
        assert dl.tasks.get("x").title == "after the stuck one" and dl.sync_status().unstuck == 1
    finally:
        dl.close()


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
        stats = dl.engine.run(lambda: dl.engine._conn.stats())
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
