"""File reservations and hard leases of one agent.

Reservations are advisory by default: granted, with the overlapping
reservations other agents hold reported so the agent can coordinate.
``strict`` makes a call all-or-nothing: every path is checked first, and
if any one conflicts nothing is reserved (should a rival appear between the
check and the write, the paths this call reserved are released again).
Mixed into :class:`~.ops.AgentOps`.
"""

from __future__ import annotations

from typing import Any

from jetpack_tui.data import ConflictError, InvalidInputError, ReservationConflictError, StaleLeaseError
from jetpack_tui.data.reservation_models import RESERVATION_TYPES

from . import limits, views

#: Reservations expire after an hour unless the agent says otherwise.
DEFAULT_RESERVATION_TTL = 3600.0
#: A hard lease lasts five minutes unless the agent says otherwise.
DEFAULT_LEASE_TTL = 300.0


def _conflict_lines(conflicts: list[tuple[str, list[Any]]]) -> str:
    return "; ".join(f"{path} overlaps " + ", ".join(f"{r.agent_id} ({r.reservation_type} {r.file_path})"
                                                       for r in held) for path, held in conflicts)


def _conflict_views(conflicts: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    return [{"path": path, "held": [views.reservation(r) for r in held]} for path, held in conflicts]


class FileOps:
    dl: Any
    agent_id: str
    tokens: Any

    def _paths(self, paths: Any) -> list[str]:
        found = limits.items(paths, "paths", each=limits.MAX_PATH)
        if not found:
            raise InvalidInputError("paths must name at least one file or glob")
        return found

    def _conflicts(self, paths: list[str], kind: str) -> list[tuple[str, list[Any]]]:
        """``(path, reservations of other agents overlapping it)`` for each path that has any."""
        found = ((path, self.dl.reservations.check(self.agent_id, path, kind)) for path in paths)
        return [(path, held) for path, held in found if held]

    def check_files(self, paths: Any, type: Any = "edit") -> dict[str, Any]:
        """Who else holds a reservation overlapping these paths (nothing is written)."""
        kind = limits.choice(type, "type", RESERVATION_TYPES)
        conflicts = self._conflicts(self._paths(paths), kind)
        return {"clear": not conflicts, "conflicts": _conflict_views(conflicts)}

    def reserve_files(self, paths: Any, type: Any = "edit", task_id: Any = None, ttl: Any = DEFAULT_RESERVATION_TTL,
                      strict: bool = False) -> dict[str, Any]:
        kind = limits.choice(type, "type", RESERVATION_TYPES)
        wanted = self._paths(paths)
        task = limits.ident(task_id, "task_id", optional=True)
        seconds = limits.ttl(ttl)
        if not isinstance(strict, bool):
            raise InvalidInputError("strict must be true or false")
        if strict:
            rivals = self._conflicts(wanted, kind)
            if rivals:
                raise ReservationConflictError("nothing reserved: " + _conflict_lines(rivals),
                                               tuple(r for _, held in rivals for r in held))
        made: list[Any] = []
        conflicts: list[tuple[str, list[Any]]] = []
        try:
            for path in wanted:
                result = self.dl.reservations.reserve(self.agent_id, path, kind, task_id=task, ttl=seconds,
                                                      strict=strict)
                made.append(result.reservation)
                if result.conflicts:
                    conflicts.append((path, list(result.conflicts)))
        except ReservationConflictError:
            for reservation in made:  # all or nothing: a rival got in between the check and the write
                self.dl.reservations.release(reservation.id, agent_id=self.agent_id)
            raise
        return {"reserved": [views.reservation(r) for r in made], "conflicts": _conflict_views(conflicts)}

    def release_file_reservations(self, reservation_ids: Any = None, task_id: Any = None,
                                  all: bool = False) -> dict[str, Any]:
        """Release this agent's reservations: by id, of one task, or all of them."""
        if sum(x is not None and x is not False for x in (reservation_ids, task_id, all or None)) != 1:
            raise InvalidInputError("give exactly one of reservation_ids, task_id or all=true")
        if reservation_ids is not None:
            ids = limits.items(reservation_ids, "reservation_ids")
            targets = [self.dl.reservations.get(i) for i in ids]  # NotFoundError before anything changes
            strangers = [r for r in targets if r.agent_id != self.agent_id]
            if strangers:
                raise ConflictError("not yours to release: " + ", ".join(f"{r.id} (held by {r.agent_id})"
                                                                       for r in strangers), strangers[0])
        else:
            task = limits.ident(task_id, "task_id", optional=True)
            targets = self.dl.reservations.list(agent_id=self.agent_id, task_id=task)
        released = [self.dl.reservations.release(r.id, agent_id=self.agent_id) for r in targets if r.active]
        return {"released": [r.id for r in released], "count": len(released)}

    def my_reservations(self) -> list[dict[str, Any]]:
        return [views.reservation(r) for r in self.dl.reservations.list(agent_id=self.agent_id,
                                                                         limit=limits.MAX_ROWS)]

    # -- hard leases -----------------------------------------------------------------------
    def acquire_lease(self, resource: Any, ttl: Any = DEFAULT_LEASE_TTL) -> dict[str, Any]:
        """Take an exclusive lease; ``acquired`` is false while another agent holds it."""
        name = limits.ident(resource, "resource")
        lease = self.dl.leases.acquire(name, self.agent_id, limits.ttl(ttl, optional=False))
        if lease is None:
            return {"acquired": False, "lease": self._lease_view(name)}
        self.tokens.lease_granted(name, lease.token)
        return {"acquired": True, "lease": views.lease(lease)}

    def _lease_view(self, name: str) -> dict[str, Any] | None:
        current = self.dl.leases.get(name)
        return None if current is None else views.lease(current)

    def release_lease(self, resource: Any) -> dict[str, Any]:
        name = limits.ident(resource, "resource")
        token = self.tokens.lease_token(self.dl, self.agent_id, name)
        try:
            self.dl.leases.release(name, self.agent_id, token)
        except StaleLeaseError as error:
            holder = f" (now held by {error.current.agent_id})" if error.current and error.current.agent_id else ""
            raise StaleLeaseError(f"{self.agent_id} no longer holds lease {name!r}{holder}", error.current) from None
        finally:
            self.tokens.lease_forget(name)
        return {"released": True, "resource": name}
