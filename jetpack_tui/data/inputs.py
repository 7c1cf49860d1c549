"""Checks every sub-interface shares: agent ids and lease lengths."""

from __future__ import annotations

import math
from typing import Any

from .errors import InvalidInputError

#: Longest lease a claim may ask for (a week): a lease that never runs out
#: would keep a crashed agent's task forever.
MAX_TTL = 7 * 24 * 3600.0
#: The broadcast address: never an agent id.
BROADCAST = "*"


def check_agent_id(agent_id: Any, what: str = "an agent id") -> str:
    """``what`` names the id in the message: "<what> must be a non-empty string"."""
    if not isinstance(agent_id, str) or not agent_id.strip():
        raise InvalidInputError(f"{what} must be a non-empty string")
    if agent_id.strip() == BROADCAST:
        raise InvalidInputError(f"{BROADCAST!r} is the broadcast address, not an agent id")
    return agent_id


def lease_seconds(ttl: Any, default: float) -> float:
    """``ttl`` (or ``default`` when None) as finite seconds in (0, MAX_TTL]."""
    seconds = default if ttl is None else ttl
    if (not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds)
            or seconds <= 0 or seconds > MAX_TTL):
        raise InvalidInputError(f"a lease ttl must be a number of seconds in (0, {MAX_TTL:.0f}], not {ttl!r}")
    return float(seconds)
