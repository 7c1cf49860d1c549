"""``jetpack-tui screenshots [--out DIR] [--size WxH]``: pictures of every pane.

Renders the dashboard (each pane, the task detail drawer, a memory search
and the help screen) from a deterministic demo database with a frozen
clock, as SVG (byte-identical on every run), plus a PNG of each when
headless Chromium is installed (Debian's ``chromium`` package).  Without
Chromium the SVGs are still written and the command says why there is no
PNG.  Exit status: 0 written, 2 bad arguments, 1 a view failed to render.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

from ._cli_support import fail

SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")
MIN_SIZE, MAX_SIZE = (80, 24), (400, 200)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("screenshots", help="render every pane as SVG (and PNG) for the README",
                                   description=__doc__.split("\n\n")[1])
    parser.add_argument("--out", default="screenshots", metavar="DIR", help="folder to write (default screenshots/)")
    parser.add_argument("--size", default="140x40", metavar="WxH", help="terminal size in cells (default 140x40)")
    parser.add_argument("--no-png", action="store_true", help="write the SVGs only")
    parser.add_argument("--chromium", metavar="PATH", help="the Chromium to make PNGs with (default: found on PATH)")


def parse_size(text: str) -> tuple[int, int]:
    match = SIZE.match(text)
    if match is None:
        raise ValueError(f"--size must look like 140x40, not {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise ValueError(f"--size must be between {MIN_SIZE[0]}x{MIN_SIZE[1]} and {MAX_SIZE[0]}x{MAX_SIZE[1]},"
                         f" not {width}x{height}")
    return width, height


def run(args: argparse.Namespace) -> int:
    from jetpack_tui.screenshots import ScreenshotError, render_screenshots
    from jetpack_tui.screenshots.chromium import PngError, find_chromium, svgs_to_pngs

    try:
        size = parse_size(args.size)
    except ValueError as error:
        return fail(str(error))
    browser = None if args.no_png else find_chromium(args.chromium)
    if args.chromium and not args.no_png and browser is None:
        return fail(f"{args.chromium}: no such Chromium")
    started = time.monotonic()
    try:
        svgs = render_screenshots(Path(args.out), size=size, theme=getattr(args, "theme", None))
    except ScreenshotError as error:
        return fail(f"screenshots: {error}", code=1)
    except OSError as error:
        return fail(f"{args.out}: {error.strerror or error}")
    for path in svgs:
        print(path)
    if browser is not None:
        try:
            for path in svgs_to_pngs(svgs, browser=browser):
                print(path)
        except PngError as error:
            return fail(f"screenshots: PNG: {error} (the SVGs are written)", code=1)
    elif not args.no_png:
        print("jetpack-tui screenshots: no PNG: headless Chromium was not found (install Debian's chromium "
              "package or pass --chromium PATH); the SVGs are written", file=sys.stderr)
    print(f"jetpack-tui screenshots: {len(svgs)} views in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
