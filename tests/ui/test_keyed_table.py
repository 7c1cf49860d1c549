"""``KeyedTable.show``: exactly the rows given, in order, reconciled by key —
row by row for a few changes, from an empty table when a page is replaced."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from jetpack_tui.ui.panes.kit import keyed_table
from jetpack_tui.ui.panes.kit.columns import Col
from jetpack_tui.ui.panes.kit.keyed_table import KeyedTable, key_cell

pytestmark = pytest.mark.anyio


class Table(KeyedTable[str]):
    COLUMNS = (Col("key", "key", auto=True), Col("value", "value", 20, grow=True))

    def __init__(self) -> None:
        # the first cell carries its row key, as on every pane (the order is sorted by it)
        super().__init__(lambda item, now: (key_cell(item.split("=")[0], item.split("=")[0]),
                                            Text(item.split("=")[1])), id="t")


class Host(App):
    def compose(self) -> ComposeResult:
        yield Table()


def rows(keys, tag="v"):
    return [(k, f"{k}={tag}") for k in keys]


def shown(table: Table) -> list[tuple[str, str]]:
    return [(key, str(table.get_cell(key, "value"))) for key in table.shown_keys()]


@pytest.mark.parametrize("replaced", [5, 60])  # below and above BULK_DROP
async def test_show_replaces_a_page_keeping_the_cursor_and_marks_on_rows_that_stay(replaced):
    assert (replaced > keyed_table.BULK_DROP) == (replaced == 60)
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        table = app.query_one(Table)
        first = [f"k{n:03d}" for n in range(80)]
        table.show(rows(first), 0.0)
        table.select("k070")
        table.set_marks(["k070", "k001"])
        # the next page: ``replaced`` rows leave, new ones come, the rest change value and order
        stay = first[replaced:]
        second = list(reversed(stay)) + [f"n{n:03d}" for n in range(replaced)]
        table.show(rows(second, "w"), 0.0)
        await pilot.pause()
        assert shown(table) == [(k, "w") for k in second]
        assert set(table.items) == set(second) and table.row_count == len(second)
        assert table.selected_id == "k070"
        assert table.marked == ({"k070"} if "k001" not in stay else {"k070", "k001"})
