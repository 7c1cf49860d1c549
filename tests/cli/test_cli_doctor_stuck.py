"""``jetpack-tui doctor`` reports work that can never run (issue 12, hole 6).

The odd values are written with stdlib sqlite3 in another process, as a
foreign client would (the DataLayer refuses them)."""

from __future__ import annotations

import json
import subprocess
import sys


from jetpack_tui.data import create_local_data_layer

FOREIGN = """
import sqlite3, sys, time
now = time.time()
conn = sqlite3.connect(sys.argv[1])
conn.execute("UPDATE agents SET heartbeat_at = ? WHERE id = 'ghoul'", (now + 30 * 86400,))
conn.execute("UPDATE tasks SET dependencies = '[\\"q\\"]' WHERE id = 'p'")
conn.execute("UPDATE tasks SET available_at = ? WHERE id = 'far'", (now + 10 * 86400,))
conn.execute("UPDATE tasks SET lease_expires_at = ? WHERE id = 'held'", (now + 400 * 86400,))
conn.commit()
"""


def stuck_database(path: str) -> None:
    with create_local_data_layer(path) as dl:
        dl.agents.register("ada", skills=["python"])
        dl.agents.register("ghoul", skills=["python"])
        dl.tasks.create("needs cobol", id="cobol\x1b[31m", required_skills=["cobol"])
        dl.tasks.create("p", id="p")
        dl.tasks.create("q", id="q", dependencies=["p"])
        dl.tasks.create("far", id="far")
        dl.tasks.create("held", id="held")
        dl.tasks.claim("ghoul", "held")
    subprocess.run([sys.executable, "-c", FOREIGN, path], check=True)


def test_stuck_work_needs_attention(cli, tmp_path):
    path = str(tmp_path / "stuck.db")
    stuck_database(path)
    done = cli("doctor", "--db", path, "--json")
    assert done.returncode == 3, done.stdout
    findings = [f for f in json.loads(done.stdout)["findings"] if f["check"] == "stuck"]
    by_column = {f["column"]: f for f in findings if f["table"] == "tasks"}
    assert {k: v["count"] for k, v in by_column.items()} == {
        "skills_unregistered": 1, "available_far_future": 1, "dependency_cycle": 2,
        "owner_immortal": 1, "lease_absurd": 1}
    assert by_column["skills_unregistered"]["examples"] == ["cobol\\x1b[31m: no registered agent has cobol"]
    assert all(f["severity"] == "warning" for f in findings)
    assert [f["message"] for f in findings if f["table"] == "agents"][0].startswith("agent ghoul: heartbeat ")
    text = cli("doctor", "--db", path).stdout
    assert "WARN   1 task(s) need skills no registered agent has" in text
    assert "WARN   2 task(s) are on a dependency cycle" in text
    assert "\x1b" not in text


def test_a_swarm_that_can_run_has_no_stuck_work(cli, tmp_path):
    path = str(tmp_path / "fine.db")
    with create_local_data_layer(path) as dl:
        dl.agents.register("ada", skills=["python"])
        dl.tasks.create("a", id="a", required_skills=["python"])
        dl.tasks.create("b", id="b", dependencies=["a"])
    done = cli("doctor", "--db", path, "--json")
    assert done.returncode == 0, done.stdout
    ok = [f for f in json.loads(done.stdout)["findings"] if f["check"] == "stuck"]
    assert [(f["severity"], f["message"]) for f in ok] == [("ok", "no stuck work (2 unfinished task(s) checked)")]
