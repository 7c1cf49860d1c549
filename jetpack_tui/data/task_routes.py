"""Which way a page of the task list is read, so that no query grows with the table.

libSQL holds the GIL for the whole of a query, and the dashboard reads in a
thread of the same process as its UI: a read that visits every row of 1M
tasks is a freeze of the screen (0.2–1.1 s measured).  SQLite's planner has
no statistics here and cannot know that ``open`` means 6,669 rows of a
million, so the list chooses a route from the counters the triggers keep
(no scan to decide):

* ``direct`` — one query, bounded by an index: a read that names an agent,
  a parent or ids; a table smaller than a slice; an index that holds exactly
  the filter's rows in the sort's order (``tasks_ready``, ``(status,
  claim_order, id)``, the order index of an unfiltered sort); or a filter
  that leaves few rows (≤ a slice), read through the index that holds them
  and sorted — "everything but finished" becomes the statuses present, a
  search of that index instead of a walk of the whole table;
* ``union`` — queue order over several statuses: the best page of each
  status from ``(status, claim_order, id)``, merged (bounded by statuses ×
  page, however the finished rows lie);
* ``window`` — an index holds the sort but the filter skips rows (a status
  set, a text): the first slice of that index, filtered; if it holds the
  page, done, else ``sliced`` (finished tasks are the old ones, so they can
  fill the start of an order: no walk may be unbounded);
* ``sliced`` — a text filter or a sort no index holds, over many rows: read
  in slices of the table (:mod:`.task_scan`), each query bounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Sorts an index holds in order (``None``: the primary key's own index).
ORDER_INDEXES = {"priority": "tasks_queue_order", "title": "tasks_title_order", "created_at": "tasks_created",
                 "status": "tasks_status_order", "id": None}
_PARTIAL = {True: "tasks_ready", False: "tasks_blocked"}
#: More statuses than this (agents can write any): no union, a window.
MAX_UNION = 16


@dataclass(frozen=True)
class Route:
    """How one read goes: ``kind`` (see the module docstring), ``index`` for
    ``INDEXED BY`` or the window (``None``: the planner's choice),
    ``statuses`` replacing an exclusion by the statuses present, ``exact``
    when the index holds exactly the rows the filter keeps but for a text
    (the window then takes that filter, and the text is checked on its rows)."""

    kind: str = "direct"
    index: str | None = None
    statuses: tuple[str, ...] | None = None
    exact: bool = False


DIRECT = Route()
SLICED = Route("sliced")


def statuses_present(counts: dict[str, int], status: str | Sequence[str] | None,
                     exclude_status: Sequence[str]) -> tuple[str, ...] | None:
    """The statuses the filter keeps, of those the counters know; ``None``: no status filter."""
    if isinstance(status, str):
        return (status,)
    if status is not None:
        return tuple(dict.fromkeys(status))
    if not exclude_status:
        return None
    excluded = set(exclude_status)
    return tuple(name for name in counts if name not in ("ready", "blocked") and name not in excluded)


def choose(counts: dict[str, int], *, order_by: str, status: str | Sequence[str] | None, ready: bool | None,
           exclude_status: Sequence[str], text: str | None, bounded_elsewhere: bool, slice_rows: int) -> Route:
    """The route of one read (see the module docstring); ``counts`` is ``counts_by_status()``."""
    total = sum(n for name, n in counts.items() if name not in ("ready", "blocked"))
    in_queue_order = order_by == "priority" and ready is not None
    if bounded_elsewhere or (ready is not None and status not in (None, "pending")):
        return DIRECT  # (ready means pending: nothing matches, any plan is quick)
    if total <= slice_rows:
        # one query whatever the plan; the partial index is the queue order of its rows
        return Route(index=_PARTIAL[ready]) if in_queue_order else DIRECT
    statuses = None if ready is not None else statuses_present(counts, status, exclude_status)
    if ready is not None:
        rows, set_index = counts.get("ready" if ready else "blocked", 0), _PARTIAL[ready]
    elif statuses is None:
        rows, set_index = total, None
    else:
        rows, set_index = sum(counts.get(name, 0) for name in statuses), "tasks_status_order"
    positive = statuses if status is None and exclude_status else None
    if rows <= slice_rows and set_index is not None:
        return Route(index=set_index, statuses=positive)
    if order_by not in ORDER_INDEXES:
        return SLICED
    if in_queue_order or (order_by in ("priority", "status") and isinstance(status, str)):
        ordered = Route(index=set_index)  # these rows, in this order, in one index
    elif order_by == "status" and statuses is not None:
        ordered = Route(index="tasks_status_order", statuses=positive)  # one range per status, in order
    elif statuses is None:
        ordered = Route(index=ORDER_INDEXES[order_by])  # every row: nothing skipped
    elif order_by == "priority" and len(statuses) <= MAX_UNION and not text:
        return Route("union", "tasks_status_order", statuses)
    else:  # (a text is not held by any index: a union would walk whole statuses)
        return Route("window", ORDER_INDEXES[order_by])
    return ordered if not text else Route("window", ordered.index, ordered.statuses, exact=True)
