"""The local backend: one libSQL file (``.jetpack/jetpack.db`` by default)."""

from __future__ import annotations

import os

from . import changes
from .changes import ChangeSet
from .context import StoreContext
from .engine import Engine
from .models import Liveness
from .agents import Agents
from .leases import Leases
from .messages import Messages
from .memories import Memories
from .reservations import Reservations
from .store import open_engine
from .tasks import Tasks

DEFAULT_PATH = os.path.join(".jetpack", "jetpack.db")


class LocalDataLayer:
    """All sub-interfaces over one file; safe to use from any thread."""

    mode = "local"

    def __init__(self, engine: Engine, ctx: StoreContext, *, embedder=None) -> None:
        self._engine = engine
        self.context = ctx
        self.tasks = Tasks(ctx)
        self.agents = Agents(ctx)
        self.leases = Leases(ctx)
        self.messages = Messages(ctx)
        self.reservations = Reservations(ctx)
        self.memories = Memories(ctx, embedder=embedder)

    @property
    def location(self) -> str:
        return self._engine.path

    @property
    def read_only(self) -> bool:
        return self._engine.read_only

    @property
    def engine(self) -> Engine:
        return self._engine

    def changes_since(self, cursor: int | None) -> tuple[ChangeSet, int]:
        return self._engine.read(lambda tx: changes.changes_since(tx, cursor))

    def change_cursor(self) -> int:
        return self._engine.read(changes.current_cursor)

    def data_version(self) -> int:
        return int(self._engine.value("PRAGMA data_version") or 0)

    def schema_version(self) -> int:
        return int(self._engine.value("SELECT value FROM jetpack_meta WHERE key = 'schema_version'") or 0)

    def close(self) -> None:
        self._engine.close()

    @property
    def closed(self) -> bool:
        return self._engine.closed

    def __enter__(self) -> "LocalDataLayer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<LocalDataLayer {self._engine.path!r}{' read-only' if self.read_only else ''}>"


def create_local_data_layer(
    path: str | os.PathLike[str] = DEFAULT_PATH,
    *,
    read_only: bool = False,
    liveness: Liveness | None = None,
    lease_ttl: float = 120.0,
    retry_base: float = 2.0,
    busy_deadline: float = 10.0,
    embedder=None,
    single_thread: bool = False,
) -> LocalDataLayer:
    """Open (creating and upgrading as needed) the database at ``path``.

    ``single_thread=True`` is for agents that are one loop: queries run on the
    calling thread (faster claims) and other threads are refused.  The
    default runs them on a private database thread, safe from any thread.
    """
    engine = open_engine(os.fspath(path), read_only=read_only, busy_deadline=busy_deadline,
                         single_thread=single_thread)
    ctx = StoreContext(engine=engine, liveness=liveness or Liveness(), lease_ttl=lease_ttl,
                       retry_base=retry_base)
    return LocalDataLayer(engine, ctx, embedder=embedder)
