"""A message payload as the operator reads it: pretty JSON, folded when long,
broken JSON shown raw and flagged.  Text only ever goes through safe_text."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from ...safe_text import BLOCK_LIMIT, clean

#: Payloads longer than this many lines are folded to :data:`FOLDED_LINES`.
FOLD_AFTER = 12
FOLDED_LINES = 8
FLAG = "⚑ "


def pretty(payload: Any) -> str:
    if payload is None:
        return "null"
    try:
        return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)
    except (TypeError, ValueError):
        return repr(payload)


def payload_lines(message: Any) -> tuple[list[str], bool]:
    """The payload's lines and whether it is broken (raw text shown)."""
    raw = message.raw.get("payload")
    if raw is not None:
        return str(raw)[:BLOCK_LIMIT].splitlines() or [""], True
    return pretty(message.payload)[:BLOCK_LIMIT].splitlines(), False


def render_payload(message: Any, *, unfolded: bool, flag_style: str = "bold",
                   lines: tuple[list[str], bool] | None = None) -> Text:
    """``lines`` is :func:`payload_lines` of the message when the caller keeps it."""
    lines, broken = lines if lines is not None else payload_lines(message)
    out = Text()
    if broken:
        out.append(FLAG + "payload is not valid JSON — shown raw\n", style=flag_style)
    folded = not unfolded and len(lines) > FOLD_AFTER
    shown = lines[:FOLDED_LINES] if folded else lines
    out.append(clean("\n".join(shown), multiline=True))
    if folded:
        out.append(f"\n… {len(lines) - FOLDED_LINES} more lines (z unfolds)", style="italic")
    return out
