"""Moments an operator types: ``-2h``, ``-1h30m``, ``now``, ``2h ago``,
``2026-01-18T01:30``, ``2026-01-18 01:30:00+02:00``, epoch seconds.

ISO 8601 without an offset is the operator's local time (what a clock on
the wall says); the database stores UTC epoch seconds.  Anything else is a
:class:`MomentError` with a message that says what is accepted.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from ..errors import InvalidInputError

UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_RELATIVE = re.compile(r"^\s*-\s*((?:\d+(?:\.\d+)?\s*[smhdw]\s*)+)$", re.IGNORECASE)
_AGO = re.compile(r"^\s*((?:\d+(?:\.\d+)?\s*[smhdw]\s*)+)\s*ago\s*$", re.IGNORECASE)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_EPOCH = re.compile(r"^\s*\d{9,11}(?:\.\d+)?\s*$")
#: For argparse: a dash then a digit (``--at -2h``, ``--at -2x``) is a value,
#: so a bad one gets this module's error instead of "expected one argument".
LEADING_DASH_DIGIT = re.compile(r"^-\d")

HELP = "ISO 8601 (2026-01-18T01:30, local time unless it has an offset), -2h / -30m / -1h30m, '2h ago', now"


class MomentError(InvalidInputError):
    """Text that is not a moment."""


def _span(text: str) -> float:
    return sum(float(n) * UNITS[u.lower()] for n, u in _PART.findall(text))


def parse_moment(text: str, now: float) -> float:
    """Epoch seconds of ``text`` relative to ``now``."""
    if not isinstance(text, str) or not text.strip():
        raise MomentError(f"empty time: expected {HELP}")
    value = text.strip()
    if value.lower() == "now":
        return now
    for shape in (_RELATIVE, _AGO):
        match = shape.match(value)
        if match:
            return now - _span(match.group(1))
    if _EPOCH.match(value):
        return float(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        epoch = moment.timestamp()  # naive: local time
    except (ValueError, OverflowError, OSError):
        raise MomentError(f"not a time: {value[:60]!r} (expected {HELP})") from None
    if not math.isfinite(epoch) or epoch < 0:
        raise MomentError(f"not a time after 1970: {value[:60]!r}")
    return epoch


def parse_span(text: str) -> float:
    """Seconds of ``1h``, ``12h``, ``7d``, ``90m`` (a window or a step)."""
    value = (text or "").strip()
    if not value or not re.fullmatch(r"(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+", value, re.IGNORECASE):
        raise MomentError(f"not a duration: {value[:40]!r} (expected e.g. 1h, 12h, 7d, 30m)")
    seconds = _span(value)
    if seconds <= 0:
        raise MomentError(f"a duration must be positive, not {value!r}")
    return seconds
