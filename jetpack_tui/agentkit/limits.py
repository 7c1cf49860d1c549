"""Bounds on what an agent may send, and the checks that enforce them.

An agent is a model or a script: it can send a 10 MB string, a list of a
million paths, or a number where text belongs.  Every operation of
:mod:`jetpack_tui.agentkit` checks its inputs here *before* the DataLayer is
called, so nothing oversized ever reaches a transaction (the write lock is
held for milliseconds, not for however long it takes to store a megabyte)
and the caller gets one clear sentence naming the argument and the limit.

The same numbers are published in the MCP tools' JSON schemas
(``maxLength``, ``maxItems``, ``maximum``), so a model sees them before it calls.
"""

from __future__ import annotations

import json
import math
from typing import Any

from jetpack_tui.data import InvalidInputError

#: Ids of tasks, messages, threads, reservations; agent ids; lease resources.
MAX_ID = 200
#: A task title, a message type, a status filter, a search query.
MAX_SHORT = 500
#: Message text, a task description, an error, a memory.
MAX_TEXT = 20_000
#: A file path or glob (the DataLayer allows 4,096; agents name files, not essays).
MAX_PATH = 1_024
#: Items in any list argument (paths, ids, skills, dependencies).
MAX_ITEMS = 100
#: Serialised size of a JSON argument (a task result, message data, metadata).
MAX_JSON = 64_000
#: Rows returned by one list/search call.
MAX_ROWS = 200
#: Longest TTL an agent may ask for (a week), in seconds.
MAX_TTL = 7 * 24 * 3600.0


def _invalid(message: str) -> InvalidInputError:
    return InvalidInputError(message)


def text(value: Any, what: str, *, limit: int = MAX_TEXT, optional: bool = False) -> str | None:
    """A non-empty string of at most ``limit`` characters (``None`` when optional)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{what} must be text, not {type(value).__name__}")
    if not value.strip():
        raise _invalid(f"{what} must not be empty")
    if len(value) > limit:
        raise _invalid(f"{what} is {len(value):,} characters long (at most {limit:,})")
    if "\x00" in value:
        raise _invalid(f"{what} must not contain NUL characters")
    return value


def ident(value: Any, what: str, *, optional: bool = False) -> str | None:
    """An id: short text."""
    return text(value, what, limit=MAX_ID, optional=optional)


def items(values: Any, what: str, *, limit: int = MAX_ITEMS, each: int = MAX_ID,
          optional: bool = False) -> list[str]:
    """A list of at most ``limit`` non-empty strings of at most ``each`` characters."""
    if values is None and optional:
        return []
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise _invalid(f"{what} must be a list of strings")
    if len(values) > limit:
        raise _invalid(f"{what} has {len(values):,} items (at most {limit:,})")
    return [text(v, f"{what}[{n}]", limit=each) for n, v in enumerate(values)]  # type: ignore[misc]


def json_value(value: Any, what: str, *, limit: int = MAX_JSON) -> Any:
    """Any JSON value whose serialised form fits in ``limit`` characters."""
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        raise _invalid(f"{what} must be a JSON value (objects, lists, text, numbers, true/false, null)") from None
    if size > limit:
        raise _invalid(f"{what} is {size:,} characters as JSON (at most {limit:,})")
    return value


def json_object(value: Any, what: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid(f"{what} must be a JSON object")
    return json_value(value, what)


def number(value: Any, what: str, *, low: float, high: float, optional: bool = False) -> float | None:
    """A finite number with ``low < value <= high`` (``low`` excluded so a ttl of 0 is refused)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _invalid(f"{what} must be a number")
    if not low < value <= high:
        raise _invalid(f"{what} must be more than {low:g} and at most {high:g}, not {value:g}")
    return float(value)


def count(value: Any, what: str, *, high: int = MAX_ROWS) -> int:
    """An integer in ``1..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{what} must be an integer")
    if not 1 <= value <= high:
        raise _invalid(f"{what} must be between 1 and {high}, not {value}")
    return value


def ttl(value: Any, what: str = "ttl", *, optional: bool = True) -> float | None:
    return number(value, what, low=0.0, high=MAX_TTL, optional=optional)


def choice(value: Any, what: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _invalid(f"{what} must be one of {', '.join(allowed)}, not {str(value)[:MAX_ID]!r}")
    return value
