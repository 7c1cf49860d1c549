"""Time as the DataLayer stores and reads it.

Columns we own hold epoch seconds as REAL so SQL can compare them cheaply.
The seed's ``DATETIME`` columns hold UTC text ``YYYY-MM-DD HH:MM:SS.fff``, the
same shape SQLite's ``CURRENT_TIMESTAMP`` writes, so both sort together.
Other clients write whatever they like there; :func:`parse_timestamp` reads
every common shape and returns ``None`` for nonsense instead of raising.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Iterator
from datetime import datetime, timezone

_ISO_LIKE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)


_fixed: float | None = None


def now() -> float:
    """Current time in epoch seconds (the one clock every module uses)."""
    return time.time() if _fixed is None else _fixed


@contextlib.contextmanager
def fixed_time(epoch: float) -> Iterator[None]:
    """Freeze :func:`now` (process-wide) for deterministic screenshots and
    snapshot tests: liveness, ages and lease countdowns then render the same
    on every run.  Never used by agents."""
    global _fixed
    previous, _fixed = _fixed, float(epoch)
    try:
        yield
    finally:
        _fixed = previous


def to_db_text(epoch: float) -> str:
    """Epoch seconds -> the seed's DATETIME text (UTC, millisecond precision)."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def parse_timestamp(value: object) -> float | None:
    """Read a timestamp written by any client; ``None`` when it is not one.

    Accepts epoch seconds or milliseconds (int, float or numeric text),
    ``2026-01-18 10:00:00``, ``2026-01-18T10:00:00.123Z``, offsets such as
    ``+02:00``, and a bare date.  Naive values are UTC, as SQLite writes them.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_number(float(value))
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return _from_number(float(text))
    except ValueError:
        pass
    match = _ISO_LIKE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day),
            int(hour or 0), int(minute or 0), int(second or 0),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    epoch = moment.timestamp()
    if fraction:
        epoch += int(fraction) / 10 ** len(fraction)
    if zone and zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


def _from_number(number: float) -> float | None:
    if math.isnan(number) or math.isinf(number) or number < 0:
        return None
    if number > 1e11:  # milliseconds since the epoch
        number /= 1000.0
    if number > 1e11:  # still absurd: not a time
        return None
    return number
