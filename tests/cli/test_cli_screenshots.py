"""``jetpack-tui screenshots``: the real command in a subprocess, twice.

Run A has Chromium on PATH (SVG + PNG); run B has an empty PATH (SVG only,
and the command must say why).  Their SVGs must be byte-identical: the
pictures in ``screenshots/`` only change when the UI does.  The text each
view must show is written here, apart from the command's own checks.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from jetpack_tui.commands.screenshots import parse_size
from jetpack_tui.screenshots import svg_text
from jetpack_tui.screenshots.chromium import find_chromium, svg_size

pytestmark = pytest.mark.timeout(240)

#: Each view and text only that view shows (tabs name every pane on every picture).
VIEWS = {
    "01-overview": "Needs attention",
    "02-tasks": "open · by priority",
    "03-task-detail": "waits for task-00058 (in_progress)",
    "04-agents": "8 agents: 4 alive, 2 stale, 2 dead",
    "05-mail": "thread(s)",
    "06-reservations": "reservations in 2 conflict groups",
    "07-memory": "newest 16 of 16 memories",
    "08-memory-search": "result(s) for “database writes”",
    "09-help": "Keys (esc to close)",
    "10-graph": "Bottlenecks · what finishing unblocks",
    "11-trends": "median wait ready → claimed",
    "12-time-travel": "after audit event #",
}
#: Views without the live status line: the full-screen trends, the past.
NOT_LIVE = {"11-trends", "12-time-travel"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _start(folder: Path, out: str, path_env: str) -> subprocess.Popen:
    home = folder / f"home-{out}"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "PATH": path_env}
    return subprocess.Popen([sys.executable, "-m", "jetpack_tui", "screenshots", "--out", out], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def _finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        out, err = process.communicate(timeout=200)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"screenshots did not finish within 200 s: {err[-2000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if find_chromium() is None:
        pytest.fail("headless Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    folder = tmp_path_factory.mktemp("shots")
    empty = folder / "empty-bin"
    empty.mkdir()
    # Both runs at once (two cores): they must not share anything but the code.
    started = [_start(folder, "a", os.environ.get("PATH", "")), _start(folder, "b", str(empty))]
    with_png, without = (_finish(process) for process in started)
    for done in (with_png, without):
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
    return {"a": (folder / "a", with_png), "b": (folder / "b", without)}


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_every_view_is_written_as_svg_and_png(runs):
    folder, done = runs["a"]
    expected = sorted([f"{name}.svg" for name in VIEWS] + [f"{name}.png" for name in VIEWS])
    assert sorted(p.name for p in folder.iterdir()) == expected
    for name in VIEWS:
        svg, png = folder / f"{name}.svg", folder / f"{name}.png"
        assert svg.stat().st_size > 10_000
        assert str(Path("a") / svg.name) in done.stdout
        # The PNG is the picture at its own size, and not a blank page.
        assert _png_size(png) == svg_size(svg.read_text(encoding="utf-8"))
        assert png.stat().st_size > 20_000


def test_each_view_shows_what_it_is_named_for(runs):
    folder, _ = runs["a"]
    for name, text in VIEWS.items():
        shown = svg_text((folder / f"{name}.svg").read_text(encoding="utf-8"))
        assert text in shown, f"{name}: {text!r} not on screen"
        # Every picture: the status line with the demo's figures at the frozen moment.
        # (the SVG's text loses the spaces at style changes: the bold counts are looked for one by one)
        live = all(part in shown for part in ("local demo.db", "agents 4 alive", "2 stale", "2 dead"))
        assert live == (name not in NOT_LIVE), name
    assert "◀ PAST" in svg_text((folder / "12-time-travel.svg").read_text(encoding="utf-8"))


def test_two_runs_write_byte_identical_svgs(runs):
    a, _ = runs["a"]
    b, _ = runs["b"]
    for name in VIEWS:
        first, second = (a / f"{name}.svg").read_bytes(), (b / f"{name}.svg").read_bytes()
        assert first == second, f"{name}.svg differs between two runs"


def test_nothing_of_the_temporary_database_path_shows(runs):
    folder, _ = runs["a"]
    for svg in folder.glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert "jetpack-shots-" not in text and not re.search(r"/tmp/|/var/folders/", text), svg.name


def test_without_chromium_svgs_only_and_says_why(runs):
    folder, done = runs["b"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.svg" for name in VIEWS)
    assert "no PNG: headless Chromium was not found" in done.stderr


@pytest.mark.parametrize("size", ["10x5", "140", "wide", "500x40", "140x300"])
def test_parse_size_refuses_what_is_no_terminal(size):
    with pytest.raises(ValueError, match="--size must"):
        parse_size(size)


def test_parse_size_reads_width_and_height():
    assert parse_size("140x40") == (140, 40)
    assert parse_size(" 100X30 ") == (100, 30)


def test_a_bad_size_is_one_line_and_exit_2(cli, tmp_path):
    done = cli("screenshots", "--size", "10x5", "--out", "never")
    assert done.returncode == 2
    assert done.stderr.startswith("jetpack-tui: --size must") and done.stderr.count("\n") == 1
    assert not (tmp_path / "never").exists()


def test_an_explicit_missing_chromium_is_refused(cli, tmp_path):
    done = cli("screenshots", "--chromium", str(tmp_path / "no-such-chromium"), "--out", "x")
    assert done.returncode == 2
    assert "no such Chromium" in done.stderr
    assert not (tmp_path / "x").exists()
