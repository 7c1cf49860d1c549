"""The status line fits its width by priority: state and freshness first,
then what needs attention; shortened before anything is dropped, and the
warning of stale data is shortened, never dropped."""

from __future__ import annotations

import threading

import pytest

from jetpack_tui.ui.messages import Summary
from jetpack_tui.ui.widgets.status_line import StatusState, render_status

from .conftest import settled, wait_for

COUNTS = {"pending": 40, "ready": 25, "blocked": 15, "claimed": 12, "in_progress": 9, "failed": 3,
          "cancelled": 2, "completed": 1234}


def state(**changes) -> StatusState:
    values = dict(mode="local", location="/home/op/projects/swarm/.jetpack/jetpack.db", loading=False,
                  since_change=3, source="watch", summary=Summary(tasks=COUNTS),
                  agents={"alive": 6, "stale": 1, "dead": 2})
    values.update(changes)
    return StatusState(**values)


@pytest.mark.parametrize("width", [220, 160, 120, 100, 80, 60])
def test_every_width_keeps_state_freshness_and_what_needs_attention(width):
    text = render_status(state(), width).plain
    assert len(text) <= width
    assert "LIVE" in text and "3s ago" in text
    assert "failed 3" in text and "1 stale" in text and "2 dead" in text
    if width >= 160:
        assert "completed 1,234" in text and "failed 3" in text  # nothing falls off at 160


def test_stale_turso_data_keeps_the_warning_and_the_counts():
    error = "sync failed: primary unreachable (https://example.turso.io): connection refused after 3 attempts"
    for width in (200, 120, 80):
        text = render_status(state(mode="turso", location="example.turso.io (replica .jetpack/replica.db)",
                                   error=error, data_age=42), width).plain
        assert len(text) <= width
        assert "STALE" in text and "42s" in text and "sync failed" in text
        assert "failed 3" in text and "2 dead" in text, (width, text)  # the error does not push them away


def test_a_warning_too_long_for_any_width_is_cut_not_dropped():
    text = render_status(state(error="x" * 500, data_age=5), 30).plain
    assert text.startswith(" ⚠ STALE ") and len(text) <= 30


@pytest.mark.anyio
@pytest.mark.usefixtures("frozen_data_clock")
async def test_at_80_columns_the_real_status_line_keeps_the_failed_count(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app)
        line = app.dashboard.query_one("#status-line")
        assert "failed 1" in str(line.render()) and "LIVE" in str(line.render())
        threading.Thread(target=app.refresher.fail_threadsafe, args=("sync failed: " + "very long reason " * 9,)).start()
        await wait_for(pilot, lambda: "STALE" in str(line.render()), what="warning")
        shown = str(line.render())
        assert "failed 1" in shown and len(shown) <= 80
