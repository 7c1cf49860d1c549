"""The two contracts every storage backend meets: a transaction and an engine.

The sub-interfaces (``dl.tasks``, ``dl.agents`` …) are written once against
these protocols, and each backend supplies sibling implementations: the
local libSQL file (:class:`jetpack_tui.data.engine.LocalEngine`) and the
Turso replica with its primary (:mod:`jetpack_tui.data.turso`).  Nothing
here knows SQL dialects or drivers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")
Params = Sequence[Any]


@runtime_checkable
class Tx(Protocol):
    """What work running inside a read or a transaction uses to talk SQL."""

    def rows(self, sql: str, params: Params = ()) -> list[tuple]: ...

    def row(self, sql: str, params: Params = ()) -> tuple | None: ...

    def value(self, sql: str, params: Params = ()) -> Any: ...

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""

    def executemany(self, sql: str, seq: Sequence[Params]) -> None: ...


class TxBase:
    """The derived half of :class:`Tx`: ``row``, ``value`` and
    ``executemany`` from ``rows`` and ``execute``, written once."""

    __slots__ = ()

    def rows(self, sql: str, params: Params = ()) -> list[tuple]:  # pragma: no cover - abstract
        raise NotImplementedError

    def execute(self, sql: str, params: Params = ()) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def row(self, sql: str, params: Params = ()) -> tuple | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params = ()) -> Any:
        found = self.row(sql, params)
        return found[0] if found else None

    def executemany(self, sql: str, seq: Sequence[Params]) -> None:
        for params in seq:
            self.execute(sql, params)


@runtime_checkable
class Engine(Protocol):
    """One process's access to one database: reads, and writes that are
    atomic and safe against every other process (and replica)."""

    path: str
    read_only: bool
    busy_deadline: float
    on_busy: Callable[[float], None] | None

    def read(self, fn: Callable[[Tx], T]) -> T:
        """Run read-only work on a consistent view."""

    def write(self, fn: Callable[[Tx], T], *, cas: bool | None = None) -> T:
        """Run ``fn`` as one transaction that holds the write lock from its
        first read (``BEGIN IMMEDIATE`` semantics) or fails without effect."""

    def write_statement(self, sql: str, params: Params = (), *, cas: bool | None = None) -> list[tuple]:
        """ONE self-contained writing statement (a compare-and-swap) and its rows."""

    def rows(self, sql: str, params: Params = ()) -> list[tuple]: ...

    def row(self, sql: str, params: Params = ()) -> tuple | None: ...

    def value(self, sql: str, params: Params = ()) -> Any: ...

    def close(self) -> None: ...

    @property
    def closed(self) -> bool: ...
