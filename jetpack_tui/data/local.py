"""The local backend: one libSQL file (``.jetpack/jetpack.db`` by default)."""

from __future__ import annotations

import os

from .context import StoreContext
from .layer_base import DataLayerBase
from .models import Liveness
from .store import open_engine

DEFAULT_PATH = os.path.join(".jetpack", "jetpack.db")


class LocalDataLayer(DataLayerBase):
    """All sub-interfaces over one file; safe to use from any thread."""

    mode = "local"

    def data_version(self) -> int:
        """Changes when another connection commits (not for this one's own commits)."""
        return int(self._engine.value("PRAGMA data_version") or 0)


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

    Queries run on the calling thread, one at a time (the engine's lock), so
    the default is safe from any thread.  ``single_thread=True`` is a checked
    promise for agents that are one loop: other threads are refused.
    ``liveness`` overrides the database's stored rule for this layer only
    (``None``: the stored one, see :mod:`.settings`).
    """
    engine = open_engine(os.fspath(path), read_only=read_only, busy_deadline=busy_deadline,
                         single_thread=single_thread)
    ctx = StoreContext(engine=engine, liveness=liveness, lease_ttl=lease_ttl,
                       retry_base=retry_base)
    return LocalDataLayer(engine, ctx, embedder=embedder)
