"""The reads the task board relies on: ``dl.tasks.order_of`` (SQL decides
which changed rows match the view and where they go), the same sort read
backwards for the last pages, and ``dl.tasks.dependents`` (what a cancel
would strand)."""

from __future__ import annotations

import itertools
import random

import pytest

from jetpack_tui.ui.panes.tasks.fetch import read_page
from jetpack_tui.ui.panes.tasks.query import QUICK_FILTERS, SORT_COLUMNS, TaskQuery


@pytest.fixture
def dl(open_dl):
    layer = open_dl()
    layer.tasks.create("ÉTÉ Ünïcode title", id="T-u1")
    layer.tasks.create("MiXeD Case agent", id="t-lower", dependencies=["T-001"])
    return layer


def ids_of(tasks) -> list[str]:
    return [t.id for t in tasks]


@pytest.mark.parametrize("quick, text", list(itertools.product(QUICK_FILTERS, ["", "t-00", "MIXED", "@agent-cy"])))
def test_a_change_is_placed_among_the_page_as_the_page_read_would(dl, quick, text):
    query = TaskQuery(quick=quick, text=text)
    every = ids_of(dl.tasks.list(limit=None))
    expected = ids_of(dl.tasks.list(**query.list_kwargs(1000)))
    some = random.Random(7).sample(every, 7) + ["no-such-task"]
    assert dl.tasks.order_of(some, **query.order_kwargs()) == [i for i in expected if i in some]
    assert ids_of(dl.tasks.list(ids=some, limit=None, **query.order_kwargs())) == [i for i in expected if i in some]


@pytest.mark.parametrize("order_by, descending", list(itertools.product(SORT_COLUMNS, [False, True])))
def test_order_of_sorts_exactly_as_list(dl, order_by, descending):
    query = TaskQuery(quick="all", order_by=order_by, descending=descending)
    expected = ids_of(dl.tasks.list(**query.list_kwargs(1000)))
    assert dl.tasks.order_of(reversed(expected), **query.order_kwargs()) == expected
    assert dl.tasks.order_of([]) == []


@pytest.mark.parametrize("order_by, descending", list(itertools.product(SORT_COLUMNS, [False, True])))
def test_the_last_pages_read_backwards_are_the_tail_in_the_same_order(open_dl, order_by, descending):
    dl = open_dl()
    for i in range(30):  # ties on priority and creation time: only the id tells them apart
        dl.tasks.create("same", id=f"S-{i:02d}", priority="low")
    query = TaskQuery(quick="all", order_by=order_by, descending=descending)
    every = ids_of(dl.tasks.list(**query.list_kwargs(1000)))
    for offset in (0, 7, 35):
        page, first = read_page(dl, query.with_(offset=offset, from_end=True), 10, len(every))
        end = len(every) - offset
        assert ids_of(page) == every[max(0, end - 10):max(0, end)] and first == max(0, end - 10)


def test_dependents_are_the_unfinished_tasks_that_wait_for_it(dl):
    assert ids_of(dl.tasks.dependents("T-001")) == ["T-002", "t-lower"]
    assert ids_of(dl.tasks.dependents("T-002")) == ["T-008"]
    dl.tasks.cancel("T-008", by="op")
    assert dl.tasks.dependents("T-002") == []  # a cancelled dependent is not stranded
    assert dl.tasks.dependents("T-003") == [] and dl.tasks.dependents('we"ird') == []


@pytest.mark.parametrize("page_size", [2, 200])
def test_a_text_filter_s_total_is_the_number_of_matches(dl, page_size):
    """A short first page is every match (no second pass over the table to
    count them); a full one is counted."""
    from jetpack_tui.data.changes import ChangeSet
    from jetpack_tui.ui.panes.base import FetchRequest
    from jetpack_tui.ui.panes.tasks.fetch import fetch_tasks
    from jetpack_tui.ui.panes.tasks.messages import TaskView

    for n in range(3):
        dl.tasks.create(f"find the Needle {n}")
    query = TaskQuery(quick="all", text="needle")
    expected = dl.tasks.count(**query.filter_kwargs())
    assert expected == 3
    request = FetchRequest(changes=ChangeSet(), view=TaskView(query), generation=1, now=0.0, reload=True,
                           page_size=page_size)
    (page,) = [m for m in fetch_tasks(dl, request) if m.__class__.__name__ == "TasksPage"]
    assert page.total == expected and len(page.tasks) == min(page_size, expected)
