"""Typed errors of the DataLayer.

Every failure a caller can act on has its own class under :class:`JetpackError`,
so agents can ``except ConflictError`` without parsing messages.  The libSQL
binding reports everything as ``ValueError`` (and a closed connection as a Rust
panic); :mod:`jetpack_tui.data.engine` translates those so they never reach
callers.
"""

from __future__ import annotations

from typing import Any


class JetpackError(Exception):
    """Base class of every error the DataLayer raises on purpose."""


class NotFoundError(JetpackError):
    """The row named by the caller does not exist."""


class InvalidInputError(JetpackError, ValueError):
    """The caller passed something the DataLayer refuses to store."""


class ConflictError(JetpackError):
    """The row is no longer in the state the caller expected.

    ``current`` carries the row as it is now (a dataclass, or ``None`` when
    it vanished) so a screen can show the operator what changed.
    """

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class StaleLeaseError(ConflictError):
    """A worker acted with a lease token that is no longer the current one."""


class SchemaMismatchError(JetpackError):
    """The database file is not one this version can open safely."""


class StorageBusyError(JetpackError):
    """The database stayed locked by another process past the retry budget."""


class StorageError(JetpackError):
    """Any other failure of the storage engine (disk full, I/O, corruption)."""


class ReadOnlyError(JetpackError):
    """A write was attempted on a DataLayer opened read-only."""


class ClosedError(JetpackError):
    """The DataLayer was used after :meth:`close`."""


class PrimaryUnavailableError(StorageError):
    """Turso mode: the primary cannot be reached, so a compare-and-swap change
    (claims and other ownership changes) cannot be decided and is refused."""
