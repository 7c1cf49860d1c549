"""Where insight reads from: anything that answers ``rows(sql, params)``.

The dashboard reads through its DataLayer's engine (libSQL file or Turso
replica), ``jetpack-tui doctor`` through stdlib ``sqlite3`` in read-only mode
(it must look at files the DataLayer refuses).  Both hand the analysis a
:class:`Reader`, so one implementation serves both and nothing here knows a
driver.  Only plain SQL is used (no recursive CTEs: Turso's server has none;
graph walks happen in Python).

libSQL holds the GIL while a query runs, so in the dashboard process no
query may grow with the table: :func:`scan_by_rowid` reads a table in rowid
windows, each query touching at most ``window`` rows.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from ..jsonvalues import as_text as text  # noqa: F401 - the one lenient text reader, re-exported for insight

#: Rows one windowed query may touch (a few ms of C, whatever the table size).
ROWID_WINDOW = 20_000
#: Characters JSON forbids raw inside a string.
_CONTROL = re.compile("[\x00-\x1f]")
#: Ids per ``IN (SELECT value FROM json_each(?))`` lookup.
ID_CHUNK = 500


class Reader(Protocol):
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...


class EngineReader:
    """A DataLayer engine as a :class:`Reader`: each query takes the engine's
    lock on its own, so a long analysis never blocks an operator action for
    longer than one query."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._engine.rows(sql, tuple(params))


class ConnectionReader:
    """A DB-API connection (stdlib ``sqlite3``) as a :class:`Reader`."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._conn.execute(sql, tuple(params)).fetchall()


def reader_of(source: Any) -> Reader:
    """A DataLayer, an engine, a DB-API connection or a Reader, as a Reader."""
    if hasattr(source, "engine") and hasattr(source, "tasks"):
        return EngineReader(source.engine)
    if hasattr(source, "read") and hasattr(source, "rows") and hasattr(source, "write"):
        return EngineReader(source)
    if hasattr(source, "execute") and not hasattr(source, "rows"):
        return ConnectionReader(source)
    return source


def scan_by_rowid(reader: Reader, table: str, columns: str, where: str = "1", params: Sequence[Any] = (),
                  window: int = ROWID_WINDOW, within: str | None = None) -> Iterator[tuple]:
    """Every row of ``table`` matching ``where``, read in rowid windows.

    ``within`` (an indexed condition) narrows the range first: the windows
    then cover only the rowids of the rows it matches (unfinished tasks are
    mostly the newest).  Give ``where`` with its indexed column disabled
    (``+status``) so each window is a rowid range scan of at most
    ``window`` rows rather than a walk of the whole index.
    ``table``/``columns``/``where`` are our own constants, never input.
    Rows inserted meanwhile may or may not be seen (insight is a view, not a
    transaction); no row is seen twice.
    """
    narrow = f" WHERE {within}" if within else ""
    # One aggregate per query: SQLite answers a lone min()/max() with one seek.
    low = reader.rows(f"SELECT min(rowid) FROM {table}{narrow}")
    high = reader.rows(f"SELECT max(rowid) FROM {table}{narrow}")
    if not low or not high or low[0][0] is None or high[0][0] is None:
        return
    start, last = int(low[0][0]) - 1, int(high[0][0])
    while start < last:
        end = min(start + window, last)
        yield from reader.rows(
            f"SELECT {columns} FROM {table} WHERE rowid > ? AND rowid <= ? AND ({where})",
            (start, end, *params))
        start = end


def by_ids(reader: Reader, select: str, ids: Sequence[str], params: Sequence[Any] = (),
           chunk: int = ID_CHUNK) -> Iterator[tuple]:
    """``select`` (whose first placeholder is the ``json_each(?)`` of
    ``<col> IN (SELECT value FROM json_each(?))``, then ``params``) run over
    ``ids`` in chunks: one bounded query per chunk."""
    for start in range(0, len(ids), chunk):
        yield from reader.rows(select, (json.dumps(list(ids[start:start + chunk])), *params))


def number(raw: Any) -> float | None:
    """A REAL column as a float; ``None`` for NULL or anything not numeric
    (which SQL compares as greater than every number)."""
    kind = type(raw)
    if kind is float:
        return raw
    if kind is int:
        return float(raw)
    return None


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects
    (100k tasks read into nodes made it run dozens of times for nothing:
    ~30 % of the read); it is restored, and runs as usual, afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def json_items(raw: Any) -> tuple[str, list[str]]:
    """``(kind, items)`` of a JSON column the way SQL's ``json_each`` sees it.

    ``kind`` is ``"null"`` (SQL NULL), ``"array"``, ``"object"`` (items are
    its values), ``"scalar"`` (the item is itself) or ``"invalid"`` (not JSON:
    no items).  Non-text items are read as their JSON text, as SQL compares
    them.  Callers decide what each kind means (the claim reads an object's
    values as skills, but a non-array dependency list as never ready).
    """
    if raw is None:
        return "null", []
    value_text = text(raw) or ""
    if (len(value_text) >= 4 and value_text.startswith('["') and value_text.endswith('"]') and "\\" not in value_text
            and not _CONTROL.search(value_text)):
        # A list of plain strings (compact, as the DataLayer writes it, or with
        # ", "), no escapes and no control characters: no parser needed.
        items = value_text[2:-2].replace('", "', '","').split('","')
        if not any('"' in item for item in items):
            return "array", items
    try:
        value = json.loads(value_text)
    except (ValueError, RecursionError):
        return "invalid", []
    if isinstance(value, list):
        kind, items = "array", value
    elif isinstance(value, dict):
        kind, items = "object", list(value.values())
    else:
        kind, items = "scalar", [value]
    return kind, [item if isinstance(item, str) else json.dumps(item) for item in items]
