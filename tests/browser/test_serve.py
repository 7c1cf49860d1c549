"""``jetpack-tui serve`` end to end: the real server on a free 127.0.0.1 port,
the real dashboard per browser session, a real headless Chromium.

It checks what a person would: the page loads with nothing fetched from
outside, the task board shows a seeded task, and a key typed into the page
switches the pane.  Chromium missing is a failure (CI installs it), not a
skip.  The server, its dashboard processes and Chromium run in process
groups of their own and are ended by id at teardown; the test then checks
that the server left no dashboard process behind.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.demo.seed_data import build_demo_database
from jetpack_tui.screenshots.chromium import find_chromium

from .cdp import POLL, TRIES, Browser, CDPPage, stop_group

pytestmark = pytest.mark.timeout(120)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.fail("headless Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    return found


@pytest.fixture
def seeded(tmp_path) -> tuple[str, str]:
    """A demo database and the title of the task at the top of the board."""
    path = str(tmp_path / "demo.db")
    manifest = build_demo_database(path)
    with create_local_data_layer(path, read_only=True) as dl:
        title = dl.tasks.get(manifest.task_states["ready"][0]).title
    return path, title


@pytest.fixture
def server(tmp_path, seeded):
    """``jetpack-tui serve --db demo.db --port P``; yields its base URL."""
    port = _free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "jetpack_tui", "serve", "--db", seeded[0], "--port", str(port)],
                               cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        for _ in range(TRIES):
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}: {(tmp_path / 'serve.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(POLL)
        else:
            pytest.fail("serve did not listen within the time allowed")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()  # the server's own SIGTERM handling: a graceful exit
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        leftover = _group_alive(process.pid)
        stop_group(process)
        log.close()
    assert not leftover, "serve exited while a dashboard of its sessions was still running"


async def _drive(chromium: str, profile: Path, url: str, title: str, failure_png: Path) -> None:
    import aiohttp

    browser = Browser(chromium, profile)
    try:
        port = await browser.debugging_port()
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as answer:
                targets = await answer.json()
            target = next(t for t in targets if t.get("type") == "page")
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = CDPPage(ws)
                await page.open(url)
                try:
                    board = await page.wait_for_screen(lambda text: title[:18] in text and "open · by priority" in text,
                                                       "the task board with a seeded task")
                    assert "1 Overview" in board and "6 Memory" in board
                    await page.press("3", "Digit3", 51)
                    agents = await page.wait_for_screen(lambda text: "8 agents" in text and "open · by priority" not in text,
                                                        "the Agents pane after pressing 3")
                    assert "heartbeat" in agents
                except AssertionError:
                    await page.screenshot(failure_png)
                    raise
    finally:
        browser.stop()


def test_page_loads_nothing_from_outside(server):
    html = urllib.request.urlopen(server, timeout=10).read().decode("utf-8")
    assert "textual-terminal" in html
    assert "fonts.googleapis" not in html
    assert "/static/fonts/RobotoMono" in html


def test_board_renders_in_chromium_and_reacts_to_a_key(server, seeded, chromium, tmp_path):
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    asyncio.run(_drive(chromium, profile, server, seeded[1], tmp_path / "failure.png"))
