"""Overview pane: the swarm's figures, recomputed with time, updated live,
and each one jumping to the pane that explains it."""

from __future__ import annotations

import pytest

from jetpack_tui.data.changes import ChangeSet
from jetpack_tui.ui.panes.agents.columns import AgentTable
from jetpack_tui.ui.panes.base import FetchRequest
from jetpack_tui.ui.panes.mail.threads import ThreadTable
from jetpack_tui.ui.panes.overview.data import OverviewView, Throttle, fetch_overview
from jetpack_tui.ui.panes.overview.figures import hourly, sparkline
from jetpack_tui.ui.panes.overview.pane import FigureView
from jetpack_tui.ui.panes.reservations.columns import ReservationTable

from .panes_fixtures import SIZE, T0, settle, swarm, wait_for  # noqa: F401

pytestmark = pytest.mark.anyio

#: The audit trigger stamps ``task_events.at`` with SQLite's clock, which the
#: fixture's frozen clock does not reach: completions are re-stamped with the
#: (frozen) time their task was completed at, as a real clock would have.
RESTAMP = ("UPDATE task_events SET at = (SELECT updated_at FROM tasks WHERE tasks.id = task_events.task_id)"
           " WHERE action = 'complete'")


@pytest.fixture(autouse=True)
def _completions_on_the_frozen_clock(request):
    if "swarm" in request.fixturenames:
        request.getfixturevalue("swarm").dl.engine.write(lambda tx: tx.execute(RESTAMP, ()))


def complete(swarm, task_id: str, agent: str, token: int) -> None:
    """Complete a task and stamp its audit row on the frozen clock, in one transaction."""
    def write(tx):
        swarm.dl.tasks.complete(task_id, agent, token)
        tx.execute(RESTAMP, ())
    swarm.dl.engine.write(write)


def values(pilot) -> dict[str, str]:
    return {view.figure.key: view.figure.value for view in pilot.app.dashboard.query(FigureView)}


async def open_overview(pilot) -> dict[str, str]:
    await settle(pilot, "overview")
    return values(pilot)


async def jump(pilot, key: str) -> None:
    pane = pilot.app.dashboard.query_one("#pane-overview")
    assert pane.jump_to(key)
    await pilot.press("enter")
    await pilot.pause()


def test_hourly_buckets_shift_with_the_clock():
    buckets = list(range(1, 13))
    assert hourly((T0, buckets), T0 + 3599) == buckets
    assert hourly((T0, buckets), T0 + 3600) == buckets[1:] + [0]
    assert hourly((T0, buckets), T0 + 3 * 3600 + 5) == buckets[3:] + [0, 0, 0]
    assert hourly((T0, buckets), T0 + 12 * 3600) == [0] * 12
    assert sparkline([0, 1, 2, 4]) == " ▂▄█" and sparkline([0, 0]) == "··"


async def test_figures_of_the_seeded_swarm(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        figures = await open_overview(pilot)
        assert {k: figures[k] for k in ("tasks.ready", "tasks.blocked", "tasks.claimed", "tasks.completed")} == {
            "tasks.ready": "1", "tasks.blocked": "1", "tasks.claimed": "2", "tasks.completed": "9"}
        assert figures["tasks.per_hour"] == "2"  # "completed last hour 2  prev hour 3"
        pane = pilot.app.dashboard.active_pane
        assert hourly(pane.sections["completions"], T0) == [1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 3, 2]
        assert "-11h -10h" in str(pilot.app.dashboard.query_one("#overview-hourly").render())
        assert (figures["agents.alive"], figures["agents.stale"], figures["agents.dead"]) == ("1", "1", "2")
        assert figures["orphaned"] == "1"  # task-parse, held by dead cyd
        assert figures["claims.expired"] == "2"
        assert figures["leases.expired"] == "0"
        assert figures["reservations.contended"] == "2"  # reservations, in 1 conflict group
        assert figures["mail.unacked"] == "5"
        assert figures["sync"] == "now"
        assert isinstance(pilot.app.focused, FigureView)  # figures are focusable; the first has focus


async def test_time_alone_moves_liveness_and_expiry(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        await open_overview(pilot)
        swarm.clock.advance(3600)  # an hour later, no database change at all
        pilot.app.dashboard.active_pane.tick(swarm.clock())
        figures = values(pilot)
        assert (figures["agents.alive"], figures["agents.dead"]) == ("0", "4")
        assert figures["leases.expired"] == "1"  # cyd's deploy-lock ran out
        view = next(v for v in pilot.app.dashboard.query(FigureView) if v.figure.key == "tasks.per_hour")
        assert (view.figure.value, view.figure.hint) == ("0", "prev hour 2")  # the buckets moved on an hour
        pane = pilot.app.dashboard.active_pane
        assert sum(hourly(pane.sections["completions"], swarm.clock())) == 8  # the oldest left the 12 h window


async def test_live_changes_update_only_their_figures(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        await open_overview(pilot)
        views = {view.figure.key: view for view in pilot.app.dashboard.query(FigureView)}
        swarm.dl.tasks.create("New work", id="task-new")
        swarm.dl.messages.send("ada", "bob", "task.handoff", {"task_id": "task-new"})
        await wait_for(pilot, lambda: values(pilot)["tasks.ready"] == "2" and values(pilot)["mail.unacked"] == "6",
                       what="figures updated")
        assert {view.figure.key: view for view in pilot.app.dashboard.query(FigureView)} == views  # same widgets


def test_expensive_sections_are_throttled_then_read_when_due(swarm):
    throttle = Throttle()
    tasks_changed = ChangeSet(rows={"tasks": {"task-lease": "update"}})
    (first,) = fetch_overview(swarm.dl, FetchRequest(tasks_changed, OverviewView(), 0, T0), throttle)
    assert {"tasks", "completions", "claims", "orphaned"} <= first.sections.keys() and not first.skipped
    (second,) = fetch_overview(swarm.dl, FetchRequest(tasks_changed, OverviewView(), 0, T0), throttle)
    assert second.skipped == {"completions", "claims", "orphaned"} and "tasks" in second.sections
    due = OverviewView(due=second.skipped)
    (third,) = fetch_overview(swarm.dl, FetchRequest(ChangeSet(), due, 0, T0, detail=True), throttle)
    assert third.sections.keys() == second.skipped and not third.skipped


async def test_a_skipped_section_catches_up_without_further_changes(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        await open_overview(pilot)
        complete(swarm, "task-lease", "bob", swarm.seeded["bob_token"])  # right after the first read
        await wait_for(pilot, lambda: values(pilot)["tasks.per_hour"] == "3"
                       and values(pilot)["claims.expired"] == "1", what="completions and claims caught up")


async def test_figures_jump_to_the_pane_that_explains_them(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        await open_overview(pilot)
        dashboard = pilot.app.dashboard
        await jump(pilot, "agents.dead")
        assert dashboard.active_pane_id == "agents"
        table = dashboard.query_one(AgentTable)
        await wait_for(pilot, lambda: sorted(table.items) == ["cyd", "dee"], what="dead agents only")
        await pilot.press("1")
        await jump(pilot, "reservations.contended")
        assert dashboard.active_pane_id == "reservations"
        res = dashboard.query_one(ReservationTable)
        await wait_for(pilot, lambda: res.row_count == 2 and dashboard.active_pane.view.conflicts_only, what="conflicts")
        await pilot.press("1")
        await jump(pilot, "mail.unacked")
        assert dashboard.active_pane_id == "mail" and dashboard.active_pane.view.quick == "awaiting ack"
        threads = dashboard.query_one(ThreadTable)
        await wait_for(pilot, lambda: threads.row_count == 2, what="threads awaiting an ack")
        await pilot.press("1")
        await jump(pilot, "tasks.failed")
        assert dashboard.active_pane_id == "tasks"


async def test_moving_between_figures(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        await open_overview(pilot)
        await pilot.press("j", "j")
        assert pilot.app.focused.figure.key == "tasks.claimed"
        await pilot.press("k", "k", "k")
        assert pilot.app.focused.figure.key == "sync"  # wraps around



async def test_every_figure_that_names_a_pane_can_be_explained_by_it(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        await open_overview(pilot)
        dashboard = pilot.app.dashboard
        for view in list(dashboard.query(FigureView)):
            figure = view.figure
            if figure.pane is None or not figure.filters:
                continue
            pane = dashboard.query_one(f"#pane-{figure.pane}")
            assert pane.apply_filter(**dict(figure.filters)), (figure.key, figure.filters)
