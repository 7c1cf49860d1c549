"""``dl.leases``: hard, exclusive leases on any resource string.

Unlike file reservations (advisory), a lease has exactly one live holder.
Each grant increments the resource's ``token`` (kept when the lease is
released), so a holder can fence its writes elsewhere with it.  An expired
lease can be taken over by anyone.
"""

from __future__ import annotations

from . import clock
from .context import StoreContext
from .backend import Tx
from .errors import InvalidInputError, StaleLeaseError
from .models import Lease

_COLUMNS = "resource, agent_id, token, acquired_at, expires_at"


def _lease(row: tuple) -> Lease:
    return Lease(resource=row[0], agent_id=row[1], token=int(row[2] or 0),
                 acquired_at=row[3] if isinstance(row[3], (int, float)) else None,
                 expires_at=row[4] if isinstance(row[4], (int, float)) else None)


class Leases:
    def __init__(self, ctx: StoreContext) -> None:
        self._engine = ctx.engine

    @staticmethod
    def _check(resource: str, agent_id: str, ttl: float) -> None:
        if not isinstance(resource, str) or not resource:
            raise InvalidInputError("a lease needs a resource name")
        if not isinstance(agent_id, str) or not agent_id:
            raise InvalidInputError("a lease needs an agent id")
        if not isinstance(ttl, (int, float)) or ttl <= 0:
            raise InvalidInputError("a lease ttl must be a positive number of seconds")

    def acquire(self, resource: str, agent_id: str, ttl: float) -> Lease | None:
        """Take the lease, or ``None`` while another holder's lease is live.
        The holder itself may acquire again (it is renewed with a new token)."""
        self._check(resource, agent_id, ttl)

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
        self._check(resource, agent_id, ttl)

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
        return self._engine.read(lambda tx: self._get(tx, resource))

    def list(self, *, agent_id: str | None = None, live_only: bool = True) -> list[Lease]:
        moment = clock.now()
        rows = self._engine.rows(f"SELECT {_COLUMNS} FROM leases ORDER BY resource")
        leases = [_lease(r) for r in rows]
        return [l for l in leases
                if (agent_id is None or l.agent_id == agent_id) and (not live_only or l.live_at(moment))]
