"""Short human durations for cells and the status line ("42s", "3m", "2h", "5d")."""

from __future__ import annotations


def span(seconds: float | None) -> str:
    """A duration rounded to one unit; empty for unknown."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 60:
        return f"{sign}{int(s)}s"
    if s < 3600:
        return f"{sign}{int(s // 60)}m"
    if s < 86400:
        return f"{sign}{int(s // 3600)}h"
    return f"{sign}{int(s // 86400)}d"


def ago(moment: float | None, now: float) -> str:
    return "" if moment is None else span(max(0.0, now - moment))


def left(deadline: float | None, now: float) -> str:
    """Time left until ``deadline``; ``expired 12s`` once past it."""
    if deadline is None:
        return ""
    remaining = deadline - now
    return span(remaining) if remaining >= 0 else f"expired {span(-remaining)}"
