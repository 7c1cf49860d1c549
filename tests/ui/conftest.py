"""Fixtures for the dashboard tests: a real fixture database, a real app.

``wait_for`` waits for a condition with a bounded number of short pauses
(the refresh worker and the file watcher run in threads); it never sleeps
a fixed time to hide a race, and fails loudly when the condition never holds.
"""

from __future__ import annotations

import itertools
import time

from collections.abc import Callable

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import clock as data_clock
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.ui.app import JetpackApp

from .fixtures import build, frozen

SIZE = (120, 36)


@pytest.fixture
def anyio_backend():
    """Async tests run on asyncio through anyio's pytest plugin (anyio comes with watchfiles)."""
    return "asyncio"


@pytest.fixture
def fixture_path(tmp_path) -> str:
    path = str(tmp_path / "fx" / "jetpack.db")
    build(path)
    return path


@pytest.fixture(autouse=True)
def _user_data_in_tmp(tmp_path, monkeypatch):
    """The dashboard remembers the theme in the user's data directory: a test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def frozen_data_clock(monkeypatch):
    """Liveness and every DataLayer timestamp use the frozen clock too."""
    monkeypatch.setattr(data_clock, "now", frozen)


@pytest.fixture
def open_dl(fixture_path):
    opened = []

    def make(**kwargs):
        layer = create_local_data_layer(fixture_path, **kwargs)
        opened.append(layer)
        return layer

    yield make
    for layer in opened:
        layer.close()


@pytest.fixture
def make_app(open_dl, tmp_path):
    def make(*, read_only: bool = False, settings: Settings | None = None, clock: Callable[[], float] | None = frozen,
             watch: bool = True, start_pane: str = "tasks") -> JetpackApp:
        dl = open_dl(read_only=read_only)
        return JetpackApp(dl, settings=settings or Settings(operator="tester"), clock=clock, watch=watch,
                          screenshot_dir=tmp_path / "shots", start_pane=start_pane)

    return make


async def wait_for(pilot, condition: Callable[[], bool], *, what: str = "condition", tries: int = 400,
                   seconds: float = 20.0) -> None:
    """Pause (10 ms at a time) until ``condition()``: at least ``tries`` times and
    ``seconds`` of wall time (beside other test processes a pause lasts longer)."""
    deadline = time.monotonic() + seconds
    for attempt in itertools.count():
        await pilot.pause(0.01)
        if condition():
            return
        if attempt >= tries and time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")


def pane_data(seen: list, kind: type | None = None) -> list:
    """The pane messages of every refresh run recorded by ``message_hook``."""
    from jetpack_tui.ui.messages import RunDone

    found = [data for m in seen if isinstance(m, RunDone) for _pane, data in m.result.data]
    return found if kind is None else [m for m in found if isinstance(m, kind)]


async def settled(pilot, app: JetpackApp) -> None:
    """The active pane has data and no refresh is running or waiting."""
    await wait_for(pilot, lambda: app.dashboard.active_pane.loaded and not app.refresher.busy, what="refresh")


#: The board's write keys and the word each one's refusal names.
BOARD_WRITE_KEYS = (("a", "Assign"), ("r", "Release"), ("u", "Retry"), ("X", "Cancel task"),
                    ("plus", "Raise priority"))


async def assert_write_keys_refused(pilot, app: JetpackApp, reason: str) -> None:
    """Each of the board's write keys says why it refuses (``reason``: "read-only",
    "viewing the past") and opens no dialog."""
    from jetpack_tui.ui.modals.agent_picker import AgentPicker
    from jetpack_tui.ui.modals.confirm import ConfirmScreen

    for key, what in BOARD_WRITE_KEYS:
        before = len(app._notifications)
        await pilot.press(key)
        await wait_for(pilot, lambda: len(app._notifications) > before, what=f"a word for {key}")
        note = list(app._notifications)[-1].message
        assert what in note and reason in note, note
        assert not isinstance(app.screen, (AgentPicker, ConfirmScreen))
