"""Exact overlap test for file-path globs (used by file reservations).

Agents reserve the files they are about to edit with path patterns such as
``src/**/test_*.py``.  Before granting a reservation we must know whether it
*overlaps* one that is already held, i.e. whether some file path matches both
patterns.  The answer has to be exact:

* a false negative ("no overlap" when there is one) lets two agents edit the
  same file at the same time - silent lost work and merge conflicts;
* a false positive blocks an agent for no reason and can deadlock the swarm.

Heuristics (literal prefixes, matching one pattern against the other as if it
were a path) get e.g. ``src/*.py`` vs ``src/**/test_*.py`` wrong.  Here each
pattern is a regular language and overlap is emptiness of the intersection,
decided by a product-automaton search at two levels (path segments; characters
inside a segment), each a memoised BFS over pairs of positions: polynomial.

Pattern syntax (case-sensitive; segments are separated by ``/``):

* ``*`` any run of characters inside one segment, ``?`` exactly one character;
* ``[...]`` a character class with ranges (``a-z``) and ``!``/``^`` negation,
  fnmatch-compatible; a ``[`` with no closing ``]`` is a literal ``[``;
* ``**`` as a whole segment: zero or more whole segments (``a**`` is ``a*``).

Normalisation, for patterns and paths alike: empty segments are dropped
(``a//b/`` -> ``a/b``) and so are leading ``.`` segments (``./src`` -> ``src``).
Directories are not special (``docs/`` means exactly the path ``docs``).  Paths
have at least one segment, so ``""`` or ``"."`` matches nothing; other ``.``
and ``..`` segments are ordinary names.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache

# ---------------------------------------------------------------------------
# Character sets: sorted tuples of disjoint inclusive (lo, hi) code-point
# intervals.  The alphabet is all of Unicode except "/" (never inside a
# segment), so negated classes are handled exactly: [!a] and [!b] share "c".
# ---------------------------------------------------------------------------
_MAX = 0x10FFFF
_ALL = ((0, ord("/") - 1), (ord("/") + 1, _MAX))  # "?" - any char but "/"
_NICE = "abcdefghijklmnopqrstuvwxyz0123456789_-."  # preferred witness chars


def _intersect(a, b):
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


def _norm(ivs):
    """Sort and merge intervals, and drop "/"."""
    out = []
    for lo, hi in sorted(ivs):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return _intersect(out, _ALL)


def _complement(ivs):
    out, nxt = [], 0
    for lo, hi in ivs:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX:
        out.append((nxt, _MAX))
    return _intersect(out, _ALL)


def _contains(ivs, ch):
    c = ord(ch)
    return any(lo <= c <= hi for lo, hi in ivs)


def _pick(ivs, avoid=None):
    """Some character of the set other than `avoid` (readable if possible)."""
    for ch in _NICE:
        if ch != avoid and _contains(ivs, ch):
            return ch
    for lo, hi in ivs:
        for c in (lo, lo + 1):
            if c <= hi and chr(c) != avoid:
                return chr(c)
    return None


# ---------------------------------------------------------------------------
# Parsing.  A segment glob is a tuple of tokens: None for "*", otherwise a
# character set (a literal is a one-character set).  A pattern is a tuple of
# segments: None for "**", otherwise a segment glob.
# ---------------------------------------------------------------------------
def _parse_class(seg, i):
    """Parse the class starting at seg[i] == "[" -> (charset, next index),
    or (None, i + 1) when there is no closing "]" (then "[" is literal)."""
    j = i + 1
    negate = j < len(seg) and seg[j] in "!^"
    start = j = j + negate
    if j < len(seg) and seg[j] == "]":  # "]" first is a member, not the end
        j += 1
    close = seg.find("]", j)
    if close < 0:
        return None, i + 1
    body, ivs, k = seg[start:close], [], 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":  # range; reversed = empty
            if body[k] <= body[k + 2]:
                ivs.append((ord(body[k]), ord(body[k + 2])))
            k += 3
        else:
            ivs.append((ord(body[k]), ord(body[k])))
            k += 1
    ivs = _norm(ivs)
    return (_complement(ivs) if negate else ivs), close + 1


def _parse_segment(seg):
    toks, i = [], 0
    while i < len(seg):
        c = seg[i]
        if c == "*":
            if not toks or toks[-1] is not None:  # "**" inside a segment = "*"
                toks.append(None)
            i += 1
            continue
        if c == "[":
            cls, i = _parse_class(seg, i)
            if cls is not None:
                toks.append(cls)
                continue
        else:
            i += 1
        toks.append(_ALL if c == "?" else _norm([(ord(c), ord(c))]))
    return tuple(toks)


def _split(text):
    parts = [s for s in text.split("/") if s]
    while parts and parts[0] == ".":
        parts.pop(0)
    return parts


@lru_cache(maxsize=4096)
def _compile(pattern):
    return tuple(None if s == "**" else _parse_segment(s) for s in _split(pattern))


# ---------------------------------------------------------------------------
# Matching one pattern against one path: NFA simulation with position sets.
# ---------------------------------------------------------------------------
def _run(items, word, match):
    """Does `word` match `items`?  None items are stars (self-loop on any
    symbol, or skipped); other items consume one symbol s if match(item, s)."""

    def close(states):
        out = set()
        for i in states:
            out.add(i)
            while i < len(items) and items[i] is None:
                i += 1
                out.add(i)
        return out

    states = close({0})
    for sym in word:
        states = close(
            {i if items[i] is None else i + 1
             for i in states
             if i < len(items) and (items[i] is None or match(items[i], sym))}
        )
        if not states:
            return False
    return len(items) in states


def glob_matches(pattern: str, path: str) -> bool:
    """True if the (normalised) path matches the pattern."""
    parts = _split(path)
    return bool(parts) and _run(
        _compile(pattern), parts, lambda seg, part: _run(seg, part, _contains)
    )


# ---------------------------------------------------------------------------
# Overlap: search the product automaton.  _search is a 0-1 BFS (free
# epsilon moves, each consumed symbol costs 1) that returns the labels of a
# shortest accepted word, so witnesses are as short as possible.
# ---------------------------------------------------------------------------
def _search(start, accept, moves):
    parent, dist, todo = {start: None}, {start: 0}, deque([start])
    while todo:
        state = todo.popleft()
        if accept(state):
            labels = []
            while parent[state] is not None:
                state, label = parent[state]
                labels.append(label)
            return [lab for lab in reversed(labels) if lab]
        for nxt, label in moves(state):
            d = dist[state] + (1 if label else 0)
            if d < dist.get(nxt, d + 1):
                dist[nxt], parent[nxt] = d, (state, label)
                (todo.append if label else todo.appendleft)(nxt)
    return None


@lru_cache(maxsize=65536)
def _seg_witness(a, b, allow_dot):
    """Shortest segment matched by both segment globs, or None.  A segment is
    non-empty, and may be exactly "." only if allow_dot (a leading "."
    segment is removed by normalisation, so it can never be matched).
    State (i, j, f): positions in a and b; f = 0 nothing read yet,
    1 read exactly ".", 2 read anything else."""
    n, m = len(a), len(b)

    def moves(state):
        i, j, f = state
        if i < n and a[i] is None:
            yield (i + 1, j, f), ""
        if j < m and b[j] is None:
            yield (i, j + 1, f), ""
        if i < n and j < m:  # both sides read the same character
            common = _intersect(_ALL if a[i] is None else a[i],
                                _ALL if b[j] is None else b[j])
            ni, nj = i + (a[i] is not None), j + (b[j] is not None)
            if f == 0 and _contains(common, "."):
                yield (ni, nj, 1), "."
            ch = _pick(common, "." if f == 0 else None)
            if ch is not None:
                yield (ni, nj, 2), ch

    def accept(state):
        return state[:2] == (n, m) and (state[2] == 2 or (state[2] == 1 and allow_dot))

    labels = _search((0, 0, 0), accept, moves)
    return None if labels is None else "".join(labels)


def overlap_witness(a: str, b: str) -> str | None:
    """A shortest path (fewest segments) matching both patterns, or None."""
    pa, pb = _compile(a), _compile(b)
    any_seg = (None,)  # what a "**" consumes: one segment matching "*"

    def moves(state):
        p, q, started = state
        if p < len(pa) and pa[p] is None:
            yield (p + 1, q, started), ""
        if q < len(pb) and pb[q] is None:
            yield (p, q + 1, started), ""
        if p < len(pa) and q < len(pb):  # both sides read the same segment
            seg = _seg_witness(any_seg if pa[p] is None else pa[p],
                               any_seg if pb[q] is None else pb[q], started)
            if seg is not None:
                yield (p + (pa[p] is not None), q + (pb[q] is not None), True), seg

    labels = _search((0, 0, False), lambda s: s == (len(pa), len(pb), True), moves)
    return None if labels is None else "/".join(labels)


def globs_overlap(a: str, b: str) -> bool:
    """True exactly when some relative file path matches both patterns."""
    return overlap_witness(a, b) is not None
