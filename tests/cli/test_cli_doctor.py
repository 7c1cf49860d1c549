"""``jetpack-tui doctor`` on healthy, busy, damaged, corrupted and foreign files.

Damage is written with stdlib ``sqlite3``, as another client would."""

from __future__ import annotations

import json
import sqlite3

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.schema import SEED_SQL, latest_version
from jetpack_tui.demo.seed_data import build_demo_database


def _doc(done):
    doc = json.loads(done.stdout)
    assert doc["schema"] == "jetpack-tui/doctor" and doc["version"] == 1
    assert doc["exit_code"] == done.returncode
    return doc


def _by_check(doc, severity):
    return {(f["check"], f["table"], f["column"]): f for f in doc["findings"] if f["severity"] == severity}


def test_a_fresh_database_is_healthy(cli, tmp_path):
    create_local_data_layer(str(tmp_path / "fresh.db")).close()
    done = cli("doctor", "--db", "fresh.db")
    assert done.returncode == 0, done.stdout
    assert "healthy: 0 error(s), 0 warning(s)" in done.stdout
    assert "PRAGMA integrity_check: ok" in done.stdout
    doc = _doc(cli("doctor", "--db", "fresh.db", "--json"))
    assert doc["schema_version"] == latest_version() == doc["latest_schema_version"]
    assert doc["summary"]["error"] == doc["summary"]["warning"] == 0


def test_any_memory_type_is_healthy(cli, tmp_path):
    """The seed's memories.type is free text: Jetpack's own agents' types and new labels are no finding."""
    with create_local_data_layer(str(tmp_path / "typed.db")) as dl:
        for kind in ("codebase_knowledge", "error_pattern", "runbook"):
            dl.memories.store(f"a {kind} memory", type=kind)
    done = cli("doctor", "--db", "typed.db")
    assert done.returncode == 0 and "healthy: 0 error(s), 0 warning(s)" in done.stdout, done.stdout


def test_orphans_and_expired_claims_need_attention(cli, seeded_db):
    done = cli("doctor", "--db", seeded_db, "--json")
    assert done.returncode == 3
    warnings = _by_check(_doc(done), "warning")
    orphans = warnings[("orphans", "tasks", None)]
    assert orphans["count"] == 2
    assert orphans["examples"] == ["task-00009 (dennis: dead)", "task-00010 (frances: dead)"]
    assert warnings[("expired_claims", "tasks", None)]["examples"] == ["task-00010"]
    text = cli("doctor", "--db", seeded_db).stdout
    assert "WARN   2 task(s) held by dead, stopped or unregistered agents" in text
    assert text.rstrip().splitlines()[-1].startswith("needs attention: 0 error(s), ")


def test_broken_json_and_unknown_statuses_are_reported_per_table_and_column(cli, tmp_path):
    path = str(tmp_path / "damaged.db")
    build_demo_database(path, tasks=30)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tasks SET required_skills = '[\"python\",' WHERE id IN ('task-00003', 'task-00004')")
        conn.execute("UPDATE tasks SET dependencies = '{\"not\": \"a list\"}' WHERE id = 'task-00005'")
        conn.execute("UPDATE tasks SET status = 'zombie' WHERE id = 'task-00006'")
        conn.execute("UPDATE agents SET skills = 'python, sql' WHERE id = 'ada'")
        conn.execute("UPDATE messages SET payload = '{oops' WHERE id = 'msg-00001'")
        conn.execute("UPDATE memories SET metadata = 'null}' WHERE id = 'mem-00002'")
        conn.execute("UPDATE file_reservations SET status = 'held\x1b[31m' WHERE id = 'res-00001'")
    done = cli("doctor", "--db", path, "--json")
    assert done.returncode == 1
    found = _by_check(_doc(done), "error")
    assert found[("json", "tasks", "required_skills")]["count"] == 2
    assert found[("json", "tasks", "required_skills")]["examples"] == ["task-00003", "task-00004"]
    assert found[("json", "tasks", "dependencies")]["examples"] == ["task-00005"]
    assert found[("json", "agents", "skills")]["examples"] == ["ada"]
    assert found[("json", "messages", "payload")]["examples"] == ["msg-00001"]
    assert found[("json", "memories", "metadata")]["examples"] == ["mem-00002"]
    assert found[("values", "tasks", "status")]["examples"] == ["zombie (1)"]
    # the escape character is shown escaped, never sent to the terminal
    assert found[("values", "file_reservations", "status")]["examples"] == ["held\\x1b[31m (1)"]
    text = cli("doctor", "--db", path).stdout
    assert "ERROR  tasks.status: 1 row(s) with unknown values" in text
    assert "\x1b" not in text
    assert "damaged:" in text


def test_a_corrupted_page_is_an_integrity_error(cli, tmp_path):
    path = str(tmp_path / "corrupt.db")
    build_demo_database(path, tasks=300)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tasks_status_order'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x0d" + b"\x55" * (page_size - 1))
    done = cli("doctor", "--db", path, "--json")
    assert done.returncode == 1
    integrity = [f for f in _doc(done)["findings"] if f["check"] == "integrity"]
    assert len(integrity) == 1 and integrity[0]["severity"] == "error"
    assert "malformed" in integrity[0]["message"] or integrity[0]["count"] > 0


def test_schema_versions_old_and_new(cli, tmp_path):
    with sqlite3.connect(tmp_path / "seedonly.db") as conn:
        conn.executescript(SEED_SQL)
    done = cli("doctor", "--db", "seedonly.db", "--json")
    assert done.returncode == 3
    doc = _doc(done)
    assert doc["schema_version"] == 0
    assert any("will be upgraded" in f["message"] for f in doc["findings"] if f["severity"] == "warning")

    create_local_data_layer(str(tmp_path / "future.db")).close()
    with sqlite3.connect(tmp_path / "future.db") as conn:
        conn.execute("UPDATE jetpack_meta SET value = '99' WHERE key = 'schema_version'")
    done = cli("doctor", "--db", "future.db")
    assert done.returncode == 1
    assert "schema version 99 is newer than this jetpack-tui understands" in done.stdout


def test_files_that_cannot_be_checked_exit_2_with_one_line(cli, tmp_path):
    (tmp_path / "text.db").write_text("hello")
    (tmp_path / "empty.db").write_bytes(b"")
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    expected = {"missing.db": "no such database file", "text.db": "is not a SQLite/libSQL database",
                "empty.db": "is an empty file", "other.db": "is not a Jetpack database (invoices)"}
    for name, reason in expected.items():
        done = cli("doctor", "--db", name)
        assert done.returncode == 2, name
        assert done.stderr.startswith(f"jetpack-tui: {name}: {reason}")
        assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert not (tmp_path / "missing.db").exists()


def test_tasks_without_an_id_and_bypassed_triggers_are_reported(cli, tmp_path):
    path = str(tmp_path / "j.db")
    with create_local_data_layer(path) as dl:
        dl.tasks.create("a", id="a")
        dl.tasks.create("b", id="b", dependencies=["a"])
    assert cli("--db", path, "doctor").returncode == 0
    with sqlite3.connect(path) as conn:  # a foreign client: the shell, an agent in another language
        conn.execute("UPDATE tasks SET id = NULL WHERE id = 'a'")
    done = cli("--db", path, "doctor")
    assert done.returncode == 1 and "1 task(s) have no id" in done.stdout
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tasks SET id = 'a' WHERE id IS NULL")
        conn.execute("DROP TRIGGER tasks_derive_done")
        conn.execute("UPDATE tasks SET status = 'completed' WHERE id = 'a'")  # b should become ready
    done = cli("--db", path, "doctor")
    assert done.returncode == 1 and "derived state disagrees" in done.stdout and "b" in done.stdout
