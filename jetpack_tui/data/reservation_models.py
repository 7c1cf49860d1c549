"""File reservations as callers see them, and the rules of when two conflict.

A reservation names a path or a glob (``src/**/*.py``), compared in its
canonical spelling (:mod:`.paths`: ``app/./config.py`` is ``app/config.py``).
Two reservations conflict when they belong to different agents, are not both
``read``, and some file path matches both patterns — decided exactly by
:func:`.globs.overlap_witness`, which also gives an example path to show.

Exactly, that is, when the comparison is affordable: new patterns are capped
(:data:`.paths.MAX_PATTERN_CHARS`), but another client may store anything.
A pair whose size product exceeds :data:`COMPARE_BUDGET` is not searched:
it conflicts when the cheap pre-check says it might (:data:`NOT_COMPARED`
stands in for the path), and the large row is flagged in ``problems``.

Rows may come from other clients, so decoding never raises: an unknown type
or status, an unreadable timestamp or an odd path spelling is named in
``problems``.  Unknown
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
from .globs import is_glob, overlap_witness, unescape
from .jsonvalues import as_text, known_value
from .paths import MAX_PATTERN_CHARS, canonical

RESERVATION_TYPES = ("edit", "read", "create", "delete")
RESERVATION_STATUSES = ("active", "released")
#: Characters that make a pattern a glob (an unclosed ``[`` is literal for
#: :mod:`.globs`; treating it as a glob here is only slower, never wrong).
GLOB_CHARS = "*?["

#: Largest product of two patterns' lengths searched exactly: a new pattern
#: (at most 1,024 characters) against anything up to 4,096 (the old limit, so
#: every row this project ever wrote) - a few milliseconds at worst.
COMPARE_BUDGET = MAX_PATTERN_CHARS * 4096
#: Longest pattern searched at all (against a tiny one), so compiling it stays cheap.
MAX_SEARCHED_CHARS = 16 * MAX_PATTERN_CHARS
#: Longer stored text is not even spelled out: it might cover anything.
MAX_READ_CHARS = 1 << 20
#: The "path both cover" of a pair too large to compare.
NOT_COMPARED = "(not compared: a pattern is too large; it might cover the same files)"

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

    @property
    def is_glob(self) -> bool:
        """Does the pattern cover more than one path?"""
        if not self.file_path:
            return False
        return len(self.file_path) > MAX_SEARCHED_CHARS or is_glob(normalise(self.file_path))

    @property
    def literal_path(self) -> str | None:
        """The one path a non-glob reservation names, glob characters
        unescaped (``docs/[[]draft].md`` -> ``docs/[draft].md``); else ``None``."""
        return unescape(normalise(self.file_path)) if self.file_path and not self.is_glob else None

    @property
    def display_path(self) -> str:
        """What to show: the literal path, or the glob as stored."""
        return self.literal_path or self.file_path or ""


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
    """Two active reservations that conflict, and a path both of them cover
    (:data:`NOT_COMPARED` when a pattern was too large to search)."""

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
    else:
        problems += path_problems(path)
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
    """The canonical spelling every comparison uses (:func:`.paths.canonical`);
    text over :data:`MAX_READ_CHARS` is left as it is (and compared with nothing)."""
    return path if len(path) > MAX_READ_CHARS else canonical(path).path


@lru_cache(maxsize=16384)
def path_problems(path: str) -> tuple[str, ...]:
    """What is odd about a stored path: its spelling, or its size."""
    if len(path) > MAX_READ_CHARS:
        return (f"file_path: too large ({len(path)} characters): reported as overlapping everything",)
    spelling = canonical(path)
    found = tuple(f"file_path: {flag}" for flag in spelling.flags)
    size = len(spelling.path)
    if size > MAX_PATTERN_CHARS:
        found += (f"file_path: too large ({size} characters, over {MAX_PATTERN_CHARS}): compared exactly only with"
                  " smaller patterns, otherwise reported as overlapping whatever it might cover",)
    return found


def is_literal(pattern: str) -> bool:
    return not any(c in pattern for c in GLOB_CHARS)


def literal_prefix(pattern: str) -> str:
    """Text every path matched by ``pattern`` starts with.

    The normalised pattern up to its first glob character, without a
    trailing ``/`` (``src/**`` also matches ``src``).  Two patterns can only
    overlap when one's prefix is a prefix of the other's.
    """
    return _prefix(normalise(pattern))


def _prefix(text: str) -> str:
    cut = min((i for i in (text.find(c) for c in GLOB_CHARS) if i >= 0), default=len(text))
    return text[:cut].rstrip("/")


def literal_suffix(pattern: str) -> str:
    """Text every path matched by ``pattern`` ends with: what follows the last
    glob character or ``]`` (so no class body), without a leading ``/``
    (``**/x`` also matches ``x``)."""
    return _suffix(normalise(pattern))


def _suffix(text: str) -> str:
    cut = max(text.rfind(c) for c in GLOB_CHARS + "]")
    return text[cut + 1:].lstrip("/")


def _ends(segment: str) -> tuple[str, str, bool]:
    """(literal start, literal end, is literal) of one canonical segment glob."""
    return _prefix(segment), _suffix(segment), is_literal(segment)


def _segments_meet(a: tuple[str, str, bool], b: tuple[str, str, bool]) -> bool:
    if a[2] and b[2]:
        return a[0] == b[0]
    return (a[0].startswith(b[0]) or b[0].startswith(a[0])) and (a[1].endswith(b[1]) or b[1].endswith(a[1]))


@lru_cache(maxsize=16384)
def _shape(pattern: str) -> tuple:
    """What :func:`could_overlap` compares: literal prefix and suffix, the
    range of segment counts, and the segments at fixed positions — before
    the first ``**`` (from the start) and after the last one (from the end)."""
    text = normalise(pattern)
    segments = text.split("/")
    stars = segments.count("**")
    fewest = len(segments) - stars
    head = segments[:segments.index("**")] if stars else segments
    tail = segments[len(segments) - segments[::-1].index("**"):] if stars else segments
    return (_prefix(text), _suffix(text), fewest, float("inf") if stars else fewest,
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
    """A path matched by both patterns, or ``None``; :data:`NOT_COMPARED`
    for a pair too large to search (see the module docstring)."""
    if max(len(a), len(b)) > MAX_READ_CHARS:
        return NOT_COMPARED
    a, b = normalise(a), normalise(b)
    if not a or not b or not could_overlap(a, b):
        return None
    if is_literal(a) and is_literal(b):
        return a if a == b and ".." not in a.split("/") else None
    if len(a) * len(b) > COMPARE_BUDGET or max(len(a), len(b)) > MAX_SEARCHED_CHARS:
        return NOT_COMPARED
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
    groups: dict[str, list[Reservation]] = {}  # by canonical spelling
    for r in reservations:
        if r.active and r.file_path and (key := normalise(r.file_path)):
            groups.setdefault(key, []).append(r)
    patterns = sorted(groups, key=lambda p: (_prefix(p), p))
    prefixes = [_prefix(p) for p in patterns]
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
