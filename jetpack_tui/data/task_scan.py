"""Bounded reads of the task list: the ``union``, ``window`` and ``sliced``
routes of :mod:`.task_routes`.

libSQL holds the GIL for the whole of a query, so each query here visits a
bounded number of rows (a slice, or statuses × page); between two of them
the other threads of the process — the dashboard's UI — run.  SQL decides
every row and its place: each function returns the rowids of the best
``keep`` (= offset + limit) tasks, best first, and the caller reads the page
from them with the list's own ``ORDER BY``.  Rowids, not ids: a row an
agent wrote with a NULL id is listed like any other.

``terms`` is the list's order, ``(expression over t, "ASC"|"DESC")``.
Separate queries are separate reads: a row that changes meanwhile is read
as it is when its query runs, and the change feed corrects the page as for
any other change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .backend import Engine
from .jsonvalues import dump_json

#: Rows per slice: ~5–15 ms of a query at 1M tasks (a text filter, a sort
#: by a column without an index).
SLICE = 20_000
#: Rows of an order index a window tries first (it needs a quarter of them to match).
WINDOW = 2_000


def _keys(terms: Sequence[tuple[str, str]], alias: str = "") -> tuple[str, str]:
    """``SELECT`` list (rowid as ``r``, each term as ``k<i>``) and the ``ORDER BY`` over them."""
    keys = ", ".join(["t.rowid AS r", *(f"{expression} AS k{i}" for i, (expression, _) in enumerate(terms))])
    order = ", ".join(f"{alias}k{i} {direction}" for i, (_, direction) in enumerate(terms))
    return keys, order


def slices(engine: Engine, size: int = SLICE) -> Iterator[tuple[int, int | None]]:
    """``(first, end)`` rowid ranges (``end`` excluded, ``None``: to the last
    row) of at most ``size`` rows each.  Bounds are found by walking the
    rowids that exist, so a stray rowid of 2**62 costs one slice, not 2**62
    / size of them."""
    first = engine.value("SELECT min(rowid) FROM tasks")
    while first is not None:
        end = engine.value("SELECT rowid FROM tasks WHERE rowid >= ? ORDER BY rowid LIMIT 1 OFFSET ?",
                           (first, size))
        yield int(first), (None if end is None else int(end))
        first = end


def _in_slice(first: int, end: int | None) -> tuple[str, list[Any]]:
    if end is None:
        return "t.rowid >= ?", [first]
    return "t.rowid >= ? AND t.rowid < ?", [first, end]


def sliced_count(engine: Engine, condition: str, params: Sequence[Any], size: int = SLICE) -> int:
    """``count(*)`` of the tasks matching ``condition`` (SQL over ``t``), one slice at a time."""
    total = 0
    for first, end in slices(engine, size):
        bounds, bound_params = _in_slice(first, end)
        total += int(engine.value(f"SELECT count(*) FROM tasks t NOT INDEXED WHERE {bounds} AND ({condition})",
                                  [*bound_params, *params]) or 0)
    return total


def sliced_page(engine: Engine, condition: str, params: Sequence[Any], terms: Sequence[tuple[str, str]],
                keep: int, size: int = SLICE) -> list[int]:
    """Each slice's best ``keep`` together with the best so far, re-ranked by SQL."""
    keys, order = _keys(terms)
    best: list[int] = []
    for first, end in slices(engine, size):
        bounds, bound_params = _in_slice(first, end)
        sql = (f"SELECT r FROM (SELECT * FROM (SELECT {keys} FROM tasks t NOT INDEXED"
               f" WHERE {bounds} AND ({condition}) ORDER BY {order} LIMIT ?)"
               f" UNION SELECT {keys} FROM json_each(?) AS j CROSS JOIN tasks t ON t.rowid = j.value"
               f" WHERE {condition}) ORDER BY {order} LIMIT ?")
        rows = engine.rows(sql, [*bound_params, *params, keep, dump_json(best, what="rowids"), *params, keep])
        best = [int(row[0]) for row in rows]
    return best


def window_page(engine: Engine, index: str | None, inner: str, inner_params: Sequence[Any], condition: str,
                params: Sequence[Any], terms: Sequence[tuple[str, str]], keep: int,
                size: int = SLICE) -> list[int] | None:
    """The best ``keep`` among the first ``size`` rows of ``index`` (in the
    list's order, those matching ``inner``) that match ``condition``; ``None``
    when fewer match there (the page may lie further: the caller slices)."""
    keys, order = _keys(terms)
    outer_order = _keys(terms, "w.")[1]
    source = "tasks t" if index is None else f"tasks t INDEXED BY {index}"
    sql = (f"SELECT w.r FROM (SELECT {keys} FROM {source} WHERE {inner} ORDER BY {order} LIMIT ?) AS w"
           f" CROSS JOIN tasks t ON t.rowid = w.r WHERE {condition} ORDER BY {outer_order} LIMIT ?")
    rows = engine.rows(sql, [*inner_params, size, *params, keep])
    return [int(row[0]) for row in rows] if len(rows) >= keep else None


def union_page(engine: Engine, statuses: Sequence[str], condition: str, params: Sequence[Any],
               terms: Sequence[tuple[str, str]], keep: int) -> list[int]:
    """Queue order over several statuses: each status's best ``keep`` from
    ``(status, claim_order, id)`` (one range of that index each), merged."""
    if not statuses:
        return []
    keys, order = _keys(terms)
    part = (f"SELECT * FROM (SELECT {keys} FROM tasks t INDEXED BY tasks_status_order"
            f" WHERE t.status = ? AND ({condition}) ORDER BY {order} LIMIT ?)")
    sql = f"SELECT r FROM ({' UNION ALL '.join([part] * len(statuses))}) ORDER BY {order} LIMIT ?"
    args: list[Any] = []
    for name in statuses:
        args += [name, *params, keep]
    return [int(row[0]) for row in engine.rows(sql, [*args, keep])]
