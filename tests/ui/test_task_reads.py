"""The two reads the task board relies on: ``dl.tasks.order_of`` (SQL decides
which changed rows match the view and where they go) and
``dl.tasks.dependents`` (what a cancel would strand)."""

from __future__ import annotations

import itertools
import random

import pytest

from jetpack_tui.data.errors import InvalidInputError
from jetpack_tui.ui.panes.tasks.query import QUICK_FILTERS, SORT_COLUMNS, TaskQuery


@pytest.fixture
def dl(open_dl):
    layer = open_dl()
    layer.tasks.create("ÉTÉ Ünïcode title", id="T-u1")
    layer.tasks.create("MiXeD Case agent", id="t-lower", dependencies=["T-001"])
    return layer


@pytest.mark.parametrize("quick, text", list(itertools.product(QUICK_FILTERS, ["", "t-00", "MIXED", "ada"])))
def test_order_of_agrees_with_list_for_every_filter(dl, quick, text):
    query = TaskQuery(quick=quick, text=text)
    every = [t.id for t in dl.tasks.list(limit=None)]
    expected = [t.id for t in dl.tasks.list(**query.list_kwargs(1000))]
    some = random.Random(7).sample(every, 7) + ["no-such-task"]
    assert dl.tasks.order_of(every, **query.order_kwargs()) == expected
    assert dl.tasks.order_of(some, **query.order_kwargs()) == [i for i in expected if i in some]


@pytest.mark.parametrize("order_by, descending", list(itertools.product(SORT_COLUMNS, [False, True])))
def test_order_of_sorts_like_list(dl, order_by, descending):
    query = TaskQuery(quick="all", order_by=order_by, descending=descending)
    expected = [t.id for t in dl.tasks.list(**query.list_kwargs(1000))]
    assert dl.tasks.order_of(reversed(expected), **query.order_kwargs()) == expected


def test_order_of_refuses_an_unknown_sort_and_takes_nothing(dl):
    assert dl.tasks.order_of([]) == []
    with pytest.raises(InvalidInputError):
        dl.tasks.order_of(["T-001"], order_by="colour")


def test_dependents_are_the_unfinished_tasks_that_wait_for_it(dl):
    assert [t.id for t in dl.tasks.dependents("T-001")] == ["T-002", "t-lower"]
    assert [t.id for t in dl.tasks.dependents("T-002")] == ["T-008"]
    dl.tasks.cancel("T-008", by="op")
    assert dl.tasks.dependents("T-002") == []  # a cancelled dependent is not stranded
    assert dl.tasks.dependents("T-003") == [] and dl.tasks.dependents('we"ird') == []


@pytest.mark.parametrize("order_by, descending", [("priority", False), ("priority", True), ("title", False)])
def test_list_from_end_is_the_tail_of_list_in_the_same_order(open_dl, order_by, descending):
    dl = open_dl()
    for i in range(30):  # ties on priority and creation time: only the id tells them apart
        dl.tasks.create("same", id=f"S-{i:02d}", priority="low")
    every = [t.id for t in dl.tasks.list(order_by=order_by, descending=descending, limit=None)]
    for offset in (0, 7, 35):
        page = [t.id for t in dl.tasks.list_from_end(order_by=order_by, descending=descending, limit=10,
                                                      offset=offset)]
        end = len(every) - offset
        assert page == every[max(0, end - 10):max(0, end)]
