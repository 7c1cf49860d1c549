"""``dl.reservations``: advisory file reservations (paths or globs).

An agent announces the files it is about to touch.  By default a
reservation is always granted and the conflicting reservations of other
agents are reported, so agents can coordinate (mail, wait, split work);
``strict=True`` refuses instead.  Paths are stored and compared in their
canonical spelling (:mod:`.paths`); ``glob=False`` reserves a literal path
whose name has glob characters.

The conflicts are decided outside the write lock, against a snapshot, and
the insert is guarded: it happens only if no reservation changed since the
snapshot, else the decision is made again with what changed
(:mod:`.reservation_snapshot`).  So of two processes racing for overlapping
paths strictly, exactly one wins, and the lock is held for milliseconds
whatever the patterns.

Expiry is derived from ``expires_at`` when rows are read (an expired
reservation is never active, whether or not :meth:`Reservations.expire` has
marked it yet).  Task code releases a task's reservations when the task is
completed, failed, released or reassigned (``mail_rows.release_task_reservations``).
"""

from __future__ import annotations

from typing import Any

from . import clock
from .context import StoreContext
from .backend import Tx
from .errors import ConflictError, InvalidInputError, NotFoundError, StorageBusyError
from .ids import new_id
from .mail_rows import notify_agents, release_task_reservations
from .paths import checked_pattern
from .reservation_models import (
    RESERVATION_TYPES,
    SELECT,
    Reservation,
    ReservationConflict,
    ReservationConflictError,
    ReservationResult,
    find_all_conflicts,
    find_conflicts,
    reservation_from_row,
)
from .reservation_snapshot import LIVE as _LIVE
from .reservation_snapshot import ReservationsChanged, Snapshot, check_unchanged, read_snapshot
from .paging import page

#: Guarded writes tried before giving up: each failure means another writer
#: changed reservations meanwhile, so the swarm as a whole progresses.
MAX_ATTEMPTS = 50


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _check_path(file_path: Any, glob: bool | None) -> str:
    """The canonical pattern to store and compare (:func:`.paths.checked_pattern`)."""
    _name(file_path, "file_path")
    if glob not in (None, True, False):
        raise InvalidInputError(f"glob must be True, False or None, not {glob!r}")
    return checked_pattern(file_path, glob=glob)


def _check_ttl(ttl: Any) -> float | None:
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0 or ttl == float("inf"):
        raise InvalidInputError(f"ttl must be a positive number of seconds, not {ttl!r}")
    return float(ttl)


class Reservations:
    """File reservations of one DataLayer."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine

    # -- reads --------------------------------------------------------------
    @staticmethod
    def _get(tx: Tx, reservation_id: str) -> Reservation:
        row = tx.row(SELECT + " WHERE r.id = ?", (reservation_id,))
        if row is None:
            raise NotFoundError(f"no reservation {reservation_id!r}")
        return reservation_from_row(row, clock.now())

    @staticmethod
    def _active(tx: Tx, moment: float) -> list[Reservation]:
        rows = tx.rows(SELECT + " WHERE " + _LIVE, (moment,))
        return [r for r in (reservation_from_row(row, moment) for row in rows) if r.active]

    def get(self, reservation_id: str) -> Reservation:
        return self._engine.read(lambda tx: self._get(tx, reservation_id))

    def list(self, *, active_only: bool = True, agent_id: str | None = None, task_id: str | None = None,
             path_contains: str | None = None, limit: int | None = None, offset: int = 0) -> list[Reservation]:
        """Reservations ordered by path then age; filters are ANDed."""
        moment = clock.now()
        clauses: list[str] = []
        params: list[Any] = []
        if active_only:
            clauses.append(_LIVE)
            params.append(moment)
        if agent_id is not None:
            clauses.append("r.agent_id = ?")
            params.append(agent_id)
        if task_id is not None:
            clauses.append("r.task_id = ?")
            params.append(task_id)
        if path_contains:
            clauses.append("instr(r.file_path, ?) > 0")
            params.append(path_contains)
        sql = SELECT + (" WHERE " + " AND ".join(clauses) if clauses else "")
        sql += " ORDER BY r.file_path, r.created_at, r.id"
        sql, params = page(sql, params, limit, offset)
        found = [reservation_from_row(row, moment) for row in self._engine.rows(sql, params)]
        return [r for r in found if r.active] if active_only else found

    def count(self, *, agent_id: str | None = None) -> int:
        """Active reservations (of one agent, or all): the overview's figure."""
        return len(self.list(agent_id=agent_id))

    def check(self, agent_id: str, file_path: str, reservation_type: str, *,
              glob: bool | None = None) -> list[Reservation]:
        """The active reservations a reservation would conflict with (nothing is written)."""
        pattern = self._validate(agent_id, file_path, reservation_type, glob)
        snapshot = self._snapshot(agent_id, pattern, reservation_type)
        return find_conflicts(agent_id, pattern, reservation_type, snapshot.candidates())

    def conflicts(self) -> list[ReservationConflict]:
        """Every pair of active reservations of the swarm that conflict, each
        with a path both cover (the dashboard's conflict view)."""
        held = self._engine.read(lambda tx: self._active(tx, clock.now()))
        return find_all_conflicts(held)

    # -- reserve ------------------------------------------------------------
    @staticmethod
    def _validate(agent_id: Any, file_path: Any, reservation_type: Any, glob: bool | None) -> str:
        _name(agent_id, "agent_id")
        if reservation_type not in RESERVATION_TYPES:
            raise InvalidInputError(
                f"reservation_type must be one of {', '.join(RESERVATION_TYPES)}, not {reservation_type!r}")
        return _check_path(file_path, glob)

    def _snapshot(self, agent_id: str, pattern: str, reservation_type: str, *, on_primary: bool = False) -> Snapshot:
        def read(tx: Tx) -> Snapshot:
            return read_snapshot(tx, agent_id, pattern, reservation_type, clock.now())

        # A write transaction that only reads: on Turso it reads the primary, not a lagging replica.
        return self._engine.write(read) if on_primary else self._engine.read(read)

    def reserve(self, agent_id: str, file_path: str, reservation_type: str, *, task_id: str | None = None,
                ttl: float | None = None, strict: bool = False, glob: bool | None = None) -> ReservationResult:
        """Reserve a path or glob; returns it with the conflicts other agents hold.

        Advisory (the default): always granted.  ``strict``: refused with
        :class:`ReservationConflictError` when anything conflicts.  Either
        way the conflicts are those standing when the row is written (see
        the module docstring).  ``glob=False``: ``file_path`` is one literal
        path even if it has ``*``, ``?`` or ``[`` (stored escaped); the
        default reads those as wildcards.  The path is stored in its
        canonical spelling (:mod:`.paths`).  Reserving again what the agent
        already holds (same path, type and task) renews it with ``ttl``.
        """
        pattern = self._validate(agent_id, file_path, reservation_type, glob)
        if task_id is not None:
            _name(task_id, "task_id")
        seconds = _check_ttl(ttl)
        snapshot = self._snapshot(agent_id, pattern, reservation_type)
        for _ in range(MAX_ATTEMPTS):
            conflicts = tuple(find_conflicts(agent_id, pattern, reservation_type, snapshot.candidates()))
            if strict and conflicts:
                holders = ", ".join(sorted({f"{c.agent_id} ({c.reservation_type} {c.file_path})" for c in conflicts}))
                raise ReservationConflictError(f"{file_path!r} is reserved by {holders}", conflicts)
            try:
                return self._engine.write(
                    lambda tx: self._write(tx, snapshot, agent_id, pattern, reservation_type, task_id, seconds,
                                           conflicts))
            except ReservationsChanged as changed:
                if changed.reload:
                    snapshot = self._snapshot(agent_id, pattern, reservation_type, on_primary=True)
                else:
                    snapshot.apply(changed)
        raise StorageBusyError(f"reservations kept changing while {file_path!r} was decided "
                               f"({MAX_ATTEMPTS} attempts); try again")

    def _write(self, tx: Tx, snapshot: Snapshot, agent_id: str, pattern: str, reservation_type: str,
               task_id: str | None, seconds: float | None, conflicts: tuple[Reservation, ...]) -> ReservationResult:
        """The guarded write: nothing changed since the snapshot, then insert or renew."""
        check_unchanged(tx, snapshot)
        moment = clock.now()
        expires = None if seconds is None else moment + seconds
        same = tx.value(
            "SELECT r.id FROM file_reservations r WHERE r.agent_id = ? AND r.file_path = ?"
            " AND r.reservation_type = ? AND r.task_id IS ? AND " + _LIVE + " LIMIT 1",
            (agent_id, pattern, reservation_type, task_id, moment))
        if same is not None:
            tx.execute("UPDATE file_reservations SET expires_at = ? WHERE id = ?", (expires, same))
            reservation_id = same
        else:
            reservation_id = new_id("res")
            tx.execute(
                "INSERT INTO file_reservations(id, agent_id, task_id, file_path, reservation_type, status,"
                " created_at, expires_at, created_epoch) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                (reservation_id, agent_id, task_id, pattern, reservation_type, clock.to_db_text(moment),
                 expires, moment),
            )
        return ReservationResult(self._get(tx, reservation_id), conflicts)

    # -- release ------------------------------------------------------------
    @staticmethod
    def _check_seen(current: Reservation, expected_expires_at: float | None) -> None:
        """Refuse when the reservation was renewed (its expiry moved) since the
        operator saw it: an action must not hit a newer state than the one shown."""
        if expected_expires_at is not None and current.expires_at != expected_expires_at:
            raise ConflictError(f"reservation {current.id} changed since you saw it (renewed: expiry moved)",
                                current)

    def release(self, reservation_id: str, *, agent_id: str | None = None,
                expected_expires_at: float | None = None) -> Reservation:
        """Release a reservation (idempotent).  With ``agent_id``, only its
        holder may: another agent gets a :class:`ConflictError`.  With
        ``expected_expires_at``, refused when it was renewed since."""

        def write(tx: Tx) -> Reservation:
            current = self._get(tx, reservation_id)
            if agent_id is not None and current.agent_id != agent_id:
                raise ConflictError(f"reservation {reservation_id} is held by {current.agent_id}, not {agent_id}",
                                    current)
            self._check_seen(current, expected_expires_at)
            tx.execute("UPDATE file_reservations SET status = 'released', released_at = ?"
                       " WHERE id = ? AND status = 'active'", (clock.now(), reservation_id))
            return self._get(tx, reservation_id)

        return self._engine.write(write)

    def release_for_task(self, task_id: str) -> int:
        """Release every active reservation held for a task; returns how many."""
        return self._engine.write(lambda tx: release_task_reservations(tx, task_id))

    def release_for_agent(self, agent_id: str) -> int:
        """Release every active reservation an agent holds; returns how many."""
        return self._engine.write(lambda tx: tx.execute(
            "UPDATE file_reservations SET status = 'released', released_at = ? WHERE agent_id = ? AND status = 'active'",
            (clock.now(), agent_id)))

    def expire(self) -> int:
        """Mark reservations whose TTL ran out as released (at their expiry
        time); returns how many.  Reads already treat them as inactive."""
        return self._engine.write(lambda tx: tx.execute(
            "UPDATE file_reservations SET status = 'released', released_at = expires_at"
            " WHERE status = 'active' AND typeof(expires_at) IN ('integer', 'real') AND expires_at <= ?",
            (clock.now(),)))

    def force_release(self, reservation_id: str, *, by: str, reason: str | None = None,
                      expected_expires_at: float | None = None) -> Reservation:
        """An operator releases someone's reservation; the holder is told by an
        ``operator.force_release`` message in the same transaction.  Refused
        with :class:`ConflictError` when it is no longer held or (with
        ``expected_expires_at``) was renewed since the operator saw it."""
        _name(by, "by (the operator's identity)")

        def write(tx: Tx) -> Reservation:
            current = self._get(tx, reservation_id)
            self._check_seen(current, expected_expires_at)
            changed = tx.execute("UPDATE file_reservations SET status = 'released', released_at = ?"
                                 " WHERE id = ? AND status = 'active'", (clock.now(), reservation_id))
            if not changed:
                raise ConflictError(f"reservation {reservation_id} is {current.state}, not held", current)
            payload = {"reservation_id": reservation_id, "file_path": current.file_path,
                       "reservation_type": current.reservation_type, "task_id": current.task_id,
                       "by": by, "reason": reason}
            notify_agents(tx, [current.agent_id], "operator.force_release", payload, by=by, task_id=current.task_id)
            return self._get(tx, reservation_id)

        return self._engine.write(write)
