"""JSON columns: strict on write, lenient on read.

Other clients may leave broken JSON in ``required_skills``, ``dependencies``,
``payload`` or ``metadata``.  Reads never raise on it: :func:`read_list` and
:func:`read_json` return a usable value plus a flag, and the raw text is kept
by the caller so nothing is lost or silently rewritten.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidInputError

_MISSING = object()


def dump_json(value: Any, *, what: str) -> str:
    """Serialise a caller's value, refusing what JSON cannot hold."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"{what} is not JSON-serialisable: {error}") from None


def dump_string_list(values: Any, *, what: str) -> str:
    """Serialise a list of non-empty strings (skills, dependency ids)."""
    if isinstance(values, (str, bytes)):
        raise InvalidInputError(f"{what} must be a list of strings, not a single string")
    items = list(values or ())
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidInputError(f"{what} must hold non-empty strings, got {item!r}")
    return dump_json(items, what=what)


def read_json(raw: Any) -> tuple[Any, bool]:
    """Parse a JSON column; returns ``(value, ok)``; broken text gives ``(None, False)``."""
    if raw is None:
        return None, True
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, False
    if not isinstance(raw, str):
        return raw, False
    try:
        return json.loads(raw), True
    except (ValueError, RecursionError):
        return None, False


def read_list(raw: Any) -> tuple[list[str], bool]:
    """Parse a JSON array of strings; anything else is flagged, never raised."""
    value, ok = read_json(raw)
    if value is None:
        return [], ok
    if not isinstance(value, list):
        return [], False
    clean = [item if isinstance(item, str) else json.dumps(item) for item in value]
    return clean, ok and all(isinstance(item, str) for item in value)


def as_text(raw: Any) -> str | None:
    """Any stored value as text for display (bytes decoded with replacement)."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return str(raw)


def known_value(raw: Any, allowed: Any, name: str, problems: list[str], default: str = "") -> str:
    """A status/priority/type as stored (text), flagged when not one of ``allowed``:
    the row still lists with the value another client wrote."""
    value = as_text(raw) or default
    if value not in allowed:
        problems.append(f"{name}: unknown value {value!r}")
    return value
