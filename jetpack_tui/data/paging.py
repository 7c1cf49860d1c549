"""One SQL page: ``LIMIT ? OFFSET ?`` with the caller's values checked.

Every list method pages in SQL (100k rows never reach Python); a limit of
``nan``, ``inf`` or ``"ten"`` is the caller's mistake and gets a typed error,
not a bare ``ValueError`` from ``int()``.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidInputError


def page(sql: str, params: list[Any], limit: Any, offset: Any) -> tuple[str, list[Any]]:
    """``sql`` with ``LIMIT ? OFFSET ?`` appended (unless ``limit`` is None)."""
    if limit is None:
        return sql, params
    try:
        bounds = [int(limit), int(offset)]
    except (TypeError, ValueError, OverflowError):  # nan, inf, "ten"
        raise InvalidInputError(f"limit and offset must be integers, not {limit!r}, {offset!r}") from None
    return sql + " LIMIT ? OFFSET ?", params + bounds
