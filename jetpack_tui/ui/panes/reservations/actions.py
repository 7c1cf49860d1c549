"""The Reservations pane's writes (worker thread): release, force-release.

Stale-view protection: both re-read the reservation first and refuse with a
:class:`ConflictError` (carrying it as it is now) when its state, expiry or
holder differ from what the operator saw — e.g. the holder renewed it since.
``force_release`` itself refuses a reservation that is no longer held and
tells the holder by mail in the same transaction.
"""

from __future__ import annotations

from typing import Any

from jetpack_tui.data.errors import ConflictError


def check_unchanged(dl: Any, seen: Any) -> Any:
    current = dl.reservations.get(seen.id)
    for name in ("state", "expires_at", "agent_id", "file_path"):
        if getattr(current, name) != getattr(seen, name):
            raise ConflictError(f"reservation {seen.id} changed since you saw it ({name})", current)
    return current


def release(dl: Any, seen: Any) -> Any:
    check_unchanged(dl, seen)
    return dl.reservations.release(seen.id, agent_id=seen.agent_id)


def force_release(dl: Any, operator: str, seen: Any, reason: str) -> Any:
    check_unchanged(dl, seen)
    return dl.reservations.force_release(seen.id, by=operator, reason=reason)
