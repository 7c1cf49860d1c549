"""Fixtures that run DataLayer tests in both storage modes.

Import what you need into a test module (``from modes import dl_any,
turso_primary``): ``dl_any`` is parametrized over ``local`` (a libSQL file)
and ``turso`` (a replica of a real ``tursodb --sync-server`` primary on
127.0.0.1, fresh per test).  A missing ``tursodb`` binary is a test FAILURE,
never a skip: CI installs it (``.ci/run``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.turso import create_turso_data_layer
from jetpack_tui.data.turso.server import find_tursodb, not_found_message, run_sync_server

TOKEN = "tok-S3CR3T-never-shown-0123456789"


def require_tursodb() -> str:
    exe = find_tursodb()
    if exe is None:
        pytest.fail(not_found_message(), pytrace=False)
    return exe


class Primary:
    """A tursodb sync server on a fixed file and port that a test can stop and
    start again (the same file and port: replicas reconnect to it)."""

    def __init__(self, folder: Path) -> None:
        self.exe = require_tursodb()
        folder.mkdir(parents=True, exist_ok=True)
        self.db_path = str(folder / "primary.db")
        self.url: str | None = None
        self.port: int | None = None
        self._stack: contextlib.ExitStack | None = None

    def start(self) -> str:
        assert self._stack is None, "already running"
        stack = contextlib.ExitStack()
        self.url = stack.enter_context(run_sync_server(self.db_path, port=self.port, binary=self.exe))
        self.port = int(self.url.rsplit(":", 1)[1])
        self._stack = stack
        return self.url

    def stop(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            stack.close()

    @property
    def running(self) -> bool:
        return self._stack is not None


@pytest.fixture
def turso_primary(tmp_path):
    primary = Primary(tmp_path)
    primary.start()
    yield primary
    primary.stop()


def open_replica(primary: Primary, folder: Path, name: str = "replica", **options):
    options.setdefault("sync_interval", None)
    options.setdefault("lease_ttl", 60)
    options.setdefault("retry_base", 0.05)
    return create_turso_data_layer(primary.url, TOKEN, replica_path=str(folder / name / "local.db"), **options)


@pytest.fixture
def turso_dl(turso_primary, tmp_path):
    layer = open_replica(turso_primary, tmp_path)
    yield layer
    layer.close()


@pytest.fixture(params=["local", "turso"])
def dl_any(request, tmp_path):
    """A fresh DataLayer of each mode (the background sync loop is off in
    Turso mode: a writer reads its own writes without it)."""
    if request.param == "local":
        layer = create_local_data_layer(os.path.join(tmp_path, "jetpack", "jetpack.db"),
                                        lease_ttl=60, retry_base=0.05)
        yield layer
        layer.close()
        return
    primary = Primary(tmp_path)
    primary.start()
    layer = open_replica(primary, tmp_path)
    try:
        yield layer
    finally:
        layer.close()
        primary.stop()
