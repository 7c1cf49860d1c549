"""Show text from the database literally and safely: the one helper for it.

Anything an agent (or an attacker) wrote into the database may contain Rich
markup (``[red]``), terminal escape sequences (ESC ``[2J`` would clear the
operator's screen when echoed raw), other C0/C1 control characters, bidi
overrides that reorder what is displayed, NUL bytes or megabytes of text.
Every widget that shows database text goes through this module:

* control characters become visible: C0 → the Unicode "control pictures"
  (``\\x1b`` → ``␛``, NUL → ``␀``), DEL → ``␡``, C1 and bidi controls →
  ``\\x85`` / ``\\u202e`` escapes;
* the result is always a :class:`rich.text.Text` (never a ``str`` that Rich
  or Textual would parse as markup);
* table cells are one line and cut at :data:`CELL_LIMIT` characters; the
  detail drawer shows up to :data:`BLOCK_LIMIT` characters with a note.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text

CELL_LIMIT = 200
BLOCK_LIMIT = 64 * 1024
ELLIPSIS = "…"

# C0 except TAB/LF (handled per mode), DEL, C1, bidi embeddings/overrides/isolates,
# line/paragraph separators, BOM/zero-width no-break space.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile("[\t\n]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC → ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def to_str(value: Any) -> str:
    """Any database value as text (``None`` → empty, bytes decoded leniently)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="backslashreplace")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


def clean(value: Any, *, multiline: bool = False) -> str:
    """Text with every control character made visible.

    ``multiline`` keeps newlines and tabs (the drawer); otherwise they are
    escaped too so a cell stays one line (``\\n`` → ``␊``, tab → ``␉``).
    """
    text = _UNSAFE.sub(_escape, to_str(value))
    if not multiline:
        text = _LINE_BREAKS.sub(_escape, text)
    return text


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def cell(value: Any, *, limit: int = CELL_LIMIT, style: str = "") -> Text:
    """A one-line, literal, truncated table cell."""
    return Text(shorten(clean(value), limit), style=style, no_wrap=True, overflow="ellipsis")


def block(value: Any, *, limit: int = BLOCK_LIMIT, style: str = "") -> Text:
    """A multi-line literal block for the drawer, capped with a visible note."""
    raw = to_str(value)
    note = ""
    if len(raw) > limit:
        note = f"\n… truncated: showing {limit:,} of {len(raw):,} characters"
        raw = raw[:limit]
    text = Text(clean(raw, multiline=True), style=style)
    if note:
        text.append(note, style="italic")
    return text


def for_markup(value: Any, *, limit: int = CELL_LIMIT) -> str:
    """For the few APIs that only take markup strings (palette help text)."""
    from textual.markup import escape

    return escape(shorten(clean(value), limit))


def line(*parts: tuple[Any, str] | Any) -> Text:
    """Join literal parts into one Text; a part may be ``(value, style)``."""
    out = Text(no_wrap=True, overflow="ellipsis")
    for part in parts:
        if isinstance(part, tuple):
            value, style = part
            out.append(clean(value), style=style)
        else:
            out.append(clean(part))
    return out
