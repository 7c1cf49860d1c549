"""``dl.leases``: hard, exclusive leases on any resource string.

Unlike file reservations (advisory), a lease has exactly one live holder.
Each grant increments the resource's ``token`` (kept when the lease is
released), so a holder can fence its writes elsewhere with it.  An expired
lease can be taken over by anyone.
"""

from __future__ import annotations

from typing import Any

from . import clock
from .backend import Tx
from .context import StoreContext
from .errors import InvalidInputError, StaleLeaseError
from .jsonvalues import as_text
from .models import Lease
from .inputs import check_agent_id, lease_seconds

_COLUMNS = "resource, agent_id, token, acquired_at, expires_at"


def _epoch(raw: Any, name: str, problems: list[str]) -> float | None:
    if raw is None:
        return None
    moment = clock.parse_timestamp(raw)
    if moment is None or isinstance(raw, (str, bytes)):
        problems.append(f"{name}: {'unreadable' if moment is None else 'stored as text'}")
    return moment


def _lease(row: tuple) -> Lease:
    """Decode a lease row without ever raising: another client may have
    written ``token = 'abc'`` or a date as text; the row is still listed,
    with the problem named."""
    problems: list[str] = []
    token = row[2]
    if not isinstance(token, int) or isinstance(token, bool):
        try:
            token = int(token or 0)
        except (TypeError, ValueError):
            problems.append(f"token: not an integer ({as_text(token)!r})")
            token = 0
    return Lease(resource=as_text(row[0]) or "", agent_id=as_text(row[1]), token=token,
                 acquired_at=_epoch(row[3], "acquired_at", problems),
                 expires_at=_epoch(row[4], "expires_at", problems), problems=tuple(problems))


class Leases:
    def __init__(self, ctx: StoreContext) -> None:
        self._engine = ctx.engine

    @staticmethod
    def _check(resource: str, agent_id: str, ttl: float) -> float:
        if not isinstance(resource, str) or not resource:
            raise InvalidInputError("a lease needs a resource name")
        check_agent_id(agent_id, "a lease needs an agent id that")
        return lease_seconds(ttl, 0.0)

    def acquire(self, resource: str, agent_id: str, ttl: float) -> Lease | None:
        """Take the lease, or ``None`` while another holder's lease is live.
        The holder itself may acquire again (it is renewed with a new token)."""
        ttl = self._check(resource, agent_id, ttl)

        def write(tx: Tx) -> Lease | None:
            moment = clock.now()
            row = tx.row(
                "INSERT INTO leases(resource, agent_id, token, acquired_at, expires_at) VALUES (?, ?, 1, ?, ?)"
                " ON CONFLICT(resource) DO UPDATE SET agent_id = excluded.agent_id, token = leases.token + 1,"
                " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, released_at = NULL"
                " WHERE leases.agent_id IS NULL OR leases.expires_at IS NULL OR leases.expires_at <= ?"
                " OR leases.agent_id = excluded.agent_id"
                f" RETURNING {_COLUMNS}",
                (resource, agent_id, moment, moment + ttl, moment),
            )
            return None if row is None else _lease(row)

        return self._engine.write(write)

    def renew(self, resource: str, agent_id: str, token: int, ttl: float) -> Lease:
        """Extend a live lease; refused when the token is no longer current."""
        ttl = self._check(resource, agent_id, ttl)

        def write(tx: Tx) -> Lease:
            moment = clock.now()
            row = tx.row(
                "UPDATE leases SET expires_at = ? WHERE resource = ? AND agent_id = ? AND token = ?"
                f" AND expires_at > ? RETURNING {_COLUMNS}",
                (moment + ttl, resource, agent_id, token, moment),
            )
            if row is None:
                raise StaleLeaseError(f"{agent_id} does not hold {resource!r} with token {token}",
                                      self._get(tx, resource))
            return _lease(row)

        return self._engine.write(write)

    def release(self, resource: str, agent_id: str, token: int) -> None:
        """Give the lease up; refused when the token is no longer current."""

        def write(tx: Tx) -> None:
            changed = tx.execute(
                "UPDATE leases SET agent_id = NULL, released_at = ? WHERE resource = ? AND agent_id = ? AND token = ?",
                (clock.now(), resource, agent_id, token),
            )
            if not changed:
                raise StaleLeaseError(f"{agent_id} does not hold {resource!r} with token {token}",
                                      self._get(tx, resource))

        self._engine.write(write)

    @staticmethod
    def _get(tx: Tx, resource: str) -> Lease | None:
        row = tx.row(f"SELECT {_COLUMNS} FROM leases WHERE resource = ?", (resource,))
        return None if row is None else _lease(row)

    def get(self, resource: str) -> Lease | None:
        """The lease if someone holds it now; ``None`` when nobody does
        (never taken, released, or expired)."""
        lease = self.inspect(resource)
        return lease if lease is not None and lease.held else None

    def inspect(self, resource: str) -> Lease | None:
        """The stored row whatever its state (released leases keep their
        last fencing token); ``None`` when the resource was never leased."""
        return self._engine.read(lambda tx: self._get(tx, resource))

    def list(self, *, agent_id: str | None = None, live_only: bool = True) -> list[Lease]:
        moment = clock.now()
        rows = self._engine.rows(f"SELECT {_COLUMNS} FROM leases ORDER BY resource")
        leases = [_lease(r) for r in rows]
        return [l for l in leases
                if (agent_id is None or l.agent_id == agent_id) and (not live_only or l.live_at(moment))]
