"""The board's Python predicate and sort key agree with the DataLayer's SQL
(they place changed rows without re-reading the page)."""

from __future__ import annotations

import itertools

import pytest

from jetpack_tui.ui.panes.tasks.query import QUICK_FILTERS, SORT_COLUMNS, TaskQuery


@pytest.fixture
def dl(open_dl):
    layer = open_dl()
    layer.tasks.create("ÉTÉ Ünïcode title", id="T-u1")
    layer.tasks.create("MiXeD Case agent", id="t-lower")
    return layer


@pytest.mark.parametrize("quick, text, show_completed", list(itertools.product(
    QUICK_FILTERS, ["", "t-00", "MIXED", "ada", "été"], [False, True])))
def test_predicate_matches_sql(dl, quick, text, show_completed):
    query = TaskQuery(quick=quick, text=text, show_completed=show_completed)
    everything = dl.tasks.list(limit=None)
    expected = {t.id for t in dl.tasks.list(**query.list_kwargs(1000))}
    assert {t.id for t in everything if query.matches(t)} == expected
    assert dl.tasks.count(**query.filter_kwargs()) == len(expected)


@pytest.mark.parametrize("order_by, descending", list(itertools.product(SORT_COLUMNS, [False, True])))
def test_order_matches_sql(dl, order_by, descending):
    query = TaskQuery(order_by=order_by, descending=descending, show_completed=True)
    from_sql = [t.id for t in dl.tasks.list(**query.list_kwargs(1000))]
    assert [t.id for t in query.order(dl.tasks.list(limit=None))] == from_sql


def test_any_change_but_the_page_starts_at_page_one():
    query = TaskQuery(offset=400)
    assert query.with_(offset=600).offset == 600
    assert query.with_(text="x").offset == 0
    assert "matching 'x'" in query.with_(text="x").describe()
