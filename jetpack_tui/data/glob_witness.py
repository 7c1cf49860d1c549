"""Walk back through the reachable product states to a path both globs match.

:func:`.glob_product.reach` keeps, for every row of A, the reachable
columns of B per shape state.  From an accepting state this module steps to
a reachable predecessor until the start, collecting what was read.  Every
step moves to a smaller state (an earlier row, an earlier column, or a
smaller shape in the same place), so the walk ends after at most
``len(A) + len(B) + 3 · len(A)`` steps.  Free moves are tried first, which
keeps the witness short.
"""

from __future__ import annotations

from .glob_product import (
    DELTA, DOT, DSTAR, OTH, SL, STAR, STEP, _columns, cats, common, pick, reach, segment_text,
)

_ANY_NONSLASH = ((0, ord("/") - 1), (ord("/") + 1, 0x10FFFF))


def _bit(x: int, j: int) -> int:
    return x >> j & 1


def _passed_step(charset, b, prev, j, f):
    """A read one character of ``charset`` into state (…, j, f): from where?"""
    mine, m = cats(charset), len(b.kinds)
    for f2 in range(4):
        x = prev[f2]
        diag = x and j > 0 and b.kinds[j - 1] == STEP and _bit(x, j - 1)
        loop = x and j < m and b.kinds[j] != STEP and _bit(x, j)
        if not (diag or loop):
            continue
        both, shared = common(charset, b.sets[j - 1]) if diag else ((), 0)
        for cat in (SL, DOT, OTH):
            if DELTA[f2][cat] != f or not mine >> cat & 1:
                continue
            if shared >> cat & 1:
                return pick(both, cat), j - 1, f2
            if loop and (b.kinds[j] == DSTAR or cat != SL):
                return pick(charset, cat), j, f2
    return None


def _star_step(b, row, j, f):
    """A loops at a STAR: B read a STEP, or both looped in place."""
    m = len(b.kinds)
    for f2 in range(4):
        x = row[f2]
        if not x:
            continue
        for cat in (DOT, OTH):
            if DELTA[f2][cat] != f:
                continue
            if j > 0 and b.kinds[j - 1] == STEP and _bit(x, j - 1) and cats(b.sets[j - 1]) >> cat & 1:
                return pick(b.sets[j - 1], cat), j - 1, f2
            if f2 < f and j < m and b.kinds[j] in (STAR, DSTAR) and _bit(x, j):
                return pick(_ANY_NONSLASH, cat), j, f2
    return None


def _segment_before(b, cols, x, j):
    """A is at a DSTAR and B's segment start ``j`` was reached by reading the
    segment before it: from which reachable position, reading what?"""
    end = j - 1  # the "/" that ends the previous segment
    for p in cols.region_ending.get(end, ()):
        if _bit(x, p) and _bit(cols.ok, p):
            return p, segment_text(b.kinds, b.sets, p, end) + "/"
    raise AssertionError("glob witness: no way back through a DSTAR row")


def trace(a, b, rows, i: int, j: int) -> str:
    """The word read on some path from the start to state ``(i, j, S3)``."""
    cols = _columns(b)
    n = len(a.kinds)
    out: list[str] = []
    f = 3
    while (i, j, f) != (0, 0, 0):
        row = rows[i]
        kind = a.kinds[i] if i < n else None
        if j > 0 and _bit(row[f], j - 1) and (b.kinds[j - 1] == STAR or (b.kinds[j - 1] == DSTAR and f == 0)):
            j -= 1
            continue
        if i > 0:
            before, prev = a.kinds[i - 1], rows[i - 1]
            if (before == STAR or (before == DSTAR and f == 0)) and _bit(prev[f], j):
                i -= 1
                continue
            if before == STEP:
                step = _passed_step(a.sets[i - 1], b, prev, j, f)
                if step is not None:
                    out.append(step[0])
                    i, j, f = i - 1, step[1], step[2]
                    continue
        if kind == STAR:
            step = _star_step(b, row, j, f)
            if step is not None:
                out.append(step[0])
                j, f = step[1], step[2]
                continue
        if kind == DSTAR and f == 0:
            j, text = _segment_before(b, cols, row[0], j)
            out.append(text)
            continue
        raise AssertionError(f"glob witness: state {(i, j, f)} has no reachable predecessor")
    return "".join(reversed(out))


def witness(a, b) -> str | None:
    """A word (a canonical path) both automata accept, or ``None``."""
    rows = reach(a, b)
    accept_b = b.accept
    for i, row in enumerate(rows):
        hit = row[3] & accept_b if a.accept >> i & 1 else 0
        if hit:
            return trace(a, b, rows, i, (hit & -hit).bit_length() - 1)
    return None
