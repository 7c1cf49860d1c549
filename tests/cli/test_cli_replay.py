"""``jetpack-tui replay``: the swarm at a moment, and the changes between two,
from a database with a known, constructed history."""

from __future__ import annotations

import json
import os
import sys

from jetpack_tui.data import create_local_data_layer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "insight"))
from scenario import T0, Scenario  # noqa: E402


def history_db(path: str) -> None:
    s = Scenario()
    s.create(0, "a", title="Parse the \x1b[31mCSV\x1b[0m")
    s.create(5, "b", deps=("a",))
    s.event(60, "a", "claimed", "ada")
    s.event(61, "a", "in_progress", "ada")
    s.event(120, "a", "completed", "ada")
    s.event(130, "b", "claimed", "bob\x07")
    s.event(140, "b", "pending", None, action="release", actor="operator")
    with create_local_data_layer(path) as dl:
        s.write(dl)


def test_the_swarm_at_a_moment_as_json(cli, tmp_path):
    path = str(tmp_path / "h.db")
    history_db(path)
    done = cli("replay", "--db", path, "--at", str(T0 + 100), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["schema"] == "jetpack-tui/replay" and doc["version"] == 1 and doc["at"] == T0 + 100
    assert doc["counts"] == {"in_progress": 1, "pending": 1, "ready": 0, "blocked": 1}
    assert [(t["id"], t["status"], t["state"], t["owner"], t["basis"]) for t in doc["tasks"]] == [
        ("b", "pending", "blocked", None, "log"), ("a", "in_progress", "in_progress", "ada", "log")]
    assert doc["tasks"][1]["title"] == "Parse the \x1b[31mCSV\x1b[0m"  # JSON keeps the stored text
    assert doc["event_id"] == 4 and doc["complete"] is True


def test_the_swarm_at_a_moment_as_text_shows_db_text_literally(cli, tmp_path):
    path = str(tmp_path / "h.db")
    history_db(path)
    done = cli("replay", "--db", path, "--at", f"{T0 + 135:.0f}")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "after audit event #6" in lines[0]
    assert lines[1] == "tasks   2: 1 claimed, 1 completed"
    assert any(line.startswith("b ") and "claimed" in line and "bob\\x07" in line for line in lines)
    assert any("Parse the \\x1b[31mCSV\\x1b[0m" in line for line in lines)
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout


def test_the_changes_between_two_moments(cli, tmp_path):
    path = str(tmp_path / "h.db")
    history_db(path)
    done = cli("replay", "--db", path, "--between", str(T0 + 30), str(T0 + 200), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["schema"] == "jetpack-tui/replay-diff" and doc["events_total"] == 5
    assert doc["by_kind"] == {"claims": 2, "starts": 1, "completions": 1, "operator": 1}
    assert [(m["task_id"], m["before"]["status"], m["after"]["status"]) for m in doc["moved"]] == [
        ("a", "pending", "completed")]
    text = cli("replay", "--db", path, "--between", str(T0 + 200), str(T0 + 30), "--limit", "2").stdout
    assert "events  5: 2 claims" in text and "… 3 more event(s)" in text and "moved   1 task(s)" in text


def test_relative_times_and_the_negative_value_form(cli, tmp_path):
    path = str(tmp_path / "live.db")
    with create_local_data_layer(path) as dl:
        dl.tasks.create("now", id="now")
    for value in (["--at", "-2h"], ["--at=-30m"], ["--at", "now"], ["--at", "1h ago"], ["--between", "-1h", "now"]):
        done = cli("replay", "--db", path, *value, "--json")
        assert done.returncode == 0, (value, done.stderr)
    assert json.loads(cli("replay", "--db", path, "--at", "-2h", "--json").stdout)["tasks"] == []
    assert [t["id"] for t in json.loads(cli("replay", "--db", path, "--at", "now", "--json").stdout)["tasks"]] == ["now"]


def test_bad_times_are_one_line_and_exit_2(cli, tmp_path):
    path = str(tmp_path / "h.db")
    history_db(path)
    for value in ("yesterday", "2026-13-45", "-2x", "", "\x1b[2J"):
        done = cli("replay", "--db", path, "--at", value)
        assert done.returncode == 2, value
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("jetpack-tui: ") and "\x1b" not in done.stderr
    missing = cli("replay", "--db", str(tmp_path / "nope.db"), "--at", "now")
    assert missing.returncode == 2 and "no such database" in missing.stderr
    assert cli("replay", "--db", path).returncode == 2  # --at or --between is required
