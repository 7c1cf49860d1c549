"""The task list's bounded routes (``task_routes`` / ``task_scan``) give the
same pages as the one plain query they replace, for every filter, sort,
direction, text and offset — on a table made to be awkward: finished tasks
first (they fill the start of every order), equal titles, NULL ids, dates
and leases, a status nobody knows, a stray huge rowid.

The slice is made tiny so every route runs on a few hundred rows; the
routes are the same code at 1M tasks (``bench/tui.py``)."""

from __future__ import annotations

import itertools

import pytest

from jetpack_tui.data.task_reads import _filters, _order, order_terms
from jetpack_tui.data.task_routes import choose
from jetpack_tui.data.task_rows import TASK_SELECT
from jetpack_tui.data.task_scan import sliced_count, sliced_page, slices
from jetpack_tui.ui.panes.tasks.query import QUICK_FILTERS, SORT_COLUMNS, TaskQuery

SLICE = 40
PRIORITIES = ("critical", "high", "medium", "low")


def build_awkward(dl) -> None:
    """~260 tasks in a few transactions (a request each in Turso mode): 150 old ones
    mostly finished, then a mixed open backlog; dates as epoch seconds and,
    as the seed's default wrote them, as text."""
    rows = [(f"t{n:03d}", f"task {n % 17:02d} {'é' if n % 5 == 0 else ''}", PRIORITIES[n % 4],
             f'["t{n - 1:03d}"]' if n % 7 == 3 and n > 150 else "[]",
             f"2026-01-01 00:{n % 60:02d}:00" if n % 13 == 0 else 1_700_000_000.0 + n // 2)
            for n in range(260)]

    for start in range(0, len(rows), 40):  # Turso: a request each, well within the primary's 5 s per write
        dl.engine.write(lambda tx, batch=rows[start:start + 40]: tx.executemany(
            "INSERT INTO tasks(id, title, priority, dependencies, required_skills, created_at)"
            " VALUES (?, ?, ?, ?, '[]', ?)", batch))

    def shape(tx) -> None:
        tx.execute("UPDATE tasks SET status = 'completed' WHERE rowid <= 150 AND rowid % 9 <> 0")
        tx.execute("UPDATE tasks SET status = 'cancelled' WHERE rowid IN (151, 152)")
        tx.execute("UPDATE tasks SET status = 'claimed', claimed_by = 'agent-' || (rowid % 3),"
                   " lease_expires_at = 2e9 + rowid, attempts = rowid % 4 WHERE rowid > 200 AND rowid % 5 = 0")
        tx.execute("UPDATE tasks SET status = 'failed', attempts = 3 WHERE rowid > 150 AND rowid % 11 = 0")
        tx.execute("UPDATE tasks SET status = 'weird-status' WHERE rowid IN (170, 171)")
        tx.execute("UPDATE tasks SET created_at = NULL WHERE rowid IN (160, 161, 162)")
        tx.execute("UPDATE tasks SET id = NULL WHERE rowid IN (180, 240)")
        tx.execute("INSERT INTO tasks(rowid, id, title, priority, created_at)"
                   " VALUES (4611686018427387904, 'stray', 'stray rowid', 'medium', 1.0)")

    dl.engine.write(shape)
    dl.tasks.reads.scan_slice = SLICE


def plain_page(dl, query: TaskQuery, limit: int) -> list[tuple]:
    """The one query every route replaces: rowids of the page."""
    kw = query.filter_kwargs()
    where, params = _filters(kw.get("status"), kw.get("claimed_by"), kw.get("ready"), None, kw.get("text"),
                             kw.get("exclude_status", ()), None)
    sql = f"SELECT t.rowid, t.id FROM tasks t{where}{_order(query.order_by, query.descending)} LIMIT ? OFFSET ?"
    return [tuple(row) for row in dl.engine.rows(sql, [*params, limit, query.offset])]


def routed_page(dl, query: TaskQuery, limit: int) -> list[tuple]:
    tasks = dl.tasks.list(**query.list_kwargs(limit))
    rowids = {} if not tasks else dict(dl.engine.rows(
        "SELECT t.title || '|' || coalesce(t.id, ''), t.rowid FROM tasks t"))
    return [(rowids[f"{task.title}|{task.id or ''}"], task.id or None) for task in tasks]


def check_every_route(dl, slice_rows: int, offsets=(0, 37), limits=(5, 25)) -> None:
    """Every filter × sort × direction × text × offset × limit: the routed page is the plain one."""
    build_awkward(dl)
    dl.tasks.reads.scan_slice = slice_rows
    kinds, compared, most = set(), 0, 0
    for quick, order_by, descending, text, offset, limit in itertools.product(
            QUICK_FILTERS, SORT_COLUMNS, (False, True), ("", "é"), offsets, limits):
        most += limit
        query = TaskQuery(quick=quick, text=text, order_by=order_by, descending=descending, offset=offset)
        kw = query.filter_kwargs()
        kinds.add(dl.tasks.reads._route(order_by, kw.get("status"), None, kw.get("ready"), None, kw.get("text"),
                                        kw.get("exclude_status", ()), None, True).kind)
        expected = plain_page(dl, query, limit)
        assert routed_page(dl, query, limit) == expected, (query, limit)
        compared += len(expected)
    assert kinds == {"direct", "union", "window", "sliced"}
    assert compared > most / 4  # many pages were full: not a comparison of empty lists


@pytest.mark.parametrize("slice_rows", [8, SLICE])
def test_every_route_gives_the_plain_query_s_page(dl, slice_rows):
    """With 8 rows a slice, small sets (12 claimed) go through unions and windows too."""
    check_every_route(dl, slice_rows)


def test_counts_with_a_text_match_the_plain_count(dl):
    build_awkward(dl)
    for quick, text in itertools.product(QUICK_FILTERS, ("1", "é", "task", "nothing")):
        kw = TaskQuery(quick=quick, text=text).filter_kwargs()
        where, params = _filters(kw.get("status"), None, kw.get("ready"), None, kw.get("text"),
                                 kw.get("exclude_status", ()), None)
        plain = dl.engine.value(f"SELECT count(*) FROM tasks t{where}", params)
        assert dl.tasks.count(**kw) == plain, (quick, text)


def test_the_comparison_fails_for_a_route_that_keeps_too_few(dl):
    """The comparison above can fail: slices that keep one row short of the
    page (a merge bug) give another page, and so does a swapped pair."""
    build_awkward(dl)
    query = TaskQuery(quick="open", order_by="updated_at", descending=True)
    expected = [rowid for rowid, _ in plain_page(dl, query, 25)]
    kw = query.filter_kwargs()
    where, params = _filters(None, None, None, None, None, kw["exclude_status"], None)
    terms = order_terms("updated_at", True)
    assert sliced_page(dl.engine, where[len(" WHERE "):], params, terms, 25, SLICE) == expected
    assert sliced_page(dl.engine, where[len(" WHERE "):], params, terms, 24, SLICE) != expected
    assert [rowid for rowid, _ in routed_page(dl, query, 25)] == expected != [expected[1], expected[0], *expected[2:]]


def test_slices_follow_the_rows_that_exist(dl):
    """A stray rowid of 2**62 is one more slice, not 2**62 / 40 of them, and
    the slices cover every row once."""
    build_awkward(dl)
    bounds = list(slices(dl.engine, SLICE))
    rows = dl.engine.value("SELECT count(*) FROM tasks")
    assert len(bounds) <= rows // SLICE + 2
    assert sliced_count(dl.engine, "1", [], SLICE) == rows
    for first, end in bounds:
        inside = dl.engine.value("SELECT count(*) FROM tasks WHERE rowid >= ? AND (? IS NULL OR rowid < ?)",
                                 (first, end, end))
        assert 0 < inside <= SLICE


def test_a_row_with_a_null_id_is_listed_by_every_route(dl):
    build_awkward(dl)
    for order_by in ("priority", "title", "attempts"):
        shown = dl.tasks.list(order_by=order_by, text="task", limit=400)
        assert sum(not task.id for task in shown) == 2, order_by


@pytest.mark.parametrize("counts, kwargs, kind, index", [
    # a small table: one query whatever it is
    ({"pending": 30}, dict(order_by="attempts", text="x"), "direct", None),
    # few open tasks among many finished: the set, through the status index, as the statuses present
    ({"completed": 990, "pending": 5, "ready": 5, "failed": 3}, dict(order_by="title", exclude_status=("completed",)),
     "direct", "tasks_status_order"),
    # many open: queue order is a union per status, other indexed orders a window, the rest slices
    ({"completed": 500, "pending": 400, "ready": 400, "claimed": 100},
     dict(order_by="priority", exclude_status=("completed",)), "union", "tasks_status_order"),
    ({"completed": 500, "pending": 400, "ready": 400, "claimed": 100},
     dict(order_by="created_at", exclude_status=("completed",)), "window", "tasks_created"),
    ({"completed": 500, "pending": 400, "ready": 400, "claimed": 100},
     dict(order_by="updated_at", exclude_status=("completed",)), "sliced", None),
    ({"completed": 500, "pending": 400, "ready": 400, "claimed": 100},
     dict(order_by="priority", exclude_status=("completed",), text="x"), "window", "tasks_queue_order"),
    # the ready index holds its rows in queue order; a text is tried on a window of it
    ({"pending": 900, "ready": 800, "blocked": 100}, dict(order_by="priority", ready=True), "direct", "tasks_ready"),
    ({"pending": 900, "ready": 800, "blocked": 100}, dict(order_by="priority", ready=True, text="x"),
     "window", "tasks_ready"),
    # every row, an indexed order: nothing is skipped
    ({"pending": 900, "ready": 900}, dict(order_by="title"), "direct", "tasks_title_order"),
])
def test_choose(counts, kwargs, kind, index):
    args = dict(status=None, ready=None, exclude_status=(), text=None, bounded_elsewhere=False, slice_rows=50)
    route = choose(counts, **{**args, **kwargs})
    assert (route.kind, route.index) == (kind, index)


def test_choose_turns_an_exclusion_into_the_statuses_present():
    route = choose({"completed": 990, "pending": 5, "ready": 5, "weird": 1}, order_by="id", status=None,
                   ready=None, exclude_status=("completed", "cancelled"), text=None, bounded_elsewhere=False,
                   slice_rows=50)
    assert route.statuses == ("pending", "weird")


def test_list_sql_plain_and_routed_agree_on_the_select(dl):
    """The routed page is read with the list's own SELECT (every column decoded the same way)."""
    build_awkward(dl)
    query = TaskQuery(quick="all", order_by="attempts")
    routed = dl.tasks.list(**query.list_kwargs(10))
    plain = dl.engine.rows(f"{TASK_SELECT}{_order('attempts', False)} LIMIT 10")
    assert [task.id for task in routed] == [row[0] for row in plain]
