"""The Overview's trend lines: is it getting better or worse?

Sparklines of the last 12 hours from the audit log's minute rollups
(``Insight.trends``): completions and failures per interval, the queue depth
(ready, blocked, claimed, in progress), the agents alive and the agents
holding work (alive or not: a dead agent's claims count).  They are not
read by the refresh worker: a :class:`~..kit.recompute.Recompute` asks for them when the Overview is shown and then every
:data:`EVERY` seconds while it stays shown — a trend does not move with
each commit, and the first question on a long log builds the rollups once
(seconds), which must never delay the figures above.  ``w`` opens the full
view with axes (:mod:`jetpack_tui.ui.screens.trends`).
"""

from __future__ import annotations

from rich.text import Text

from jetpack_tui.data.insight import Trends

from ...safe_text import clean

#: The window shown, its points, and seconds between two reads.
WINDOW = "12h"
POINTS = 36
EVERY = 60.0
BARS = "▁▂▃▄▅▆▇█"
#: (label, series, what the figure after the line says: "sum" over the window or the "last" value)
LINES = (
    ("completed", "completed", "sum"),
    ("failures", "failed", "sum"),
    ("ready", "ready", "last"),
    ("blocked", "blocked", "last"),
    ("claimed", "claimed", "last"),
    ("in progress", "in_progress", "last"),
    ("agents alive", "agents_alive", "last"),
    ("holding work", "agents_busy", "last"),
)


def known(trends: Trends, name: str) -> list[tuple[float, float | None]]:
    """``trends.series(name)`` with the intervals that end before the rollups
    begin blanked: a count there is "not known", not "nothing happened"."""
    start = trends.covered_from
    return [(x, None if start is None or x <= start else value) for x, value in trends.series(name)]


def spark(values: list[float | None]) -> str:
    """One character per value, scaled to the largest; unknown values are blank."""
    top = max((v for v in values if v is not None), default=0)
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif not top or not value:
            out.append("·")
        else:
            out.append(BARS[max(0, min(len(BARS) - 1, round(value / top * (len(BARS) - 1))))])
    return "".join(out)


def render_trends(trends: Trends | None, error: str | None = None) -> Text:
    """The sparkline block (pure: tested on its own)."""
    if error:
        return Text(f"trends unavailable: {clean(error)}", style="italic")
    if trends is None:
        return Text("reading the audit log…", style="italic")
    out = Text()
    for label, name, how in LINES:
        values = [v for _x, v in known(trends, name)]
        present = [v for v in values if v is not None]
        if how == "sum":
            figure = f"{sum(present):,.0f} in {WINDOW}" if present else "—"
        else:
            figure = f"{present[-1]:,.0f} now" if present and values[-1] is not None else "— now"
        out.append(f"{label:>12} ", style="bold")
        out.append(spark(values))
        out.append(f"  {figure}\n")
    for note in trends.notes:
        out.append(f"{clean(note)}\n", style="dim italic")
    return out
