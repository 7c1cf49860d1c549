"""``jetpack-tui seed``: writes a deterministic demo database, refuses to clobber."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
import sys

from jetpack_tui.data import create_local_data_layer


def _dump(path) -> list[str]:
    """Every row of the Jetpack tables (not jetpack_meta: its stamps are real time)."""
    with sqlite3.connect(path) as conn:
        return [line for line in conn.iterdump() if "jetpack_meta" not in line]


def test_seed_writes_a_database_the_datalayer_reads(cli, tmp_path):
    done = cli("seed", "--db", "demo.db", "--tasks", "40", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("seeded demo.db: 40 tasks, 8 agents, ")
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    with create_local_data_layer(str(tmp_path / "demo.db"), read_only=True) as dl:
        assert dl.tasks.count() == 40
        assert {a.id for a in dl.agents.list()} >= {"ada", "dennis"}


def test_same_arguments_give_identical_rows_and_other_seeds_differ(cli, tmp_path):
    for name, seed in (("a.db", "7"), ("b.db", "7"), ("c.db", "8")):
        assert cli("seed", "--db", name, "--tasks", "80", "--seed", seed, "--epoch").returncode == 0
    a, b, c = (_dump(tmp_path / n) for n in ("a.db", "b.db", "c.db"))
    assert a == b
    assert a != c
    assert any("task_events" in line for line in a)


def test_refuses_an_existing_file_unless_forced(cli, tmp_path):
    assert cli("seed", "--db", "demo.db", "--tasks", "5").returncode == 0
    done = cli("seed", "--db", "demo.db")
    assert done.returncode == 2
    assert done.stderr == "jetpack-tui: demo.db: already exists (pass --force to replace it)\n"
    done = cli("seed", "--db", "demo.db", "--tasks", "20", "--force", "--json")
    assert done.returncode == 0
    manifest = json.loads(done.stdout)
    assert manifest["tasks"] == 20 and manifest["agents"]["dennis"] == "dead"


def test_bad_arguments_and_unusable_paths_exit_2_without_traceback(cli, tmp_path):
    assert cli("seed").returncode == 2
    assert cli("seed").stderr == "jetpack-tui: seed needs --db PATH (the file to create)\n"
    assert cli("seed", "--db", "x.db", "--tasks", "-1").returncode == 2
    (tmp_path / "plain-file").write_text("")
    done = cli("seed", "--db", "plain-file/x.db")
    assert done.returncode == 2
    assert done.stderr.startswith("jetpack-tui: plain-file/x.db: ") and done.stderr.count("\n") == 1


def test_a_terminal_gets_a_progress_bar_on_stderr(tmp_path):
    primary, secondary = pty.openpty()
    env = {**os.environ, "HOME": str(tmp_path), "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "jetpack_tui", "seed", "--db", "big.db", "--tasks", "6000"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=secondary,
                               stdin=subprocess.DEVNULL)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    out, _ = process.communicate(timeout=60)
    os.close(primary)
    assert process.returncode == 0
    assert b"seeding" in shown and b"Traceback" not in shown
    assert out.startswith(b"seeded big.db: 6000 tasks")
