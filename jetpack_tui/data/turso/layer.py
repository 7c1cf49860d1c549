"""Turso mode: a local replica kept in sync with a Turso primary.

``create_turso_data_layer()`` gives the same DataLayer as local mode (the
same sub-interface classes over a :class:`~.engine.TursoEngine`), plus
``sync()``, ``on_sync(callback)`` and ``sync_status()`` so a screen can
refresh after each sync and say how fresh its data is.

The auth token is held only by the Hrana client and in a closure handed to
pyturso: it never appears in a repr, a location, an error or a log line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from .. import clock
from ..context import StoreContext
from ..layer_base import DataLayerBase
from ..errors import InvalidInputError, PrimaryUnavailableError, SchemaMismatchError, StorageError
from ..models import Liveness
from ..schema import latest_version
from ..store import installed_version
from .engine import TursoEngine
from .hrana import HranaClient, HranaError, PrimaryUnreachable
from .hrana_wire import base_url, normalize_url, shown_url
from .outbox import Outbox
from .primary import PrimarySession
from .primary_schema import prepare_primary
from .status import SyncCallback, SyncReport, SyncState, SyncStatus
from .sync_loop import SyncLoop

DEFAULT_REPLICA = os.path.join(".turso", "local.db")
URL_ENV = "TURSO_DATABASE_URL"
TOKEN_ENV = "TURSO_AUTH_TOKEN"


class TursoDataLayer(DataLayerBase):
    """All sub-interfaces over a replica; safe to use from any thread."""

    mode = "turso"

    def __init__(self, engine: TursoEngine, ctx: StoreContext, *, embedder=None) -> None:
        super().__init__(engine, ctx, embedder=embedder)
        self._state = engine.state
        self._loop: SyncLoop | None = None

    @property
    def location(self) -> str:
        return f"{self._engine.where} (replica {self._engine.path})"

    def data_version(self) -> int:
        """Grows each time a pull brought changes (pyturso has no ``PRAGMA data_version``)."""
        return self._engine.run(lambda: self._engine.data_version)

    # -- sync ---------------------------------------------------------------------
    def sync(self) -> SyncReport:
        """Push queued writes, pull remote changes, report (and tell subscribers)."""
        started, t0 = clock.now(), time.perf_counter()
        pulled, pushed, error = self._engine.sync_once()
        report = self._state.record(started, time.perf_counter() - t0, pulled, pushed, error)
        self._state.notify(report)
        return report

    def on_sync(self, callback: SyncCallback) -> Callable[[], None]:
        """Call ``callback(report)`` after every sync (on the syncing thread);
        returns a function that unsubscribes."""
        return self._state.subscribe(callback)

    def sync_status(self) -> SyncStatus:
        return self._state.snapshot()

    def start_sync_loop(self, interval: float) -> None:
        """Sync every ``interval`` seconds in the background.  While it runs,
        writes made when the primary is down never wait for it: the loop
        notices when it is back (within ``interval``)."""
        if self._loop is None and interval and interval > 0:
            self._engine.retry_offline_after = float("inf")
            self._loop = SyncLoop(self.sync, interval)
            self._loop.start()

    # -- lifetime -------------------------------------------------------------------
    def close(self) -> None:
        if self._loop is not None:
            self._loop.stop()
        self._engine.close()

    def __repr__(self) -> str:
        # location names the host only: the token never appears.
        return f"<TursoDataLayer {self.location}{' read-only' if self.read_only else ''}>"


def _replica_schema(engine: TursoEngine) -> None:
    version = engine.read(lambda tx: installed_version(tx, engine.path))
    if version != latest_version():
        raise SchemaMismatchError(f"{engine.path}: the replica has schema version {version}, "
                                  f"this jetpack-tui needs {latest_version()}")


def create_turso_data_layer(
    url: str | None = None,
    auth_token: str | None = None,
    *,
    replica_path: str | os.PathLike[str] = DEFAULT_REPLICA,
    sync_interval: float | None = 1.0,
    read_only: bool = False,
    liveness: Liveness | None = None,
    lease_ttl: float = 120.0,
    retry_base: float = 2.0,
    busy_deadline: float = 10.0,
    timeout: float = 5.0,
    embedder=None,
) -> TursoDataLayer:
    """Open (bootstrapping if needed) the replica at ``replica_path`` of the
    primary at ``url`` (default ``$TURSO_DATABASE_URL``, token
    ``$TURSO_AUTH_TOKEN``), migrating the primary first.  ``sync_interval``
    seconds between background syncs (``None``/0: only ``dl.sync()``);
    ``timeout``: seconds to wait for the primary per request;
    ``busy_deadline``: seconds a write waits for another writer, or retries
    while the replica catches up, before :class:`StorageBusyError`.
    ``read_only``: writes are refused and the primary is only checked, never
    migrated (the replica still syncs).

    With the primary unreachable an existing replica opens offline (stale,
    writes queue); a new one cannot be created.
    """
    url = url or os.environ.get(URL_ENV)
    if not url:
        raise InvalidInputError(f"no Turso database URL: pass url= or set ${URL_ENV}")
    try:
        query_token = normalize_url(url)[4]
    except ValueError as error:
        raise InvalidInputError(f"invalid Turso URL {shown_url(url)!r}: {error}") from None
    token = auth_token if auth_token is not None else os.environ.get(TOKEN_ENV) or None
    token = token or query_token  # or ?authToken= in the URL
    client = HranaClient(url, token, timeout=timeout)
    where = base_url(url)
    session = PrimarySession(client, where=where, busy_deadline=busy_deadline)
    path = os.fspath(replica_path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    state = SyncState()
    try:
        prepare_primary(session, where, read_only=read_only)
    except PrimaryUnreachable as error:
        if not os.path.exists(path):
            raise PrimaryUnavailableError(f"cannot create the replica {path}: the primary at {where} is "
                                          f"unreachable ({client.redact(str(error))})") from None
        state.contact_failed(client.redact(str(error)), clock.now())
    except HranaError as error:  # refused (401), not a Hrana server (404), protocol trouble
        raise StorageError(f"{where}: {client.redact(str(error))}") from None
    engine = TursoEngine(path, session=session, remote_url=where,
                         auth_token=(lambda: token) if token else None,
                         outbox=Outbox(path + ".outbox.jsonl"), state=state,
                         sync_timeout=max(timeout * 2, 1.0),
                         retry_offline_after=min(sync_interval or 1.0, 1.0), read_only=read_only)
    try:
        if state.snapshot().online:
            pulled, pushed, error = engine.sync_once()
            state.record(clock.now(), 0.0, pulled, pushed, error)
        _replica_schema(engine)
        ctx = StoreContext(engine=engine, liveness=liveness, lease_ttl=lease_ttl,
                           retry_base=retry_base)
        layer = TursoDataLayer(engine, ctx, embedder=embedder)
    except BaseException:
        engine.close()
        raise
    layer.start_sync_loop(sync_interval or 0)
    return layer
