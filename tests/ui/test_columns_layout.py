"""``layout``: which columns a keyed table shows at a width, and how wide."""

from __future__ import annotations

from jetpack_tui.ui.panes.kit.columns import MIN_GROW, PADDING, SCROLLBAR, Col, layout

COLUMNS = (Col("id", "id", auto=True, cap=64), Col("title", "title", 40, grow=True),
           Col("status", "status", auto=True, cap=19, least=11), Col("prio", "prio", 8),
           Col("age", "age", 4, drop=1))


def test_a_wide_table_shows_every_column_whole():
    widths = dict(layout(COLUMNS, 200, {"id": 41, "status": 19}))
    assert widths["id"] == 41 and widths["status"] == 19 and "age" in widths
    assert sum(w + PADDING for w in widths.values()) == 200 - SCROLLBAR  # the title takes the rest


def test_when_nothing_else_gives_way_a_column_with_least_shrinks_to_it():
    widths = dict(layout(COLUMNS, 80, {"id": 41, "status": 19}))
    assert "age" not in widths  # dropped first
    assert widths["title"] == MIN_GROW and widths["id"] == 41  # the id is never cut
    assert widths["status"] == 80 - SCROLLBAR - 4 * PADDING - 41 - MIN_GROW - 8  # 11: what is left
    assert sum(w + PADDING for w in widths.values()) <= 80 - SCROLLBAR


def test_least_is_a_floor():
    widths = dict(layout(COLUMNS, 60, {"id": 41, "status": 19}))
    assert widths["status"] == 11
