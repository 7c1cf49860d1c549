"""Fixtures that run DataLayer tests in both storage modes.

Import what you need into a test module (``from modes import dl_any,
turso_primary``): ``dl_any`` is parametrized over ``local`` (a libSQL file)
and ``turso`` (a replica of a real ``tursodb --sync-server`` primary on
127.0.0.1, fresh per test).  A missing ``tursodb`` binary is a test FAILURE,
never a skip: CI installs it (``.ci/run``).

Turso tests reach the primary through a recording proxy that answers as a
strict Hrana 3 server (sqld, Turso Cloud) would: a fresh stream per request,
any transaction left open rolled back when the request ends
(``tests/turso/hrana_proxy.py``).  When a fixture ends, every recorded
request is checked (``tests/turso/transaction_check.py``): each transaction
begins and ends in one request, none depends on another's.  With
``JETPACK_TURSO_DIRECT=1`` the tests talk to tursodb itself instead (its own
dialect: ``/v2/pipeline``, no ``close``); ``.ci/run`` does that for its
second run, against the newest tursodb.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.turso import create_turso_data_layer
from jetpack_tui.data.turso.server import find_tursodb, not_found_message, run_sync_server

sys.path.insert(0, str(Path(__file__).parent / "turso"))

from hrana_proxy import RecordingProxy  # noqa: E402 (tests/turso is not a package)
from transaction_check import check  # noqa: E402

TOKEN = "tok-S3CR3T-never-shown-0123456789"
DIRECT_ENV = "JETPACK_TURSO_DIRECT"


def require_tursodb() -> str:
    exe = find_tursodb()
    if exe is None:
        pytest.fail(not_found_message(), pytrace=False)
    return exe


class Primary:
    """A tursodb sync server on a fixed file and port that a test can stop and
    start again (the same file and ports: replicas reconnect to it), behind
    the recording proxy unless ``$JETPACK_TURSO_DIRECT`` is set.  ``url`` is
    what clients use; ``direct_url`` is tursodb itself."""

    def __init__(self, folder: Path, *, proxy: bool | None = None) -> None:
        self.exe = require_tursodb()
        folder.mkdir(parents=True, exist_ok=True)
        self.db_path = str(folder / "primary.db")
        self.use_proxy = not os.environ.get(DIRECT_ENV) if proxy is None else proxy
        self.url: str | None = None
        self.direct_url: str | None = None
        self.port: int | None = None
        self.proxy: RecordingProxy | None = None
        self._proxy_port = 0
        self._stack: contextlib.ExitStack | None = None

    def start(self) -> str:
        assert self._stack is None, "already running"
        stack = contextlib.ExitStack()
        self.direct_url = stack.enter_context(run_sync_server(self.db_path, port=self.port, binary=self.exe))
        self.port = int(self.direct_url.rsplit(":", 1)[1])
        self.url = self.direct_url
        if self.use_proxy:
            records = self.proxy.pipelines if self.proxy is not None else []
            self.proxy = RecordingProxy(self.port, port=self._proxy_port)
            self.proxy.pipelines = records  # one record across restarts
            self._proxy_port = self.proxy.port
            stack.callback(self.proxy.close)
            self.url = self.proxy.url
        self._stack = stack
        return self.url

    def stop(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            stack.close()

    @property
    def running(self) -> bool:
        return self._stack is not None

    def problems(self) -> list[str]:
        """What :func:`transaction_check.check` finds in every request
        recorded so far (nothing without the proxy)."""
        return check(self.proxy.pipelines) if self.proxy is not None else []

    def finish(self) -> None:
        """Stop, then fail the test if any request broke the one-request rules."""
        self.stop()
        problems = self.problems()
        assert not problems, "requests that break the one-request rules:\n" + "\n".join(problems[:20])


@pytest.fixture
def turso_primary(tmp_path):
    primary = Primary(tmp_path)
    primary.start()
    yield primary
    primary.finish()


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
        primary.finish()
