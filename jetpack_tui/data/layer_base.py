"""What every DataLayer backend shares: the sub-interfaces over one engine,
the change feed, and the lifetime (close, context manager).

A backend (local file, Turso replica) supplies the engine and whatever is
its own (``location``, ``data_version``, sync); the sub-interface classes are
the same everywhere, so the contract tests run unchanged in both modes.
"""

from __future__ import annotations

from typing import Any

from . import changes
from .agents import Agents
from .changes import ChangeSet
from .context import StoreContext
from .leases import Leases
from .memories import Memories
from .messages import Messages
from .reservations import Reservations
from .settings import StoredSettings
from .tasks import Tasks


class DataLayerBase:
    mode = ""

    def __init__(self, engine: Any, ctx: StoreContext, *, embedder=None) -> None:
        self._engine = engine
        self.context = ctx
        self.tasks = Tasks(ctx)
        self.agents = Agents(ctx)
        self.leases = Leases(ctx)
        self.messages = Messages(ctx)
        self.reservations = Reservations(ctx)
        self.memories = Memories(ctx, embedder=embedder)
        self.settings = StoredSettings(ctx)

    @property
    def location(self) -> str:
        return self._engine.path

    @property
    def read_only(self) -> bool:
        return self._engine.read_only

    @property
    def engine(self) -> Any:
        return self._engine

    def changes_since(self, cursor: int | None) -> tuple[ChangeSet, int]:
        return self._engine.read(lambda tx: changes.changes_since(tx, cursor))

    def change_cursor(self) -> int:
        return self._engine.read(changes.current_cursor)

    def schema_version(self) -> int:
        return int(self._engine.value("SELECT value FROM jetpack_meta WHERE key = 'schema_version'") or 0)

    def close(self) -> None:
        self._engine.close()

    @property
    def closed(self) -> bool:
        return self._engine.closed

    def __enter__(self) -> "DataLayerBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location!r}{' read-only' if self.read_only else ''}>"
