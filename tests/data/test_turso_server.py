"""Finding Turso's ``tursodb`` binary and running its sync server for tests
and benches (``jetpack_tui.data.turso.server``); a missing binary is a test
FAILURE, not a skip."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from jetpack_tui.data.turso import server as turso_server
from jetpack_tui.data.turso.hrana import HranaClient
from jetpack_tui.data.turso.server import find_tursodb, run_sync_server


def _require_tursodb() -> str:
    exe = find_tursodb()
    if exe is None:
        pytest.fail(turso_server.not_found_message(), pytrace=False)
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_find_tursodb_honours_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = _require_tursodb()
    monkeypatch.setenv(turso_server.ENV_VAR, real)
    assert find_tursodb() == real
    monkeypatch.setenv(turso_server.ENV_VAR, str(tmp_path / "missing"))
    assert find_tursodb() is None
    script = tmp_path / "tursodb"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    monkeypatch.setenv(turso_server.ENV_VAR, str(script))
    assert find_tursodb() is None  # wrappers/scripts are not the native binary
    assert all(isinstance(p, Path) for p in turso_server.TURSODB_SEARCH_PATHS)


def test_run_sync_server_stops_process_by_pid(tmp_path: Path) -> None:
    exe = _require_tursodb()
    port = _free_port()
    with run_sync_server(tmp_path / "s.db", port=port, binary=exe) as url:
        assert url == f"http://127.0.0.1:{port}"
        assert HranaClient(url).execute("SELECT 42") == [(42,)]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert os.path.exists(tmp_path / "s.db")
