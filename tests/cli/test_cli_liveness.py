"""One liveness rule per database: ``status``, ``doctor`` and ``settings``
read the rule stored in the database; a config file's ``[liveness]``
overrides it only when it is written there; stopped agents are neither
alive nor dead."""

from __future__ import annotations

import json
import sqlite3
import time

from status_schema_check import errors

from jetpack_tui.commands.status import SCHEMA
from jetpack_tui.data import Liveness, clock, create_local_data_layer
from jetpack_tui.data.settings import LIVENESS


def _database(path) -> None:
    """`quiet` last heard of 50 s ago holds task x; `done` stopped cleanly."""
    with create_local_data_layer(str(path)) as dl:
        dl.settings.set(LIVENESS, Liveness(stale_after=20, dead_after=40))
        with clock.fixed_time(time.time() - 50):
            dl.agents.register("quiet")
            dl.tasks.create("x", id="x")
            dl.tasks.claim("quiet", "x")
        dl.agents.register("done")
        dl.agents.stop("done")


def _status(cli, *args):
    done = cli(*args, "status", "--json", "--db", "l.db")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert errors(doc, SCHEMA) == []
    return doc


def _orphans(cli):
    doc = json.loads(cli("doctor", "--json", "--db", "l.db").stdout)
    return [e for f in doc["findings"] if f["check"] == "orphans" for e in f["examples"]]


def test_status_and_doctor_apply_the_rule_stored_in_the_database(cli, tmp_path):
    _database(tmp_path / "l.db")
    doc = _status(cli)
    assert doc["agents"] == {"total": 2, "alive": 0, "stale": 0, "dead": 1, "stopped": 1}
    assert [(a["id"], a["liveness"]) for a in doc["stale_agents"]] == [("quiet", "dead")]
    assert [(o["id"], o["owner"]) for o in doc["orphans"]] == [("x", "dead")]
    assert _orphans(cli) == ["x (quiet: dead)"]
    assert "agents  2: 0 alive, 0 stale, 1 dead, 1 stopped" in cli("status", "--db", "l.db").stdout


def test_a_config_file_rule_overrides_the_database_only_when_written(cli, tmp_path):
    _database(tmp_path / "l.db")
    (tmp_path / ".jetpack").mkdir()
    (tmp_path / ".jetpack" / "config.toml").write_text('operator = "alice"\n')
    assert _status(cli)["agents"]["dead"] == 1  # a config without [liveness] changes nothing
    (tmp_path / ".jetpack" / "config.toml").write_text("[liveness]\nstale_after = 60\ndead_after = 300\n")
    assert _status(cli)["agents"] == {"total": 2, "alive": 1, "stale": 0, "dead": 0, "stopped": 1}
    assert _orphans(cli) == []


def test_a_stopped_owner_still_holding_a_task_is_an_orphan(cli, tmp_path):
    _database(tmp_path / "l.db")
    with sqlite3.connect(tmp_path / "l.db") as conn:  # another client: marks it stopped, keeps the claim
        conn.execute("UPDATE agents SET status = 'stopped', heartbeat_at = ?, last_heartbeat = NULL"
                     " WHERE id = 'quiet'", (time.time(),))
    doc = _status(cli)
    assert [(o["id"], o["owner"]) for o in doc["orphans"]] == [("x", "stopped")]
    assert _orphans(cli) == ["x (quiet: stopped)"]


def test_the_settings_command_shows_sets_and_resets(cli, tmp_path):
    _database(tmp_path / "l.db")
    shown = json.loads(cli("settings", "--json", "--db", "l.db").stdout)
    assert shown["liveness"] == {"value": {"stale_after": 20.0, "dead_after": 40.0}, "source": "database",
                                 "problem": None}
    assert "liveness" in cli("settings", "--db", "l.db").stdout
    done = cli("settings", "set", "liveness", '{"stale_after": 60, "dead_after": 300}', "--db", "l.db")
    assert done.returncode == 0, done.stderr
    assert _status(cli)["agents"]["alive"] == 1
    assert cli("settings", "reset", "liveness", "--db", "l.db").returncode == 0
    shown = json.loads(cli("settings", "--json", "--db", "l.db").stdout)
    assert shown["liveness"]["source"] == "default"
    for bad in (("set", "liveness", "{oops"), ("set", "liveness", '{"stale_after": 9, "dead_after": 1}'),
                ("set", "nonsense", "1"), ("reset", "nonsense")):
        done = cli("settings", *bad, "--db", "l.db")
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, (bad, done.stderr)
    assert cli("settings", "--db", "missing.db").returncode == 2


def test_the_dashboard_opens_the_database_with_its_stored_rule(tmp_path):
    from jetpack_tui.cli import build_parser, open_data_layer, settings_from
    from jetpack_tui.config import Settings, against_database

    _database(tmp_path / "l.db")
    args = build_parser().parse_args(["--read-only", "--db", str(tmp_path / "l.db")])
    with open_data_layer(args, settings_from(args, Settings())) as dl:
        assert dl.agents.liveness_rule() == Liveness(20.0, 40.0)
        assert against_database(Settings(), dl).liveness == Liveness(20.0, 40.0)
    explicit = Settings(stale_after=60.0, dead_after=300.0)
    with open_data_layer(args, settings_from(args, explicit)) as dl:
        assert dl.agents.liveness_rule() == Liveness(60.0, 300.0)
