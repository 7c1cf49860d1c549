"""The time plot on its own: axes, labels, series, gaps, empty data, literal
names, and an SVG snapshot, in a tiny host app."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App, ComposeResult

from jetpack_tui.ui.widgets.time_plot import Series, TimePlot, nice_ceiling

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 1, 15, 9, 0).timestamp()  # local time: the labels are local
HOUR = 3600.0


def completions() -> list[Series]:
    done = [(T0 + n * 600, float(n % 7 + 2)) for n in range(13)]
    failed = [(T0 + n * 600, None if 5 <= n <= 7 else float(n % 3)) for n in range(13)]
    return [Series("completed", done), Series("failed \x1b[31m[red]x[/]", failed)]


class Host(App):
    def __init__(self, series, title: str = "throughput", height: int = 12) -> None:
        super().__init__()
        self.spec = (series, title)
        self.plot_height = height

    def compose(self) -> ComposeResult:
        yield TimePlot(id="plot")

    def on_mount(self) -> None:
        plot = self.query_one(TimePlot)
        plot.styles.height = self.plot_height
        plot.plot(self.spec[0], x_range=(T0, T0 + 2 * HOUR), title=self.spec[1])


def lines(plot: TimePlot) -> list[str]:
    return [plot.render_line(y).text for y in range(plot.size.height)]


async def test_axes_labels_and_legend():
    app = Host(completions())
    async with app.run_test(size=(70, 14)) as pilot:
        await pilot.pause()
        text = lines(app.query_one(TimePlot))
        assert text[0].startswith("throughput  ━ completed  ━ failed ␛[31m[red]x[/]")  # literal, escaped
        assert text[1].lstrip().startswith("10 │")  # the top is a round number above the largest value (8)
        assert text[-3].lstrip().startswith("0 │")
        assert "└" in text[-2] and text[-1].lstrip().startswith("09:00")
        assert "10:00" in text[-1]
        assert any(0x2800 < ord(ch) <= 0x28FF for row in text[1:-2] for ch in row)


async def test_a_gap_breaks_the_line_and_each_series_has_its_colour():
    app = Host([Series("only gaps", [(T0, 1.0), (T0 + HOUR, None), (T0 + 2 * HOUR, 1.0)])])
    async with app.run_test(size=(70, 14)) as pilot:
        await pilot.pause()
        plot = app.query_one(TimePlot)
        row = next(r for r in lines(plot)[1:-2] if any(0x2800 < ord(ch) <= 0x28FF for ch in r))
        dots = [i for i, ch in enumerate(row) if 0x2800 < ord(ch) <= 0x28FF]
        assert dots[0] < 10 and dots[-1] > 60 and len(dots) == 2  # two lone points, nothing between
        colour = plot.get_component_rich_style("plot--series-0").color
        segments = [s for y in range(plot.size.height) for s in plot.render_line(y)
                    if any(0x2800 < ord(ch) <= 0x28FF for ch in s.text)]
        assert segments and all(s.style.color == colour for s in segments)


async def test_no_data_says_so():
    app = Host([Series("agents alive", [(T0, None), (T0 + HOUR, None)])])
    async with app.run_test(size=(70, 14)) as pilot:
        await pilot.pause()
        assert "no data for this window" in "\n".join(lines(app.query_one(TimePlot)))


async def test_a_window_over_a_day_labels_dates_and_resizing_redraws():
    week = [Series("ready", [(T0 + n * 7200, float(n)) for n in range(84)])]
    app = Host(week, title="queue")
    async with app.run_test(size=(90, 14)) as pilot:
        await pilot.pause()
        plot = app.query_one(TimePlot)
        plot.plot(week, x_range=(T0, T0 + 7 * 86400))
        await pilot.pause()
        labels = lines(plot)[-1].split()
        assert labels[:2] == ["01-17", "00:00"] and "01-19" in labels  # dates at local midnight, two days apart
        await pilot.resize_terminal(60, 14)
        await pilot.pause()
        assert max(len(line.rstrip()) for line in lines(plot)) <= 60


def test_nice_ceiling():
    assert [nice_ceiling(v) for v in (0, 0.3, 1, 7, 8, 11, 240, 2600)] == [1, 0.5, 1, 10, 10, 20, 250, 5000]


def test_snapshot_plot(snap_compare):
    assert snap_compare(Host(completions()), terminal_size=(70, 14))
