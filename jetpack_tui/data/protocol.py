"""The DataLayer interface (as in the seed: an interface, not a class).

Any backend — the local libSQL file, a Turso replica — implements it, so
agents and the dashboard never depend on which one they were given.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .changes import ChangeSet


@runtime_checkable
class DataLayer(Protocol):
    tasks: Any  # jetpack_tui.data.tasks.Tasks
    agents: Any  # jetpack_tui.data.agents.Agents
    leases: Any  # jetpack_tui.data.leases.Leases
    messages: Any  # jetpack_tui.data.messages.Messages
    reservations: Any  # jetpack_tui.data.reservations.Reservations
    memories: Any  # jetpack_tui.data.memories.Memories
    settings: Any  # jetpack_tui.data.settings.StoredSettings

    @property
    def mode(self) -> str:
        """``"local"`` or ``"turso"``."""

    @property
    def location(self) -> str:
        """Where the data lives, safe to show (a path or a host, never a token)."""

    @property
    def read_only(self) -> bool: ...

    def changes_since(self, cursor: int | None) -> tuple[ChangeSet, int]:
        """Rows changed since ``cursor`` and the cursor to pass next time."""

    def data_version(self) -> int:
        """A number that changes when another connection commits (cheap)."""

    def schema_version(self) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> "DataLayer": ...

    def __exit__(self, *exc: object) -> None: ...
