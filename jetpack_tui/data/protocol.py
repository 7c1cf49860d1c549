"""The DataLayer interface (as in the seed: an interface, not a class).

Any backend — the local libSQL file, a Turso replica — implements it, so
agents and the dashboard never depend on which one they were given.  The
sub-interfaces are the same classes in every backend, so they are typed
with those classes; what only a Turso replica has (sync reports) is a
second protocol, :class:`SyncingDataLayer`, told apart with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .changes import ChangeSet

if TYPE_CHECKING:  # the classes import the engine; the protocol stays light
    from .agents import Agents
    from .backend import Engine
    from .leases import Leases
    from .memories import Memories
    from .messages import Messages
    from .reservations import Reservations
    from .settings import StoredSettings
    from .tasks import Tasks


@runtime_checkable
class DataLayer(Protocol):
    tasks: Tasks
    agents: Agents
    leases: Leases
    messages: Messages
    reservations: Reservations
    memories: Memories
    settings: StoredSettings

    @property
    def mode(self) -> str:
        """``"local"`` or ``"turso"``."""

    @property
    def location(self) -> str:
        """Where the data lives, safe to show (a path or a host, never a token)."""

    @property
    def read_only(self) -> bool: ...

    @property
    def engine(self) -> Engine:
        """The one connection (and its lock) every sub-interface uses."""

    def changes_since(self, cursor: int | None) -> tuple[ChangeSet, int]:
        """Rows changed since ``cursor`` and the cursor to pass next time."""

    def change_cursor(self) -> int:
        """The cursor of the newest change (one primary-key lookup)."""

    def data_version(self) -> int:
        """A number that changes when another connection commits (cheap)."""

    def schema_version(self) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> "DataLayer": ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class SyncingDataLayer(DataLayer, Protocol):
    """A replica that syncs with a primary (Turso mode): it reports each sync."""

    def on_sync(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``callback(report)`` after every sync; returns the unsubscribe function."""

    def sync_status(self) -> Any:
        """A snapshot: ``last_ok_at``, ``last_error``, ``stale``, ``queued`` …"""
