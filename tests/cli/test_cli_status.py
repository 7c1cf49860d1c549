"""``jetpack-tui status``: the JSON snapshot, its schema, and its errors."""

from __future__ import annotations

import json
import os
import sqlite3

from status_schema_check import errors

from jetpack_tui.commands.status import SCHEMA


def test_status_json_matches_the_documented_schema_and_the_data(cli, seeded_db):
    done = cli("status", "--json", "--db", seeded_db)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert errors(doc, SCHEMA) == []
    tasks = doc["tasks"]
    assert tasks["total"] == 60
    assert sum(tasks["by_status"].values()) == 60 and tasks["by_status"]["other"] == 0
    assert tasks["ready"] + tasks["blocked"] == tasks["by_status"]["pending"]
    assert {t["id"] for t in doc["ready_tasks"]} >= {"task-00003", "task-00004"}
    assert {(o["id"], o["claimed_by"], o["owner"]) for o in doc["orphans"]} == {
        ("task-00009", "dennis", "dead"), ("task-00010", "frances", "dead")}
    assert [c["id"] for c in doc["expired_claims"]] == ["task-00010"]
    assert {a["id"]: a["liveness"] for a in doc["stale_agents"]} == {
        "ken": "stale", "margaret": "stale", "dennis": "dead", "frances": "dead"}
    assert doc["agents"] == {"total": 8, "alive": 4, "stale": 2, "dead": 2, "stopped": 0}
    pairs = {frozenset((c["first"]["agent_id"], c["second"]["agent_id"])) for c in doc["conflicts"]}
    assert frozenset(("ada", "grace")) in pairs and frozenset(("margaret", "barbara")) in pairs
    assert doc["reservations"]["conflicts"] == len(doc["conflicts"])
    assert doc["mail"]["messages"] > 0 and 0 < doc["mail"]["unacked"]
    assert doc["memories"]["total"] >= 16


def test_global_db_option_before_the_subcommand_and_limit(cli, seeded_db):
    done = cli("--db", seeded_db, "status", "--json", "--limit", "1")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert len(doc["ready_tasks"]) == 1 and len(doc["orphans"]) == 1
    assert doc["tasks"]["total"] == 60  # counts stay exact


def test_the_schema_checker_rejects_a_wrong_document(cli, seeded_db):
    doc = json.loads(cli("status", "--json", "--db", seeded_db).stdout)
    doc["tasks"]["by_status"]["pending"] = "eleven"
    del doc["agents"]["dead"]
    doc["orphans"].append({"id": "x"})
    found = errors(doc, SCHEMA)
    assert any("by_status.pending" in e for e in found)
    assert any("missing 'dead'" in e for e in found)
    assert any("orphans[2]" in e for e in found)


def test_human_status_shows_text_literally(cli, seeded_db):
    done = cli("status", "--db", seeded_db)
    assert done.returncode == 0
    assert "tasks   60:" in done.stdout
    assert "orphan  task-00009 Rotate staging TLS certificates (owner dennis dead)" in done.stdout
    assert "conflict src/auth/" in done.stdout


def test_unknown_status_is_counted_as_other(cli, tmp_path):
    from jetpack_tui.demo.seed_data import build_demo_database

    path = str(tmp_path / "odd.db")
    build_demo_database(path, tasks=20)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE tasks SET status = 'zombie' WHERE id = 'task-00003'")
    doc = json.loads(cli("status", "--json", "--db", path).stdout)
    assert errors(doc, SCHEMA) == []
    assert doc["tasks"]["by_status"]["other"] == 1 and doc["tasks"]["total"] == 20


def test_missing_database_is_one_line_exit_2_and_not_created(cli, tmp_path):
    done = cli("status", "--json", "--db", "missing.db")
    assert done.returncode == 2
    assert done.stderr.strip() == "jetpack-tui: missing.db: no such database file"
    assert done.stdout == ""
    assert not (tmp_path / "missing.db").exists()


def test_foreign_and_non_databases_are_refused(cli, tmp_path):
    with sqlite3.connect(tmp_path / "foreign.db") as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    (tmp_path / "notes.db").write_text("just some text, not a database\n")
    for name in ("foreign.db", "notes.db"):
        done = cli("status", "--db", name)
        assert done.returncode == 2
        line = done.stderr.strip()
        assert line.startswith(f"jetpack-tui: {name}: ") and "\n" not in line
    assert os.path.getsize(tmp_path / "notes.db") == len("just some text, not a database\n")
