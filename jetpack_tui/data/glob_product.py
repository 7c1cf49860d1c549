"""The product search behind :mod:`.globs`: do two glob automata share a word?

A compiled pattern is a row of positions ``0..n``.  The token at position
``i`` is a STEP (consume one character of its set, go to ``i + 1``), a STAR
(loop on any character but ``/``, or move on for free) or a DSTAR (the
``**`` of ``a/**/b``: loop on anything, move on for free only at the start
of a segment).  Accepting positions are a bit mask.

A path must also be *canonical*: no empty, ``.`` or ``..`` segment.  A
four-state shape automaton runs alongside: S0 nothing read in this segment,
S1 read ``.``, S2 read ``..``, S3 read a valid segment so far; ``/`` is
allowed only from S3 and goes back to S0; a word is accepted in S3.

The product of patterns A (rows) and B (columns) with the shape has states
``(i, j, f)``.  Every move goes from row ``i`` to ``i`` or ``i + 1`` and
from column ``j`` to ``j`` or ``j + 1``, so the rows are computed in order,
each as four integers used as bit sets over B's positions: a move "one
column right through the positions of mask M" for all states at once is
``x | ((M + (x & M)) ^ M)`` (the carry runs along M).  Inside a row the shape
only grows (S0 < S1 < S2 < S3) unless A is at a DSTAR, where B may read
whole segments: there B's own segment structure (which segments can be
read at all, precomputed per pattern) is followed with the same carry
trick.  Cost: a few dozen big-integer operations per row, each O(m / 30)
machine words - linear in A, linear-over-word-size in B, never a Python
step per pair of positions.

A witness is found (:mod:`.glob_witness`) by walking back from an
accepting state through states known to be reachable, preferring free
moves, so it is short (not always the shortest).
"""

from __future__ import annotations

from functools import lru_cache

STEP, STAR, DSTAR = 0, 1, 2
SL, DOT, OTH = 0, 1, 2  # character categories: "/", ".", anything else
_SLASH, _DOTC = ord("/"), ord(".")
#: Shape automaton: DELTA[state][category] -> state, -1 = dead.
DELTA = ((-1, 1, 3), (-1, 2, 3), (-1, 3, 3), (0, 3, 3))
_NICE = "abcdefghijklmnopqrstuvwxyz0123456789_-"
_CACHE_LIMIT = 4096


def intersect(a, b):
    """Intersection of two sorted interval tuples."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def contains(ivs, c: int) -> bool:
    return any(lo <= c <= hi for lo, hi in ivs)


@lru_cache(maxsize=16384)
def cats(ivs) -> int:
    """Bit ``1 << c`` for each category ``c`` the set has a character of."""
    found = 0
    for lo, hi in ivs:
        slash, dot = lo <= _SLASH <= hi, lo <= _DOTC <= hi
        found |= slash << SL | dot << DOT
        if hi - lo + 1 > slash + dot:
            found |= 1 << OTH
    return found


@lru_cache(maxsize=4096)
def pick(ivs, cat: int) -> str:
    """A character of the set in the category (readable if possible)."""
    if cat == SL:
        return "/"
    if cat == DOT:
        return "."
    if len(ivs) == 1 and ivs[0][0] == ivs[0][1]:
        return chr(ivs[0][0])
    for ch in _NICE:
        if contains(ivs, ord(ch)):
            return ch
    for lo, hi in ivs:
        for c in (max(lo, 0x21), lo):
            while c <= hi and c in (_SLASH, _DOTC):
                c += 1
            if c <= hi:
                return chr(c)
    raise ValueError("no character of that category in the set")


@lru_cache(maxsize=65536)
def common(a, b) -> tuple[tuple, int]:
    """The intersection of two sets, and its categories."""
    both = a if a == b else intersect(a, b)
    return both, cats(both)


def carry(x: int, mask: int) -> int:
    """``x`` plus every position reachable from it by moving right through ``mask``."""
    inside = x & mask
    return x | ((mask + inside) ^ mask) if inside else x


class _Columns:
    """What the rows need to know about B, computed once per pattern."""

    def __init__(self, kinds, sets):
        self.m = m = len(kinds)
        self.literal: dict[int, int] = {}  # character -> STEPs of exactly it
        classes: dict[tuple, int] = {}
        star = dstar = 0
        self.stepcat = [0, 0, 0]
        for j, (kind, charset) in enumerate(zip(kinds, sets)):
            bit = 1 << j
            if kind == STAR:
                star |= bit
            elif kind == DSTAR:
                dstar |= bit
            else:
                if len(charset) == 1 and charset[0][0] == charset[0][1]:
                    self.literal[charset[0][0]] = self.literal.get(charset[0][0], 0) | bit
                else:
                    classes[charset] = classes.get(charset, 0) | bit
                for c in (SL, DOT, OTH):
                    if cats(charset) >> c & 1:
                        self.stepcat[c] |= bit
        self.classes = list(classes.items())
        self.loop = (dstar, star | dstar, star | dstar)  # loops that read a character of each category
        self.eps0, self.eps = star | dstar, star  # free moves in S0, in other shapes
        self.absorb = self.stepcat[DOT] | self.stepcat[OTH]
        self._segments(kinds, sets, m)

    def _segments(self, kinds, sets, m):
        """For rows where A is at a DSTAR: B's segments, where each can be
        entered with nothing read (``starts``), from where a valid segment
        and its ``/`` can be read (``ok``), and the runs of segments that
        can be read one after another from their start (``passable``)."""
        self.starts = self.ok = self.passable = 0
        self.region_ending: dict[int, tuple[int, ...]] = {}  # a segment's "/" -> its start region
        s = 0
        while s <= m:
            k = s
            while k < m and not (kinds[k] == STEP and sets[k] == ((_SLASH, _SLASH),)):
                k += 1
            region = [s]
            while region[-1] < k and kinds[region[-1]] in (STAR, DSTAR):
                region.append(region[-1] + 1)
            self.region_ending[k] = tuple(region)
            for p in region:
                self.starts |= 1 << p
                if k < m and _readable(kinds, sets, p, k):
                    self.ok |= 1 << p
            if self.ok >> s & 1:
                self.passable |= ((1 << (k + 1)) - 1) ^ ((1 << s) - 1)
            s = k + 1


def _readable(kinds, sets, p, k) -> bool:
    """Can tokens ``p..k-1`` read a valid segment (non-empty, not . or ..)?"""
    steps = [sets[q] for q in range(p, k) if kinds[q] == STEP]
    star = any(kinds[q] == STAR for q in range(p, k))
    if not all(steps):
        return False
    return star or len(steps) >= 3 or any(cats(s) >> OTH & 1 for s in steps)


def segment_text(kinds, sets, p, k) -> str:
    """A valid segment read by tokens ``p..k-1`` (they are :func:`_readable`)."""
    text, first_star = [], None
    for q in range(p, k):
        if kinds[q] == STAR and first_star is None:
            first_star = len(text)
        elif kinds[q] == STEP:
            text.append(pick(sets[q], OTH if cats(sets[q]) >> OTH & 1 else DOT))
    if first_star is not None and set("".join(text)) <= {"."} and len(text) < 3:
        text.insert(first_star, "a")
    return "".join(text)


def _columns(b) -> _Columns:
    cols = b.cache.get("columns")
    if cols is None:
        if len(b.cache) > _CACHE_LIMIT:
            b.cache.clear()
        cols = b.cache["columns"] = _Columns(b.kinds, b.sets)
    return cols


def _match(b, cols: _Columns, charset) -> tuple[int, int, int]:
    """Per category: B's STEPs sharing a character of it with ``charset``."""
    key = ("match", charset)
    found = b.cache.get(key)
    if found is None:
        out = [0, 0, 0]
        if len(charset) == 1 and charset[0][0] == charset[0][1]:
            c = charset[0][0]
            mask = cols.literal.get(c, 0)
            for members, bits in cols.classes:
                if contains(members, c):
                    mask |= bits
            out[SL if c == _SLASH else DOT if c == _DOTC else OTH] = mask
        else:
            for c, bits in cols.literal.items():
                if contains(charset, c):
                    out[SL if c == _SLASH else DOT if c == _DOTC else OTH] |= bits
            for members, bits in cols.classes:
                common = cats(intersect(charset, members))
                for cat in (SL, DOT, OTH):
                    if common >> cat & 1:
                        out[cat] |= bits
        found = b.cache[key] = tuple(out)
    return found


# ---------------------------------------------------------------------------
# Rows.
# ---------------------------------------------------------------------------
def _star_row(r: list[int], cols: _Columns) -> list[int]:
    """A loops on non-"/" characters: B's STEPs are read while A stays."""
    for f in range(3):
        x = r[f] = carry(r[f], cols.eps0 if f == 0 else cols.eps)
        if x:
            for cat in (DOT, OTH):
                r[DELTA[f][cat]] |= ((x & cols.stepcat[cat]) << 1) | (x & cols.eps0)
    r[3] = carry(r[3], cols.eps | cols.absorb)
    return r


def _dstar_row(x: int, cols: _Columns) -> list[int]:
    """A loops on anything and may leave only at a segment start: B reads
    whole segments, each one readable from where it was entered."""
    x0 = carry(x, cols.eps0)
    y = carry(x0 & cols.ok, cols.passable)
    return [carry(x0 | (y & cols.starts), cols.eps0), 0, 0, 0]


def _plan(a) -> tuple[tuple[int, tuple, tuple[int, ...]], ...]:
    """Per position of A: kind, character set, categories of the set."""
    plan = a.cache.get("plan")
    if plan is None:
        plan = a.cache["plan"] = tuple(
            (kind, charset, tuple(c for c in (SL, DOT, OTH) if cats(charset) >> c & 1) if kind == STEP else ())
            for kind, charset in zip(a.kinds, a.sets))
    return plan


def _down(step: tuple, r: list[int], b, cols: _Columns) -> list[int]:
    """From one row to the next: A's token ``step`` is passed."""
    kind, charset, mine = step
    if kind == STAR:
        return list(r)
    if kind == DSTAR:
        return [r[0], 0, 0, 0]
    matched = _match(b, cols, charset)
    loop = cols.loop
    out = [0, 0, 0, 0]
    for f in range(4):
        x = r[f]
        if x:
            moves = DELTA[f]
            for cat in mine:
                g = moves[cat]
                if g >= 0:
                    out[g] |= ((x & matched[cat]) << 1) | (x & loop[cat])
    return out


def reach(a, b) -> list[list[int]]:
    """Reachable states, row by row (stops early when nothing is)."""
    cols = _columns(b)
    plan = _plan(a)
    eps0, eps = cols.eps0, cols.eps
    rows: list[list[int]] = []
    r = [1, 0, 0, 0]
    n = len(plan)
    for i in range(n + 1):
        kind = plan[i][0] if i < n else STEP
        if kind == DSTAR:
            r = _dstar_row(r[0], cols)
        elif kind == STAR:
            r = _star_row(r, cols)
        elif eps:
            r = [carry(r[0], eps0), carry(r[1], eps), carry(r[2], eps), carry(r[3], eps)]
        elif eps0:
            r[0] = carry(r[0], eps0)
        rows.append(r)
        if i == n or not (r[0] or r[1] or r[2] or r[3]):
            break
        r = _down(plan[i], r, b, cols)
    return rows
