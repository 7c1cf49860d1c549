"""``jetpack-tui serve``'s arguments: what each browser session runs, and
the one-line refusals (missing database, --db with --demo, a busy port)."""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import subprocess
import sys

import pytest

from jetpack_tui.cli import build_parser, discover_commands
from jetpack_tui.commands._cli_support import CommandError
from jetpack_tui.commands.serve import dashboard_command


def _args(*argv: str) -> argparse.Namespace:
    args = build_parser(discover_commands()).parse_args(list(argv))
    args.settings = None
    return args


def _serve(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env.pop("TURSO_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "jetpack_tui", "serve", *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_each_session_runs_the_dashboard_on_the_absolute_database_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TURSO_DATABASE_URL", raising=False)
    (tmp_path / "my db.db").write_bytes(b"")
    argv = shlex.split(dashboard_command(_args("--read-only", "--theme", "nord", "serve", "--db", "my db.db")))
    assert argv[:3] == [sys.executable, "-m", "jetpack_tui"]
    assert argv[argv.index("--db") + 1] == str(tmp_path / "my db.db")
    assert "--read-only" in argv and argv[argv.index("--theme") + 1] == "nord"


def test_a_turso_url_is_never_on_the_command_line(monkeypatch):
    monkeypatch.delenv("TURSO_DATABASE_URL", raising=False)
    url = "libsql://db.example.invalid?authToken=secret-token"
    command = dashboard_command(_args("--turso-url", url, "serve"))
    assert "secret-token" not in command and "example.invalid" not in command
    assert "--db" not in command  # Turso mode: the session opens the replica the settings name


def test_demo_sessions_each_run_their_own_swarm():
    argv = shlex.split(dashboard_command(_args("serve", "--demo")))
    assert argv == [sys.executable, "-m", "jetpack_tui", "demo"]


def test_db_and_demo_together_are_refused():
    with pytest.raises(CommandError, match="cannot be used together"):
        dashboard_command(_args("--db", "x.db", "serve", "--demo"))


def test_a_missing_database_is_one_line_and_exit_2(tmp_path):
    done = _serve(tmp_path, "--db", "nope.db", "--port", "1")
    assert done.returncode == 2
    assert done.stderr == f"jetpack-tui: {tmp_path / 'nope.db'}: no such database file (make one with: " \
                          "jetpack-tui seed --db PATH)\n"
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_bad_port_is_refused(tmp_path, port):
    done = _serve(tmp_path, "--demo", "--port", port)
    assert done.returncode == 2 and "--port must be between 1 and 65535" in done.stderr


def test_a_busy_port_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "demo.db").write_bytes(b"")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve(tmp_path, "--db", "demo.db", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.startswith(f"jetpack-tui: 127.0.0.1:{port}: ") and done.stderr.count("\n") == 1
    assert "address already in use" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
