"""SVG -> PNG with headless Chromium (Debian's ``chromium`` package).

Why Chromium: the SVGs Textual writes use CSS, clip paths and ``textLength``
that simpler converters get wrong, and Chromium is already what CI installs
for the browser test, so no Python dependency is added.  Nothing may leave
the machine: every host name but 127.0.0.1 resolves to nothing (the SVG's
font CDN included; the system's monospace font is used instead) and
background networking is off.  ``--no-sandbox`` because CI runs as root and
the only page ever opened is our own local file.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HEADLESS_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
TIMEOUT = 60.0
_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)\s*"')


class PngError(Exception):
    """Chromium could not turn an SVG into a PNG."""


def find_chromium(explicit: str | None = None) -> str | None:
    """The Chromium to use: ``explicit`` (a path or a name on PATH), else the
    first of :data:`NAMES` on PATH; ``None`` when there is none."""
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else shutil.which(explicit)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def svg_size(svg: str) -> tuple[int, int]:
    """Pixel size of a Rich/Textual SVG, from its ``viewBox``."""
    match = _VIEWBOX.search(svg)
    if match is None:
        raise PngError("the SVG has no viewBox")
    return math.ceil(float(match.group(1))), math.ceil(float(match.group(2)))


def svg_to_png(svg: Path, png: Path, *, browser: str, timeout: float = TIMEOUT) -> Path:
    """Render ``svg`` at its own size into ``png``."""
    width, height = svg_size(svg.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="jetpack-chromium-") as profile:
        command = [browser, *HEADLESS_FLAGS, f"--user-data-dir={profile}", "--force-device-scale-factor=1",
                   f"--window-size={width},{height}", f"--screenshot={png.resolve()}", svg.resolve().as_uri()]
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise PngError(f"{svg.name}: Chromium did not finish within {timeout:g} s") from None
        except OSError as error:
            raise PngError(f"{browser}: {error.strerror or error}") from None
    if done.returncode != 0 or not png.is_file() or png.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise PngError(f"{svg.name}: Chromium failed (exit {done.returncode}): {last}")
    return png


def svgs_to_pngs(svgs: list[Path], *, browser: str, workers: int = 2) -> list[Path]:
    """A PNG beside each SVG (two Chromiums at a time); the PNGs, in order."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = [pool.submit(svg_to_png, svg, svg.with_suffix(".png"), browser=browser) for svg in svgs]
        return [job.result() for job in jobs]
