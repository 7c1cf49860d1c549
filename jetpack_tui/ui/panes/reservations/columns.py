"""The reservations table: one row per reservation, keyed by its id.

A reservation in a conflict group is marked with the group's label (``C1``)
in the error colour; the agent column is coloured by the holder's liveness
(a dead holder's reservation is the usual candidate for force-release).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text

from jetpack_tui.data.reservation_models import Reservation

from ...safe_text import cell
from ...timefmt import ago, left
from ..kit.keyed_table import Col, KeyedTable, key_cell


@dataclass(frozen=True)
class ReservationRow:
    reservation: Reservation
    group: str = ""
    holder_liveness: str = "unknown"

    @property
    def id(self) -> str:
        return self.reservation.id


_STATE_MEANING = {"active": "ok", "expired": "warn", "released": "muted"}


def render_row(row: ReservationRow, now: float, style: Callable[[str], str]) -> tuple[Text, ...]:
    r = row.reservation
    flag = "⚑ " if r.problems else ""
    marker = Text(f"⚠ {row.group}" if row.group else "", style=style("bad") if row.group else "")
    created = r.raw.get("created_at")
    expires = r.raw.get("expires_at")
    return (
        key_cell(r.id, flag + (r.file_path or "?"), style=style("bad") if row.group else ""),
        marker,
        cell(r.reservation_type or "?", limit=10),
        cell(r.agent_id or "—", limit=30, style=style(row.holder_liveness)),
        cell(r.task_id or "—", limit=30),
        cell(created, style="italic") if created is not None else cell(ago(r.created_at, now)),
        cell(expires, style="italic") if expires is not None else cell(left(r.expires_at, now) or "never"),
        cell(r.state, style=style(_STATE_MEANING.get(r.state, "warn"))),
    )


class ReservationTable(KeyedTable[ReservationRow]):
    COLUMNS = (
        Col("path", "path", 24, grow=True),
        Col("conflict", "conflict", 8),
        Col("type", "type", 6),
        Col("agent", "agent", auto=True, cap=30),
        Col("task", "task", auto=True, cap=30, drop=2),
        Col("age", "age", 5, drop=3),
        Col("expires", "expires", 11, drop=1),
        Col("state", "state", 8, drop=4),
    )
