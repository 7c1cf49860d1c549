"""One reservation pattern cannot lock the swarm (issue 12, hole 1).

``"*a" * 2046`` against a near copy held the write lock for 102 s, and
2,000-character patterns written by another client made ``conflicts()``
take 27 s.  Now: glob overlap is a bit-parallel product search whose cost is
bounded by the pattern sizes (never exponential, never quadratic in Python
steps), new patterns are capped, foreign patterns too large to compare are
reported as conflicts instead of compared, and no glob comparison runs while
this process holds the write lock.

The ``timeout`` marks are hang guards (the old code ran for minutes on
these inputs), not speed assertions: figures are in ``bench/reservations.py``.
"""

from __future__ import annotations

import pytest

from jetpack_tui.data import reservations as reservations_module
from jetpack_tui.data import reservation_models
from jetpack_tui.data.globs import glob_matches, overlap_witness
from jetpack_tui.data.reservation_models import ReservationConflictError


def reserve(dl, agent, path, kind="edit", **kw):
    return dl.reservations.reserve(agent, path, kind, **kw)


# -- the overlap check itself ---------------------------------------------------------------
@pytest.mark.timeout(60)
def test_adversarial_single_segment_globs_are_decided_quickly():
    a = "*a" * 2046
    near = "*a" * 2045 + "*"
    w = overlap_witness(a, near)
    assert w is not None and glob_matches(a, w) and glob_matches(near, w)
    assert w.count("a") >= 2046
    assert overlap_witness(a, "*a" * 2045 + "*b") is None  # must explore the whole product to say no
    assert overlap_witness("*a" * 2046, "*b" * 2046) is None


@pytest.mark.timeout(60)
def test_adversarial_many_segment_globs_are_decided_quickly():
    a = "/".join(["**", "*a*"] * 700)
    b = "/".join(["*a*", "**"] * 700) + "/b"
    assert overlap_witness(a, b) is None  # b ends in a segment without "a"
    w = overlap_witness(a, b[:-2])
    assert w is not None and glob_matches(a, w) and glob_matches(b[:-2], w)
    c = "/".join(f"d{n}*" for n in range(1500))
    assert overlap_witness(c, "**/d1499x") is not None and overlap_witness(c, "**/e*") is None


@pytest.mark.timeout(60)
def test_matching_a_long_path_is_quick():
    path = "/".join(["a" * 40] * 100)
    assert glob_matches("**/" + "*a" * 20, path)
    assert not glob_matches("**/" + "*a" * 20 + "b", path)


# -- the DataLayer ----------------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_conflicts_over_huge_foreign_patterns_is_bounded(dl, foreign_sql):
    huge = {f"h{n}": "*a" * (2000 - n) + "*" for n in range(4)}  # 4,000-character patterns
    foreign_sql([("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status)"
                  " VALUES (?, ?, ?, 'edit', 'active')", (rid, f"agent-{rid}", path)) for rid, path in huge.items()])
    rows = {r.id: r for r in dl.reservations.list()}
    assert all(any("too large" in p for p in rows[rid].problems) for rid in huge)
    pairs = {frozenset((p.first.id, p.second.id)) for p in dl.reservations.conflicts()}
    assert len(pairs) == 6  # each might overlap each: reported, not compared
    mine = reserve(dl, "me", "src/app.py")  # two segments, theirs one: no conflict
    assert not mine.conflicted
    assert {r.id for r in reserve(dl, "me", "**/*a").conflicts} == set(huge)


@pytest.mark.timeout(120)
def test_a_strict_reservation_against_adversarial_rows_is_decided(dl):
    held = reserve(dl, "a", "*a" * 64).reservation
    with pytest.raises(ReservationConflictError):
        reserve(dl, "b", "*a" * 63 + "*", strict=True)
    assert not reserve(dl, "b", "*a" * 63 + "*b", strict=True).conflicted
    assert dl.reservations.get(held.id).active


def test_no_glob_comparison_runs_inside_a_write_transaction(dl, monkeypatch):
    """The expensive part (deciding overlap) happens before ``BEGIN
    IMMEDIATE``; the transaction only checks nothing changed and writes."""
    inside: list[bool] = []
    real = reservation_models.overlap

    def spy(a, b):
        inside.append(dl.engine._conn.in_transaction)
        return real(a, b)

    monkeypatch.setattr(reservation_models, "overlap", spy)
    reserve(dl, "a", "src/**/*.py")
    reserve(dl, "b", "src/*/app.py")
    reserve(dl, "c", "src/pkg/*.py", "read")
    with pytest.raises(ReservationConflictError):
        reserve(dl, "d", "src/pkg/app.py", strict=True)
    dl.reservations.check("e", "src/x.py", "edit")
    assert len(inside) >= 4 and not any(inside), inside


def test_a_conflict_written_while_deciding_is_seen(dl, foreign_sql, monkeypatch):
    """Another client reserves the same file between our read and our write:
    the guarded write notices (the change feed moved), reads what changed,
    decides again and refuses.  With the old code the decision held the
    write lock, so the other client could not write at all."""
    reserve(dl, "x", "src/*.txt")  # something to compare, so the decision runs
    real = reservations_module.find_conflicts
    sneaked: list[bool] = []

    def decide_while_another_writes(*args, **kwargs):
        if not sneaked:
            sneaked.append(True)
            foreign_sql([(
                "INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status)"
                " VALUES ('sneaky', 'other', 'src/app.py', 'edit', 'active')", ())])
        return real(*args, **kwargs)

    monkeypatch.setattr(reservations_module, "find_conflicts", decide_while_another_writes)
    with pytest.raises(ReservationConflictError) as refused:
        reserve(dl, "me", "src/*.py", strict=True)
    assert sneaked and [r.id for r in refused.value.conflicts] == ["sneaky"]
    assert dl.reservations.list(agent_id="me") == []
    advisory = reserve(dl, "me", "src/*.py")  # advisory: granted, with the conflict it now knows
    assert [r.id for r in advisory.conflicts] == ["sneaky"]


def _while_deciding(monkeypatch, action):
    """Run ``action`` once, between the snapshot and the guarded write."""
    real = reservations_module.find_conflicts
    done: list[bool] = []

    def hook(*args, **kwargs):
        if not done:
            done.append(True)
            action()
        return real(*args, **kwargs)

    monkeypatch.setattr(reservations_module, "find_conflicts", hook)
    return done


def test_many_changes_while_deciding_are_all_taken_into_account(dl, foreign_sql, monkeypatch):
    from jetpack_tui.data.reservation_snapshot import GUARD_ROWS

    rows = [("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status)"
             " VALUES (?, 'other', ?, 'edit', 'active')", (f"n{k}", f"lib/{k}.py")) for k in range(GUARD_ROWS + 5)]
    rows.append(("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status)"
                 " VALUES ('last', 'other', 'src/app.py', 'edit', 'active')", ()))
    done = _while_deciding(monkeypatch, lambda: foreign_sql(rows))
    with pytest.raises(ReservationConflictError) as refused:
        reserve(dl, "me", "src/*.py", strict=True)
    assert done and [r.id for r in refused.value.conflicts] == ["last"]


def test_a_pruned_change_feed_makes_it_read_everything_again(dl, foreign_sql, monkeypatch):
    """If the change feed lost the entries after the snapshot (pruned, or
    deleted by hand), the guard cannot vouch for anything: full re-read."""
    reserve(dl, "x", "other/file.py")
    sneak = [("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status)"
              " VALUES ('gone-from-feed', 'other', 'src/app.py', 'edit', 'active')", ()),
             ("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status)"
              " VALUES ('filler', 'other', 'z/z.py', 'read', 'active')", ()),
             ("DELETE FROM change_log WHERE seq < (SELECT max(seq) FROM change_log)", ())]
    done = _while_deciding(monkeypatch, lambda: foreign_sql(sneak))
    with pytest.raises(ReservationConflictError) as refused:
        reserve(dl, "me", "src/*.py", strict=True)
    assert done and [r.id for r in refused.value.conflicts] == ["gone-from-feed"]


def test_changes_elsewhere_in_the_swarm_do_not_make_it_retry(dl, foreign_sql, monkeypatch):
    """Only reservation changes matter: a task written meanwhile is not one."""
    reserve(dl, "x", "other/file.py")
    attempts: list[int] = []
    real_write = dl.engine.write

    def counting(fn, **kw):
        attempts.append(1)
        return real_write(fn, **kw)

    monkeypatch.setattr(dl.engine, "write", counting)
    done = _while_deciding(monkeypatch, lambda: foreign_sql([(
        "INSERT INTO tasks(id, title) VALUES ('t-meanwhile', 'written while deciding')", ())]))
    assert not reserve(dl, "me", "src/*.py", strict=True).conflicted
    assert done and len(attempts) == 1
