"""``FixedCellTable``: a changed cell is drawn again, an unchanged one is
kept (one changed cell used to redraw all ~220 on screen), and the cursor, a
moved row and a new theme are still drawn as they are."""

from __future__ import annotations

import pytest

from .test_keyed_table import Host, Table, rows

pytestmark = pytest.mark.anyio


def line_of(table: Table, key: str):
    """The strip on screen for row ``key`` (the header is line 0)."""
    return table.render_line(table.shown_keys().index(key) + 1 - table.scroll_offset.y)


def kept(table: Table, key: str, column: str = "value"):
    """``(cell, look, lines)`` the table keeps for a cell (RowKey/ColumnKey hash as their value)."""
    return table._cell_lines[(key, column)]


async def test_a_changed_cell_is_drawn_again_and_the_others_are_kept():
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        keys = [f"k{n:02d}" for n in range(30)]
        table.show(rows(keys), 0.0)
        await pilot.pause()
        assert "v" in line_of(table, "k05").text
        before_other = kept(table, "k07")[2]
        table.show(rows(keys[:5]) + [("k05", "k05=changed")] + rows(keys[6:]), 0.0)
        await pilot.pause()
        assert "changed" in line_of(table, "k05").text
        assert kept(table, "k07")[2] is before_other  # not drawn again
        assert kept(table, "k05")[0].plain == "changed"


async def test_the_cursor_and_a_moved_row_are_drawn_where_they_are():
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        keys = [f"k{n:02d}" for n in range(10)]
        table.show(rows(keys), 0.0)
        table.select("k02")
        await pilot.pause()
        on_cursor = line_of(table, "k02")
        table.select("k03")
        await pilot.pause()
        assert list(line_of(table, "k02")) != list(on_cursor)  # the highlight left it
        assert list(line_of(table, "k03"))[0].style.bgcolor == list(on_cursor)[0].style.bgcolor
        table.show(rows(["k09", *keys[:9]]), 0.0)  # k09 moves to the top, every other row one down
        await pilot.pause()
        top, second = table.render_line(1), table.render_line(2)
        assert top.text.strip().startswith("k09") and second.text.strip().startswith("k00")
        # a click is located by the row index in each segment's meta: it follows the move
        assert list(top)[0].style.meta["row"] == 0 and list(second)[0].style.meta["row"] == 1


async def test_a_new_theme_redraws_every_cell():
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        table.show(rows([f"k{n:02d}" for n in range(5)]), 0.0)
        await pilot.pause()
        dark = [segment.style for segment in line_of(table, "k01")]
        app.theme = "textual-light"
        await pilot.pause()
        assert [segment.style for segment in line_of(table, "k01")] != dark
