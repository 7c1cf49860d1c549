"""File reservations as callers see them, and the rules of when two conflict.

A reservation names a path or a glob (``src/**/*.py``).  Two reservations
conflict when they belong to different agents, are not both ``read``, and
some file path matches both patterns — decided exactly by
:func:`.globs.overlap_witness`, which also gives an example path to show.

Rows may come from other clients, so decoding never raises: an unknown type
or status, or an unreadable timestamp, is named in ``problems``.  Unknown
types conflict with everything (a guess of "read" could let two agents edit
one file), and an unreadable expiry counts as "never expires".

Checking all pairs is O(n²) glob comparisons.  :func:`find_all_conflicts`
compares each distinct pattern only with those whose literal prefix is
compatible (a sorted run), and :func:`could_overlap` — fixed leading and
trailing text, segment counts, segments at fixed positions — rejects most
of the rest before the exact automaton search runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .clock import parse_timestamp
from .errors import ConflictError
from .globs import glob_matches, overlap_witness
from .jsonvalues import as_text, known_value

RESERVATION_TYPES = ("edit", "read", "create", "delete")
RESERVATION_STATUSES = ("active", "released")
#: Characters that make a pattern a glob (an unclosed ``[`` is literal for
#: :mod:`.globs`; treating it as a glob here is only slower, never wrong).
GLOB_CHARS = "*?["

COLUMNS = ("id", "agent_id", "task_id", "file_path", "reservation_type", "status", "created_at",
           "expires_at", "released_at", "created_epoch")
SELECT = "SELECT " + ", ".join(f"r.{c}" for c in COLUMNS) + " FROM file_reservations r"


@dataclass(frozen=True)
class Reservation:
    """One reservation.  ``state`` is derived when read: ``active``,
    ``expired`` (its TTL ran out, released or not), ``released``, or the
    stored status when it is unknown."""

    id: str
    agent_id: str | None
    task_id: str | None
    file_path: str | None
    reservation_type: str
    status: str
    state: str
    created_at: float | None = None
    expires_at: float | None = None
    released_at: float | None = None
    problems: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def active(self) -> bool:
        return self.state == "active"


@dataclass(frozen=True)
class ReservationResult:
    """What :meth:`Reservations.reserve` returns: the (granted) reservation and
    the active reservations of other agents it conflicts with."""

    reservation: Reservation
    conflicts: tuple[Reservation, ...] = ()

    @property
    def conflicted(self) -> bool:
        return bool(self.conflicts)


@dataclass(frozen=True)
class ReservationConflict:
    """Two active reservations that conflict, and a path both of them cover."""

    first: Reservation
    second: Reservation
    path: str


class ReservationConflictError(ConflictError):
    """A strict reservation was refused; ``conflicts`` (also ``current``) holds
    the reservations that stand in the way."""

    def __init__(self, message: str, conflicts: tuple[Reservation, ...]) -> None:
        super().__init__(message, conflicts)
        self.conflicts = conflicts


# -- decoding -------------------------------------------------------------------
def _moment(raw: Any, name: str, problems: list[str], rawtext: dict[str, Any]) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    parsed = parse_timestamp(raw)
    if parsed is None:
        problems.append(f"{name}: unreadable timestamp")
        rawtext[name] = as_text(raw)
    return parsed


def reservation_from_row(row: tuple, now: float) -> Reservation:
    """Decode a row of :data:`SELECT`, deriving its state at ``now``; never raises."""
    values = dict(zip(COLUMNS, row))
    problems: list[str] = []
    raw: dict[str, Any] = {}
    kind = known_value(values["reservation_type"], RESERVATION_TYPES, "reservation_type", problems)
    status = known_value(values["status"], RESERVATION_STATUSES, "status", problems)
    path = as_text(values["file_path"])
    if not path:
        problems.append("file_path: empty")
    created = _moment(values["created_epoch"], "created_epoch", problems, raw)
    if created is None:
        created = _moment(values["created_at"], "created_at", problems, raw)
    expires = _moment(values["expires_at"], "expires_at", problems, raw)
    released = _moment(values["released_at"], "released_at", problems, raw)
    if status == "active":
        state = "expired" if expires is not None and expires <= now else "active"
    elif status == "released":
        lapsed = expires is not None and released is not None and released >= expires
        state = "expired" if lapsed else "released"
    else:
        state = status or "unknown"
    return Reservation(
        id=as_text(values["id"]) or "", agent_id=as_text(values["agent_id"]), task_id=as_text(values["task_id"]),
        file_path=path, reservation_type=kind, status=status, state=state, created_at=created,
        expires_at=expires, released_at=released, problems=tuple(problems), raw=raw,
    )


# -- conflict rules ---------------------------------------------------------------
def normalise(path: str) -> str:
    """The path as :mod:`.globs` reads it: empty and leading ``.`` segments dropped."""
    parts = [s for s in path.split("/") if s]
    while parts and parts[0] == ".":
        parts.pop(0)
    return "/".join(parts)


def is_literal(pattern: str) -> bool:
    return not any(c in pattern for c in GLOB_CHARS)


def literal_prefix(pattern: str) -> str:
    """Text every path matched by ``pattern`` starts with.

    The normalised pattern up to its first glob character, without a
    trailing ``/`` (``src/**`` also matches ``src``).  Two patterns can only
    overlap when one's prefix is a prefix of the other's.
    """
    text = normalise(pattern)
    cut = min((i for i in (text.find(c) for c in GLOB_CHARS) if i >= 0), default=len(text))
    return text[:cut].rstrip("/")


def literal_suffix(pattern: str) -> str:
    """Text every path matched by ``pattern`` ends with: what follows the last
    glob character or ``]`` (so no class body), without a leading ``/``
    (``**/x`` also matches ``x``)."""
    text = normalise(pattern)
    cut = max(text.rfind(c) for c in GLOB_CHARS + "]")
    return text[cut + 1:].lstrip("/")


def _ends(segment: str) -> tuple[str, str, bool]:
    """(literal start, literal end, is literal) of one path segment glob."""
    return literal_prefix(segment), literal_suffix(segment), is_literal(segment)


def _segments_meet(a: tuple[str, str, bool], b: tuple[str, str, bool]) -> bool:
    if a[2] and b[2]:
        return a[0] == b[0]
    return (a[0].startswith(b[0]) or b[0].startswith(a[0])) and (a[1].endswith(b[1]) or b[1].endswith(a[1]))


@lru_cache(maxsize=16384)
def _shape(pattern: str) -> tuple:
    """What :func:`could_overlap` compares: literal prefix and suffix, the
    range of segment counts, and the segments at fixed positions — before
    the first ``**`` (from the start) and after the last one (from the end)."""
    segments = normalise(pattern).split("/")
    stars = segments.count("**")
    fewest = len(segments) - stars
    head = segments[:segments.index("**")] if stars else segments
    tail = segments[len(segments) - segments[::-1].index("**"):] if stars else segments
    return (literal_prefix(pattern), literal_suffix(pattern), fewest, float("inf") if stars else fewest,
            tuple(map(_ends, head)), tuple(map(_ends, reversed(tail))))


def could_overlap(a: str, b: str) -> bool:
    """Cheap necessary condition for :func:`overlap`: literal prefixes and
    suffixes compatible, segment counts able to agree, and every pair of
    segments that must match the same path segment compatible."""
    pa, sa, lo_a, hi_a, head_a, tail_a = _shape(a)
    pb, sb, lo_b, hi_b, head_b, tail_b = _shape(b)
    return ((pa.startswith(pb) or pb.startswith(pa)) and (sa.endswith(sb) or sb.endswith(sa))
            and max(lo_a, lo_b) <= min(hi_a, hi_b)
            and all(map(_segments_meet, head_a, head_b)) and all(map(_segments_meet, tail_a, tail_b)))


@lru_cache(maxsize=65536)
def overlap(a: str, b: str) -> str | None:
    """A path matched by both patterns, or ``None`` (exact; literals are fast)."""
    if not could_overlap(a, b):
        return None
    if is_literal(a) and is_literal(b):
        path = normalise(a)
        return path if path and path == normalise(b) else None
    if is_literal(a) or is_literal(b):
        literal, pattern = (a, b) if is_literal(a) else (b, a)
        return normalise(literal) if glob_matches(pattern, literal) else None
    return overlap_witness(a, b)


def types_conflict(a: str, b: str) -> bool:
    """Only ``read`` with ``read`` is compatible; unknown types conflict."""
    return not (a == "read" and b == "read")


def _may_clash(a: Reservation, b: Reservation) -> bool:
    return (a.agent_id != b.agent_id and bool(a.file_path) and bool(b.file_path)
            and types_conflict(a.reservation_type, b.reservation_type))


def find_conflicts(agent_id: str, file_path: str, reservation_type: str,
                   held: Iterable[Reservation]) -> list[Reservation]:
    """The active reservations in ``held`` that a new one would conflict with."""
    return [other for other in held
            if other.active and other.agent_id != agent_id and other.file_path
            and types_conflict(reservation_type, other.reservation_type)
            and overlap(file_path, other.file_path) is not None]


def find_all_conflicts(reservations: Iterable[Reservation]) -> list[ReservationConflict]:
    """Every conflicting pair among the active ``reservations``.

    Glob pairs are decided once per pair of distinct patterns.  Sorted by
    literal prefix, the patterns whose prefix starts with ``p`` follow ``p``
    contiguously, so each pattern is compared only with that run (still
    O(n²) when every pattern starts with a glob; :func:`could_overlap` then
    spares most of the automaton searches).
    """
    groups: dict[str, list[Reservation]] = {}
    for r in reservations:
        if r.active and r.file_path:
            groups.setdefault(r.file_path, []).append(r)
    patterns = sorted(groups, key=lambda p: (literal_prefix(p), p))
    prefixes = [literal_prefix(p) for p in patterns]
    pairs: list[ReservationConflict] = []
    for i, pattern in enumerate(patterns):
        mine = groups[pattern]
        same = [(a, b) for k, a in enumerate(mine) for b in mine[k + 1:] if _may_clash(a, b)]
        if same and (path := overlap(pattern, pattern)) is not None:
            pairs += [ReservationConflict(a, b, path) for a, b in same]
        for j in range(i + 1, len(patterns)):
            if not prefixes[j].startswith(prefixes[i]):
                break
            clashing = [(a, b) for a in mine for b in groups[patterns[j]] if _may_clash(a, b)]
            if clashing and (path := overlap(pattern, patterns[j])) is not None:
                pairs += [ReservationConflict(a, b, path) for a, b in clashing]
    return pairs
