"""Trends on a constructed history: the Overview's sparklines and the full view
show the series the audit log says, gaps where nothing can be known."""

from __future__ import annotations

import pytest

from jetpack_tui.ui.panes.overview.trends import render_trends, spark
from jetpack_tui.ui.screens.trends import TrendsScreen
from jetpack_tui.ui.widgets.time_plot import TimePlot

from .history_fixtures import history, open_app  # noqa: F401
from .panes_fixtures import wait_for

pytestmark = pytest.mark.anyio


def last(plot: TimePlot) -> dict[str, float | None]:
    return {series.name: series.points[-1][1] for series in plot.series}


def total(plot: TimePlot) -> dict[str, float]:
    return {series.name: sum(v for _x, v in series.points if v is not None) for series in plot.series}


async def test_the_overview_sparklines_and_the_trends_view_show_the_series(history):  # noqa: F811
    _scenario, path = history
    app = open_app(path, start_pane="overview")
    async with app.run_test(size=(160, 48)) as pilot:
        overview = app.dashboard.query_one("#pane-overview")
        await wait_for(pilot, lambda: overview.loaded and overview.trends_shown, timeout=30, what="trend lines")
        lines = {line.split()[0]: line for line in
                 str(app.dashboard.query_one("#overview-trends").render()).splitlines() if line.strip()}
        assert lines["completed"].endswith("1 in 12h") and lines["failures"].endswith("1 in 12h")
        assert lines["ready"].endswith("1 now") and lines["blocked"].endswith("1 now")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, TrendsScreen) and app.screen.trends is not None,
                       timeout=30, what="the trends view")
        screen = app.screen
        plots = {plot.id: plot for plot in screen.query(TimePlot)}
        assert total(plots["plot-throughput"]) == {"completed": 1, "failed": 1}
        assert total(plots["plot-claims"]) == {"claims": 3, "operator": 0}
        assert last(plots["plot-queue"]) == {"ready": 1, "blocked": 1, "claimed": 0, "in progress": 1}
        assert last(plots["plot-agents"]) == {"alive": 1, "holding work": 1, "idle": 0}
        queue = plots["plot-queue"].series[0].points
        assert queue[0][1] is None and queue[-1][1] == 1  # before the log: a gap, not a zero
        assert "nothing is known before" in str(screen.query_one("#trends-notes").render())
        assert screen.trends.step == 600
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.trends is not None and screen.trends.step == 60, timeout=30,
                       what="the last hour")
        assert total(screen.query_one("#plot-throughput", TimePlot)) == {"completed": 1, "failed": 1}
        assert "1 last hour" in str(screen.query_one("#trends-title").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TrendsScreen), what="closed")


def test_sparklines_scale_and_leave_unknown_blank():
    assert spark([0, 1, 2, 4, None, 4]) == "·▃▅█ █"
    assert spark([None, None]) == "  "
    assert spark([0, 0]) == "··"


def test_trend_lines_before_data_and_after_an_error():
    assert "reading the audit log" in render_trends(None).plain
    broken = render_trends(None, "InvalidInputError: \x1b[2J [red]no[/red]").plain
    assert broken.startswith("trends unavailable") and "\x1b" not in broken and "[red]no[/red]" in broken
