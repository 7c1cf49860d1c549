"""Columns that use the width they are given.

Each keyed table declares its columns once (:class:`Col`); :func:`layout`
decides, for a width, which columns are shown and how wide each is:

* ``auto`` columns (ids, agent names) are as wide as their widest cell, so an
  id — how people talk about a task — is never cut;
* the ``grow`` column (a title, a path, a memory's text) takes what is left;
* at narrow widths columns with a ``drop`` rank are hidden, highest first
  (the drawer still shows every field of the selected row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Cells are padded by one space on each side (DataTable's ``cell_padding``).
PADDING = 2
#: Kept free for the vertical scrollbar, so a growing table does not re-layout.
SCROLLBAR = 2
#: The least a ``grow`` column is given when the columns that are never hidden take the rest.
MIN_GROW = 8


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    #: Natural width; for the ``grow`` column, what it keeps before other columns are hidden.
    width: int = 8
    #: Takes the width left over.
    grow: bool = False
    #: As wide as its widest cell (up to ``cap``): ids are never cut.
    auto: bool = False
    cap: int = 48
    #: An ``auto`` column may shrink to this when nothing else gives way
    #: (the board's status: ``ready ⚠ all dead`` is cut before the id is).
    least: int | None = None
    #: Hidden at narrow widths, the highest rank first; 0 is always shown.
    drop: int = 0


def layout(columns: Sequence[Col], width: int, content: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """``(column key, width)`` of the columns to show within ``width`` cells."""
    widths = {}
    for col in columns:
        if col.auto:
            widths[col.key] = min(col.cap, max(len(col.label), content.get(col.key, 0), 2))
        else:
            widths[col.key] = max(col.width, 1)
    shown = list(columns)
    room = max(0, width - SCROLLBAR)

    def needed() -> int:
        return sum(widths[c.key] + PADDING for c in shown)

    while needed() > room and any(c.drop for c in shown):
        shown.remove(max((c for c in shown if c.drop), key=lambda c: c.drop))
    spare = room - needed()
    growing = [c for c in shown if c.grow]
    if growing:  # takes what is left; when even the kept columns do not fit, it gives way (never below MIN_GROW)
        widths[growing[0].key] = max(MIN_GROW, widths[growing[0].key] + spare)
    for col in shown:
        excess = needed() - room
        if excess > 0 and col.least is not None:
            widths[col.key] = max(col.least, widths[col.key] - excess)
    return tuple((c.key, widths[c.key]) for c in shown)
