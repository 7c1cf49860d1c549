"""What the screen says agrees with itself: the status line and the board
come from the same refresh, ranges are never impossible, the Overview shows
its figures at 80x24, and conflicts are counted one way."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.screenshots import svg_text
from jetpack_tui.ui.messages import RunDone
from jetpack_tui.ui.panes.overview.pane import FigureView

from .conftest import settled, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("frozen_data_clock")]

WRITER = ("import sys, time; from jetpack_tui.data import create_local_data_layer as c\n"
          "dl = c(sys.argv[1])\n"
          "for i in range(60):\n"
          "    t = dl.tasks.create(f'burst {i}', id=f'W-{i:03d}')\n"
          "    if i % 3 == 0: dl.tasks.cancel(t.id, by='w')\n"
          "    time.sleep(0.01)\n"
          "dl.close()")


def status_total(app) -> int | None:
    found = re.search(r"tasks ([\d,]+):", str(app.dashboard.query_one("#status-line").render()))
    return None if found is None else int(found.group(1).replace(",", ""))


def board_range(app) -> tuple[int, int, int] | None:
    found = re.search(r"rows ([\d,]+)–([\d,]+) of ~?([\d,]+)", str(app.dashboard.query_one("#tasks-summary").render()))
    return None if found is None else tuple(int(g.replace(",", "")) for g in found.groups())  # type: ignore[return-value]


async def test_status_line_and_board_agree_after_every_refresh(make_app, fixture_path):
    samples: list[tuple[int | None, tuple[int, int, int] | None]] = []
    sampling = []
    app = make_app(settings=Settings(operator="tester", page_size=10))

    def after_run(message) -> None:
        if sampling and isinstance(message, RunDone) and message.result.summary is not None:
            # the hook runs before the handler: sample once this run is applied
            app.call_later(lambda: samples.append((status_total(app), board_range(app))))

    async with app.run_test(size=(200, 40), message_hook=after_run) as pilot:
        await settled(pilot, app)
        await pilot.press("F")  # "all": the board counts what the status line counts
        await wait_for(pilot, lambda: app.dashboard.active_pane.query_state.quick == "all" and not app.refresher.busy,
                       what="all tasks")
        sampling.append(True)
        await asyncio.to_thread(subprocess.run, [sys.executable, "-c", WRITER, fixture_path], check=True, timeout=60)
        await wait_for(pilot, lambda: status_total(app) == 70 and board_range(app) == (1, 10, 70)
                       and not app.refresher.busy, what="the burst applied")
    checked = [(s, b) for s, b in samples if s is not None and b is not None]
    assert len(checked) >= 2
    for total, (first, last, of) in checked:
        assert of == total, (total, first, last, of)  # one refresh, one count
        assert first <= last <= of  # never "rows 1–8 of 7"


async def test_a_row_count_older_than_the_rows_is_marked_not_impossible(make_app):
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await settled(pilot, app)
        pane = app.dashboard.active_pane
        pane.total, pane.total_stale = 5, True  # what a run that could not re-count leaves behind
        pane._update_header()
        assert "rows 1–8 of ~8" in str(pane.query_one("#tasks-summary").render())


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_the_overview_shows_its_figures_at_any_size(make_app, size):
    app = make_app(start_pane="overview")
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app)
        await wait_for(pilot, lambda: "tasks.ready" in app.dashboard.active_pane.views, what="figures")
        await pilot.pause()
        text = svg_text(app.export_screenshot())
        for view in app.dashboard.query(FigureView):
            if view.figure.group == "Needs attention" and size[1] < 30:
                continue  # below the fold at 24 rows: the pane scrolls to them
            figure = f"{view.figure.value} {view.figure.label[:4]}"
            assert figure in text, (figure, size)
        for expected in ("3 read", "2 bloc", "1 fail", "3 aliv"):
            assert expected in text


async def test_conflicts_are_counted_one_way_on_every_screen(make_app, open_dl):
    dl = open_dl()
    dl.reservations.reserve("agent-ada", "src/**", "edit")
    dl.reservations.reserve("agent-bob", "src/a.py", "edit")
    dl.reservations.reserve("agent-cy", "src/b.py", "edit")  # one group of three, two pairs
    app = make_app(start_pane="overview")
    async with app.run_test(size=(160, 40)) as pilot:
        await settled(pilot, app)
        views = app.dashboard.active_pane.views
        await wait_for(pilot, lambda: "reservations.contended" in views, what="conflict figure")
        figure = views["reservations.contended"].figure
        assert (figure.value, figure.label, figure.hint) == ("3", "reservations in conflict", "1 group")
        await pilot.press("5")
        await settled(pilot, app)
        summary = str(app.dashboard.query_one("#reservations-summary").render())
        assert "3 reservations in 1 conflict group" in summary
