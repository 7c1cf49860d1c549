"""Every attack row at once in one database, the real dashboard on top of it.

The dashboard starts, every pane (1-6) loads without a refresh error, each
attacked row is visible in the pane that shows its table and its text is
shown literally (``safe_text.clean``: markup stays brackets, escapes become
visible symbols), no rendered cell holds a raw control character or a link /
click action, and the database is byte-for-byte the same logical content
afterwards (checksum by another process).
"""

from __future__ import annotations

import re

import pytest
from rich.text import Span, Text
from textual.widgets import DataTable, Static

from jetpack_tui.config import Settings
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.panes.registry import PANES
from jetpack_tui.ui.safe_text import clean

from .attacks import ATTACKS, logical_checksum
from .conftest import copy_template
from .pilot import wait_for

pytestmark = pytest.mark.anyio
NOW = 1_768_730_400.0  # frozen: 2026-01-18 10:00 UTC
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Pane that shows each table, and the model field whose text a row shows.
PANE_OF = {"tasks": ("tasks", "title"), "agents": ("agents", "name"), "messages": ("mail", "type"),
           "file_reservations": ("reservations", "file_path"), "memories": ("memory", "content")}


#: The 10k old threads page past the first 200: the newest of them must be on screen.
ON_SCREEN = {"message-10k-threads": "T-10000"}
FILTERED: set[str] = set()


async def settled(pilot, app, pane_id: str) -> None:
    pane = app.dashboard.query_one(f"#pane-{pane_id}")
    await wait_for(pilot, lambda: pane.loaded and not pane.stale and not app.refresher.busy, f"pane {pane_id}")
    await pilot.pause()


def texts(widget) -> list[Text]:
    """Every rendered Text of a widget tree: table cells and static contents."""
    found: list[Text] = []
    for node in [widget, *widget.query("*")]:
        if isinstance(node, DataTable):
            for row in range(node.row_count):
                found += [c for c in node.get_row_at(row) if isinstance(c, Text)]
        elif isinstance(node, Static):
            content = node.content
            if isinstance(content, Text):
                found.append(content)
            elif isinstance(content, str):  # parsed as markup by Static: check what it became
                visual = node.visual
                text = Text(getattr(visual, "plain", content))
                for span in getattr(visual, "spans", ()):
                    text.spans.append(Span(span.start, span.end, str(span.style)))
                found.append(text)
    return found


def assert_literal(found: list[Text], where: str) -> None:
    for text in found:
        assert not RAW_CONTROL.search(text.plain), f"{where}: raw control character in {text.plain[:80]!r}"
        for span in text.spans:
            style = str(span.style)
            assert "link" not in style and "@click" not in style, f"{where}: markup became a link/action"


def row_text(pane, key: str) -> str:
    table = pane.table
    index = table.get_row_index(key)
    return " ".join(c.plain for c in table.get_row_at(index) if isinstance(c, Text))


async def reveal(pilot, app, pane, attack) -> bool:
    """Select the attacked row, filtering the pane to it first if it is off the page."""
    if pane.PANE_ID == "tasks":  # the board filters itself to an id that is not on its page
        pane.jump_to(attack.key)
        await wait_for(pilot, lambda: attack.key in pane.table.tasks, f"task {attack.key}")
        return pane.table.select(attack.key)
    key = ON_SCREEN.get(attack.id, attack.key)
    if pane.PANE_ID in FILTERED:  # back to the pane's default view first
        FILTERED.discard(pane.PANE_ID)
        pane.apply_filter()
        await settled(pilot, app, pane.PANE_ID)
    if pane.jump_to(key):
        return True
    # an unreadable send time sorts a thread after the 10k others: the operator filters by type
    filters = {"reservations": {"expired": True}, "mail": {"type": "agent.note"}}.get(pane.PANE_ID)
    if filters:
        FILTERED.add(pane.PANE_ID)
        pane.apply_filter(**filters)
        await settled(pilot, app, pane.PANE_ID)
    return pane.jump_to(key)


async def test_every_pane_shows_every_bad_row_literally(template_db, tmp_path, foreign_sql):
    path = copy_template(template_db, tmp_path / "all")
    foreign_sql([statement for attack in ATTACKS for statement in attack.statements], path)
    before = logical_checksum(path)
    dl = create_local_data_layer(path, lease_ttl=60)
    app = JetpackApp(dl, settings=Settings(operator="tester", poll_interval=0.2), clock=lambda: NOW, watch=False,
                     start_pane="overview", screenshot_dir=tmp_path / "shots")
    shown: list[str] = []
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            for pane_class in PANES:
                await pilot.press(pane_class.KEY)
                assert app.dashboard.active_pane_id == pane_class.PANE_ID
                await settled(pilot, app, pane_class.PANE_ID)
                pane = app.dashboard.active_pane
                assert app.refresher.error is None, app.refresher.error
                assert_literal(texts(pane), pane_class.PANE_ID)
            for attack in ATTACKS:
                if attack.key is None or attack.table not in PANE_OF:
                    continue
                pane_id, field = PANE_OF[attack.table]
                if app.dashboard.active_pane_id != pane_id:
                    await pilot.press(next(p.KEY for p in PANES if p.PANE_ID == pane_id))
                    await settled(pilot, app, pane_id)
                pane = app.dashboard.active_pane
                assert await reveal(pilot, app, pane, attack), f"{attack.id}: row {attack.key!r} not on {pane_id}"
                value = attack.expect.get(field)
                if isinstance(value, str) and value:  # in its row, or in the detail the selection opens
                    wanted = clean(value)[:20]
                    await wait_for(pilot, lambda: wanted in row_text(pane, ON_SCREEN.get(attack.id, attack.key))
                                   or any(wanted in t.plain for t in texts(pane)), f"{attack.id}: {wanted!r} shown")
                assert_literal(texts(pane), attack.id)
                shown.append(attack.id)
            assert app.refresher.error is None, app.refresher.error
            await pilot.press("q")
    finally:
        dl.close()
    assert len(shown) >= 40
    assert logical_checksum(path) == before, "the dashboard changed the database"
