"""The reservation drawer: the selected reservation and the conflict group it is in."""

from __future__ import annotations

from rich.text import Text

from jetpack_tui.data.models import Agent
from jetpack_tui.data.reservation_models import Reservation

from ...safe_text import clean, shorten
from ...timefmt import ago, left
from .columns import ReservationRow
from ...conflicts import Conflicts


def _who(reservation: Reservation) -> str:
    return (f"{clean(reservation.agent_id or '?')} {clean(reservation.reservation_type or '?')} "
            f"{shorten(clean(reservation.file_path or '?'), 60)}")


def render_reservation(row: ReservationRow, conflicts: Conflicts, holder: Agent | None, now: float) -> Text:
    r = row.reservation
    out = Text()
    out.append(shorten(clean(r.file_path or "?"), 200) + "\n", style="bold")
    if r.problems:
        out.append("⚑ flagged: " + "; ".join(clean(p) for p in r.problems) + "\n", style="bold")
    group = conflicts.by_id.get(r.id)
    if group is None:
        out.append("no conflict\n", style="dim")
    else:
        out.append(f"Conflict group {group.label} ({len(group.ids)} reservations)\n", style="bold underline")
        for first, second, path in group.pairs:
            a, b = conflicts.members[first], conflicts.members[second]
            out.append(f"{_who(a)}  ↔  {_who(b)}\n")
            out.append(f"    both cover {shorten(clean(path), 80)}\n", style="italic")
    out.append("\n")
    holder_text = "not registered" if holder is None else f"{row.holder_liveness}"
    lines = (("id", r.id), ("type", r.reservation_type), ("state", r.state), ("holder", f"{r.agent_id} ({holder_text})"),
             ("task", r.task_id or "—"), ("created", f"{ago(r.created_at, now)} ago" if r.created_at else "—"),
             ("expires", left(r.expires_at, now) or "never"))
    for name, value in lines:
        out.append(f"{name:>8}: ", style="bold")
        out.append(shorten(clean(value), 200) + "\n")
    return out
