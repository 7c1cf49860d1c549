"""The Reservations pane's writes (worker thread): release, force-release.

Stale-view protection lives in the DataLayer: each call passes what the
operator saw (the holder and the expiry), and the check and the release run
in one write transaction, refused with a :class:`ConflictError` carrying the
reservation as it is now — e.g. the holder renewed it since.
``force_release`` also refuses a reservation that is no longer held and tells
the holder by mail in the same transaction.
"""

from __future__ import annotations

from jetpack_tui.data.protocol import DataLayer
from jetpack_tui.data.reservation_models import Reservation


def release(dl: DataLayer, seen: Reservation) -> Reservation:
    return dl.reservations.release(seen.id, agent_id=seen.agent_id, expected_expires_at=seen.expires_at)


def force_release(dl: DataLayer, operator: str, seen: Reservation, reason: str) -> Reservation:
    return dl.reservations.force_release(seen.id, by=operator, reason=reason, expected_expires_at=seen.expires_at)
