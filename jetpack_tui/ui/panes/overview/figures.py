"""The Overview's figures, computed from the raw sections at a moment.

Pure functions (no widgets, no database): the pane calls :func:`figures`
whenever data arrives and every second, and updates only the figures whose
text changed.  Each figure names the pane (and filter) that explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jetpack_tui.data.models import Liveness

from ...timefmt import span
from .data import HOURS

BARS = " ▁▂▃▄▅▆▇█"
TASK_ORDER = ("ready", "blocked", "claimed", "in_progress", "failed", "cancelled", "completed")
_TASK_TARGET = {
    "ready": {"quick": "ready"}, "blocked": {"quick": "blocked"}, "claimed": {"quick": "claimed"},
    "in_progress": {"quick": "claimed"}, "failed": {"quick": "failed"}, "completed": {"quick": "completed"},
    "cancelled": {"quick": "all", "show_completed": True},
}


@dataclass(frozen=True)
class Figure:
    key: str
    group: str
    label: str
    value: str
    meaning: str = ""
    #: ``(pane id, filters)`` the figure jumps to, or ``None``.
    pane: str | None = None
    filters: tuple[tuple[str, Any], ...] = ()
    hint: str = ""


def _fig(key: str, group: str, label: str, value: Any, *, meaning: str = "", pane: str | None = None,
         hint: str = "", **filters: Any) -> Figure:
    text = f"{value:,}" if isinstance(value, int) else str(value)
    return Figure(key, group, label, text, meaning, pane, tuple(sorted(filters.items())), hint)


def hourly(completions: tuple[float, list[int]], now: float) -> list[int]:
    """Completions per hour, oldest first; the last bucket is the past hour.
    ``completions`` is (read at, buckets then): shifted by the whole hours
    passed since (the section is re-read long before that matters)."""
    read_at, buckets = completions
    shift = max(0, int((now - read_at) // 3600))
    if shift >= HOURS:
        return [0] * HOURS
    return list(buckets[shift:]) + [0] * shift


def sparkline(buckets: list[int]) -> str:
    top = max(buckets) if buckets else 0
    if not top:
        return "·" * len(buckets)
    return "".join(BARS[0] if n == 0 else BARS[max(1, round(n / top * (len(BARS) - 1)))] for n in buckets)


def _task_figures(counts: dict[str, int]) -> list[Figure]:
    out = []
    for status in TASK_ORDER:
        n = counts.get(status, 0)
        meaning = "bad" if status == "failed" and n else ""
        out.append(_fig(f"tasks.{status}", "Tasks", status.replace("_", " "), n, meaning=meaning, pane="tasks",
                        **_TASK_TARGET[status]))
    for status in sorted(s for s in counts if s not in TASK_ORDER and s != "pending"):
        out.append(_fig(f"tasks.?{status}", "Tasks", f"{status}?", counts[status], meaning="warn", pane="tasks",
                        hint="unknown status", quick="all", show_completed=True))
    return out


def figures(sections: dict[str, Any], now: float, thresholds: Liveness, sync: tuple[str, str]) -> list[Figure]:
    """Every figure at ``now`` (sections not read yet show as ``…``)."""
    out: list[Figure] = []
    if "tasks" in sections:
        out += _task_figures(sections["tasks"])
    if "completions" in sections:
        buckets = hourly(sections["completions"], now)
        last, previous = buckets[-1], buckets[-2] if len(buckets) > 1 else 0
        out.append(_fig("tasks.per_hour", "Tasks", "completed last hour", last,
                        pane="tasks", hint=f"prev hour {previous:,}", quick="completed",
                        order_by="updated_at", descending=True))
    if "agents" in sections:
        states = [thresholds.of(beat, status, now) for beat, status in sections["agents"]]
        for name in ("alive", "stale", "dead", "stopped"):
            n = states.count(name)
            if name == "stopped" and not n:
                continue  # shown only when some agent said goodbye
            meaning = {"alive": "ok", "stale": "warn", "dead": "bad", "stopped": "muted"}[name] if n else ""
            out.append(_fig(f"agents.{name}", "Agents", name, n, meaning=meaning, pane="agents", liveness=name))
    coordination = []
    if "orphaned" in sections:
        n = sections["orphaned"]
        coordination.append(_fig("orphaned", "Needs attention", "orphaned tasks", n, meaning="bad" if n else "",
                                 pane="agents", hint="dead holders", liveness="dead"))
    if "claims" in sections:
        n = sections["claims"]
        coordination.append(_fig("claims.expired", "Needs attention", "expired claims", n,
                                 meaning="warn" if n else "", pane="tasks", hint="to reclaim",
                                 quick="claimed", order_by="lease_expires_at", descending=False))
    if "leases" in sections:
        n = sum(1 for e in sections["leases"] if e is not None and e <= now)
        coordination.append(_fig("leases.expired", "Needs attention", "expired leases", n,
                                 meaning="warn" if n else "", pane="agents", hint="to reclaim"))
    if "conflicts" in sections:
        pairs, members = sections["conflicts"]
        coordination.append(_fig("reservations.contended", "Needs attention", "contended reservations",
                                 f"{members:,} in {pairs:,} pair(s)" if pairs else 0, meaning="bad" if pairs else "",
                                 pane="reservations", conflicts=True))
    if "mail" in sections:
        unacked, unread = sections["mail"]
        coordination.append(_fig("mail.unacked", "Needs attention", "unacked messages", unacked,
                                 meaning="warn" if unacked else "", pane="mail", hint=f"{unread:,} unread",
                                 pending=True))
    coordination.append(_fig("sync", "Needs attention", "last sync", sync[0], meaning=sync[1],
                             hint="enter: refresh now"))
    return out + coordination


def sync_text(status: Any, now: float, *, source: str, refreshed_ago: float | None) -> tuple[str, str]:
    """(text, meaning) of the "last sync" figure: a Turso sync status when the
    DataLayer has one, else how fresh the local refresh is."""
    if status is not None:
        last = getattr(status, "last_ok_at", None)
        text = "never" if last is None else ("just now" if now - last < 5 else f"{span(now - last)} ago")
        if getattr(status, "stale", False):
            return f"{text} · STALE", "bad"
        queued = getattr(status, "queued", 0)
        return (f"{text} · {queued} queued" if queued else text), ""
    if refreshed_ago is None:
        return f"loading ({source})", "warn"
    return ("just now" if refreshed_ago < 5 else f"{span(refreshed_ago)} ago") + f" ({source})", ""


def hourly_chart(buckets: list[int], *, height: int = 6, width: int = 5) -> str:
    """A bar chart of ``buckets`` (oldest first), counts on top, hours below."""
    top = max(buckets) if buckets else 0
    levels = [0 if not top else max(1, round(n / top * height * 8)) if n else 0 for n in buckets]
    rows = ["".join((f"{n:^{width}}" if n else " " * width) for n in buckets)]
    for row in range(height - 1, -1, -1):
        line = ""
        for level in levels:
            fill = max(0, min(8, level - row * 8))
            bar = "█" if fill == 8 else ("" if fill == 0 else BARS[fill])
            line += f"{bar * (width - 2):^{width}}" if bar else " " * width
        rows.append(line)
    count = len(buckets)
    rows.append("".join(f"{('now' if i == count - 1 else f'-{count - 1 - i}h'):^{width}}" for i in range(count)))
    return "\n".join(rows)
