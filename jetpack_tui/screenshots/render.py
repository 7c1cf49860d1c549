"""Drive the real dashboard on a demo database and export each view as SVG.

Everything that could differ between two runs is pinned, so the SVGs are
byte-identical and a changed picture in a diff means the UI changed:

* the data: :func:`~jetpack_tui.demo.seed_data.build_demo_database` with
  ``now=DEMO_EPOCH`` (fixed ids, fixed timestamps);
* the time: the DataLayer's clock (:func:`jetpack_tui.data.clock.fixed_time`)
  and the app's clock both read ``DEMO_EPOCH``, so ages, liveness and lease
  countdowns render the same;
* the place: the database lives in a new temporary folder, so the status
  line is shown the name ``demo.db`` instead of that folder's path;
* the settings: fixed operator and default theme, no user config, no file
  watcher (the data never changes).

Waits are bounded polls of a condition between ``pilot.pause`` calls; the
final export is taken once two exports in a row are identical.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jetpack_tui.config import Settings
from jetpack_tui.data import HashEmbedder, clock, create_local_data_layer
from jetpack_tui.demo.seed_data import DEMO_EPOCH, build_demo_database

from .shots import SHOTS, Shot

DEFAULT_SIZE = (140, 40)
TITLE = "jetpack-tui"
#: What the status line calls the database (its real path is a temporary folder).
SHOWN_LOCATION = "demo.db"
#: Bounds of every wait: 20 ms pauses, 15 s in all.
PAUSE = 0.02
TRIES = 750

_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)


class ScreenshotError(Exception):
    """A view did not load, or did not show what it should."""


class _ShownAs:
    """The DataLayer, with another name on the status line."""

    def __init__(self, dl: Any, location: str) -> None:
        self._dl = dl
        self.location = location

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dl, name)


def svg_text(svg: str) -> str:
    """The visible text of a Textual/Rich SVG, spans joined in order."""
    return "".join(html.unescape(m) for m in _TEXT.findall(svg)).replace("\xa0", " ")


class Waiter:
    """Bounded waits for a condition, with pilot pauses in between."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot

    async def until(self, condition: Callable[[], Any], *, what: str) -> None:
        for _ in range(TRIES):
            if condition():
                return
            await self.pilot.pause(PAUSE)
        raise ScreenshotError(f"timed out waiting for {what}")

    async def loaded(self, pane_id: str, *, extra: Callable[[Any], Any] | None = None, what: str) -> None:
        """The pane is shown, has data, and no refresh is running."""
        app = self.pilot.app

        def ready() -> bool:
            pane = app.dashboard.active_pane
            return (pane.PANE_ID == pane_id and pane.loaded and pane.quiet and not pane.stale and app.summary is not None
                    and not app.refresher.busy and (extra is None or bool(extra(app))))

        await self.until(ready, what=what)


async def _stable_svg(pilot: Any) -> str:
    """Export once the screen has stopped changing (layout, tab underline)."""
    app = pilot.app
    await pilot.wait_for_scheduled_animations()
    previous = app.export_screenshot(title=TITLE)
    for _ in range(TRIES):
        await pilot.pause(PAUSE)
        current = app.export_screenshot(title=TITLE)
        if current == previous and not app.refresher.busy:
            return current
        previous = current
    raise ScreenshotError("the screen kept changing")


async def _render_all(dl: Any, size: tuple[int, int], shots: Sequence[Shot], theme: str | None) -> dict[str, str]:
    from jetpack_tui.ui.app import JetpackApp

    settings = Settings(operator="operator", theme=theme)
    with tempfile.TemporaryDirectory(prefix="jetpack-shots-state-") as state:  # no remembered theme
        return await _render_in(JetpackApp(_ShownAs(dl, SHOWN_LOCATION), settings=settings, clock=lambda: DEMO_EPOCH,
                                           watch=False, start_pane="overview", state_dir=state), size, shots)


async def _render_in(app: Any, size: tuple[int, int], shots: Sequence[Shot]) -> dict[str, str]:
    svgs: dict[str, str] = {}
    async with app.run_test(size=size) as pilot:
        waiter = Waiter(pilot)
        for shot in shots:
            await shot.go(pilot, waiter)
            svg = await _stable_svg(pilot)
            if shot.marker not in svg_text(svg):
                raise ScreenshotError(f"{shot.name}: {shot.marker!r} is not on the screen")
            svgs[shot.name] = svg
    return svgs


def render_svgs(*, size: tuple[int, int] = DEFAULT_SIZE, shots: Sequence[Shot] = SHOTS, seed: int = 0,
                theme: str | None = None) -> dict[str, str]:
    """``{file stem: SVG text}`` for every shot, from a fresh demo database."""
    with tempfile.TemporaryDirectory(prefix="jetpack-shots-") as folder:
        path = os.path.join(folder, "demo.db")
        build_demo_database(path, seed=seed, now=DEMO_EPOCH)
        with clock.fixed_time(DEMO_EPOCH):
            # the demo's memories carry hash-embedder vectors: search them as the dashboard does
            dl = create_local_data_layer(path, liveness=Settings().liveness, embedder=HashEmbedder())
            try:
                return asyncio.run(_render_all(dl, size, shots, theme))
            finally:
                dl.close()


def render_screenshots(out: str | os.PathLike[str], *, size: tuple[int, int] = DEFAULT_SIZE,
                       shots: Sequence[Shot] = SHOTS, seed: int = 0, theme: str | None = None) -> list[Path]:
    """Write ``<out>/<shot>.svg`` for every shot; the paths written, in order."""
    svgs = render_svgs(size=size, shots=shots, seed=seed, theme=theme)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, svg in svgs.items():
        target = folder / f"{name}.svg"
        target.write_text(svg, encoding="utf-8")
        written.append(target)
    return written
