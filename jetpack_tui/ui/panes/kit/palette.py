"""Colours for table cells, taken from the app's theme variables.

Rich ``Text`` cells cannot use Textual's ``$success``-style variables, so
the panes look the colours up in ``app.theme_variables`` (filled from the
current theme) instead of hard-coding any: a theme switch recolours them
on the next render.  Without a colour (no theme yet) they fall back to
plain emphasis, so meaning never depends on colour alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rich.color import Color, ColorParseError

#: Meaning -> (theme variable, emphasis used with or without colour).
_MEANINGS = {
    "alive": ("text-success", ""),
    "stale": ("text-warning", "bold"),
    "dead": ("text-error", "bold"),
    "stopped": ("text-muted", "dim"),
    "ok": ("text-success", ""),
    "warn": ("text-warning", "bold"),
    "bad": ("text-error", "bold"),
    "muted": ("text-muted", "dim"),
    "accent": ("text-accent", "bold"),
}


@lru_cache(maxsize=256)
def _rich_colour(value: str) -> str:
    """``value`` if Rich can use it as a colour (``#8AD4A1``), else ``""``
    (theme variables may hold Textual-only values such as ``auto 60%``)."""
    try:
        Color.parse(value)
    except ColorParseError:
        return ""
    return value


def style_for(app: Any, meaning: str) -> str:
    """A Rich style string for ``meaning`` (``alive``/``stale``/``dead``/``warn``…)."""
    variable, emphasis = _MEANINGS.get(meaning, ("", ""))
    variables = getattr(app, "theme_variables", None) or {}
    colour = _rich_colour(str(variables.get(variable, ""))) if variable else ""
    return " ".join(part for part in (emphasis, colour) if part)


class Palette:
    """``style_for`` bound to one app, looked up lazily at render time."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __call__(self, meaning: str) -> str:
        return style_for(self._app, meaning)
