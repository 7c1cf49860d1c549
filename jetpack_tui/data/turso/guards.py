"""Guard statements: SQL that fails unless the primary still looks as the
replica did when a write was decided.

A Hrana batch can make a step depend on whether an earlier step *succeeded*,
never on what it returned.  So every check here turns a value test into
success or failure: ``json_extract('1', CASE WHEN <test> THEN '$' ELSE
'jetpack-stale' END)`` returns 1 when the test holds and fails with "bad
JSON path: jetpack-stale" otherwise, an error no other statement produces
(:func:`is_stale`).  Verified on tursodb 0.6.0 and 0.8.0-pre.4; the same
functions exist in every SQLite, hence on sqld.

Values travel as parameters (blobs as base64), except ±infinity, which
JSON cannot carry: those are written as the literal ``9e999`` / ``-9e999``.
A finite float is compared within :data:`FLOAT_TOLERANCE` (relative): the
servers' JSON parsing (serde_json's fast path) is not correctly rounded, so
a float sent back may arrive one unit in the last place off (measured: 427
of 2,701 random doubles on tursodb 0.6.0 and 0.8.0-pre.4).  No writer moves
a stored float by a few parts in 10^16, so this never hides a change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

STALE = "jetpack-stale"
#: Relative difference under which two finite floats are the same value.
FLOAT_TOLERANCE = 1e-15

Statement = tuple[str, list[Any]]


def verdict(test: str) -> str:
    """An expression that is 1 when ``test`` holds and an error otherwise."""
    return f"json_extract('1', CASE WHEN {test} THEN '$' ELSE '{STALE}' END)"


def is_stale(error: str | None) -> bool:
    """Whether a step failed because a guard found the data changed."""
    return error is not None and STALE in error


def _value(value: Any, params: list[Any]) -> str:
    """SQL for one value: a numbered ``?N`` (its parameter appended: it may
    be used more than once) or a literal.  The statement's own parameters
    come first and are plain ``?``, numbered 1..len(params)."""
    if isinstance(value, float) and math.isinf(value):
        return "9e999" if value > 0 else "-9e999"
    params.append(value)
    return f"?{len(params)}"


def _finite_float(value: Any) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def _same(left: str, right: str, tolerant: bool) -> str:
    """``left IS right``, or within the float tolerance when ``tolerant``."""
    if not tolerant:
        return f"{left} IS {right}"
    return (f"({left} IS {right} OR (typeof({left}) = 'real' AND typeof({right}) = 'real'"
            f" AND abs({right}) < 9e999 AND abs({left} - {right}) <= abs({right}) * {FLOAT_TOLERANCE!r}))")


def _all(tests: list[str]) -> str:
    """``a AND b AND …`` as a balanced tree: servers limit expression depth
    (tursodb 0.8: 100), and a row may have many columns."""
    if len(tests) == 1:
        return tests[0]
    middle = len(tests) // 2
    return f"({_all(tests[:middle])} AND {_all(tests[middle:])})"


def read_guard(sql: str, params: Sequence[Any], rows: list[tuple]) -> Statement:
    """Fails unless ``sql`` returns the same rows: as many, each one among
    the expected, and as many distinct ones (so the same set; the same
    multiset when the rows are distinct, as rows with a key are).

    Shaped for tursodb: the read is a CTE scanned once, at the top level
    (no compound SELECT -- ``UNION`` -- in a subquery there; 0.6.0 also
    returns nothing when a CTE with ``LIMIT`` is read again inside a
    correlated subquery); each of its rows looks up the index of the
    expected row it equals.  That costs rows² comparisons: meant for the
    few rows a decision reads; :mod:`.watermark` guards large reads."""
    sql = sql.rstrip().rstrip(";")
    if not rows:
        return f"WITH jetpack_q AS ({sql}) SELECT {verdict('count(*) = 0')} FROM jetpack_q", list(params)
    width = len(rows[0])
    columns = ", ".join(f"jetpack_c{i}" for i in range(width))
    guard_params = list(params)
    values = ", ".join(f"({number}, " + ", ".join(_value(v, guard_params) for v in row) + ")"
                       for number, row in enumerate(rows, 1))
    floats = [any(_finite_float(row[i]) for row in rows) for i in range(width)]
    same = _all([_same(f"q.jetpack_c{i}", f"e.jetpack_c{i}", floats[i]) for i in range(width)])
    test = f"count(*) = {len(rows)} AND count(m) = {len(rows)} AND count(DISTINCT m) = {len(set(rows))}"
    return (f"WITH jetpack_q({columns}) AS ({sql}), jetpack_e(jetpack_i, {columns}) AS (VALUES {values}) "
            f"SELECT {verdict(test)} FROM (SELECT (SELECT e.jetpack_i FROM jetpack_e e WHERE {same} LIMIT 1) AS m"
            " FROM jetpack_q q)"), guard_params


def count_guard(changed: int) -> Statement:
    """Fails unless the previous statement changed ``changed`` rows (triggers
    not counted, as ``execute`` reports it)."""
    return f"SELECT {verdict(f'changes() = {int(changed)}')}", []


def returning_guard(sql: str, params: Sequence[Any], expressions: list[str], rows: list[tuple]) -> Statement:
    """``sql`` with one more ``RETURNING`` column that fails for any row not
    among ``rows`` (followed by a :func:`count_guard`, the rows match exactly)."""
    guard_params = list(params)
    matches = []
    for row in rows:
        tests = [_same(f"({expression})", _value(value, guard_params), _finite_float(value))
                 for expression, value in zip(expressions, row)]
        matches.append(f"WHEN {_all(tests)} THEN 1")
    test = f"CASE {' '.join(matches)} ELSE 0 END = 1"
    return f"{sql.rstrip().rstrip(';')}, {verdict(test)}", guard_params
