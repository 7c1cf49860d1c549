"""Pictures of the dashboard for the README: ``jetpack-tui screenshots``.

:mod:`.shots` says what each picture shows and how to get there with keys,
:mod:`.render` drives a real app on a deterministic demo database and
writes the SVGs, :mod:`.chromium` turns SVGs into PNGs with headless
Chromium when one is installed.
"""

from __future__ import annotations

from .render import DEFAULT_SIZE, ScreenshotError, render_screenshots, svg_text

__all__ = ["DEFAULT_SIZE", "ScreenshotError", "render_screenshots", "svg_text"]
