"""Contract tests for ``dl.reservations`` (advisory file reservations)."""

from __future__ import annotations

import itertools
import random

import pytest

from jetpack_tui.data import ConflictError, InvalidInputError, NotFoundError, create_local_data_layer
from jetpack_tui.data.globs import glob_matches, overlap_witness
from jetpack_tui.data.reservation_models import (
    RESERVATION_TYPES,
    ReservationConflictError,
    ReservationResult,
    could_overlap,
    find_all_conflicts,
    literal_prefix,
    literal_suffix,
    normalise,
    types_conflict,
)


def reserve(dl, agent, path, kind="edit", **kw):
    return dl.reservations.reserve(agent, path, kind, **kw)


def ids(items):
    return sorted(r.id for r in items)


def age(dl, reservation_id, seconds_ago=1.0):
    """Make a reservation's TTL run out (as time passing would)."""
    dl.engine.write(lambda tx: tx.execute(
        "UPDATE file_reservations SET expires_at = ? WHERE id = ?",
        (dl.engine.value("SELECT ((julianday('now') - 2440587.5) * 86400.0)") - seconds_ago, reservation_id)))


# -- reserve and conflicts ------------------------------------------------------------
def test_reserve_returns_the_reservation_and_no_conflicts(dl):
    result = reserve(dl, "a", "src/app.py", task_id="t1", ttl=30)
    assert isinstance(result, ReservationResult) and not result.conflicted
    r = result.reservation
    assert (r.agent_id, r.file_path, r.reservation_type, r.task_id, r.status, r.state) == (
        "a", "src/app.py", "edit", "t1", "active", "active")
    assert r.active and r.expires_at == pytest.approx(r.created_at + 30)
    assert dl.reservations.get(r.id) == r
    seed = dl.engine.row("SELECT agent_id, task_id, file_path, reservation_type, status, created_at"
                         " FROM file_reservations")
    assert seed[:5] == ("a", "t1", "src/app.py", "edit", "active") and seed[5]


@pytest.mark.parametrize("mine,theirs", list(itertools.product(RESERVATION_TYPES, repeat=2)))
def test_only_read_with_read_is_compatible(dl, mine, theirs):
    held = reserve(dl, "a", "src/app.py", theirs).reservation
    result = reserve(dl, "b", "src/*.py", mine)
    expected = not (mine == "read" and theirs == "read")
    assert result.conflicted is expected
    assert ids(result.conflicts) == ([held.id] if expected else [])


def test_the_same_agent_never_conflicts_with_itself(dl):
    reserve(dl, "a", "src/**", "delete")
    assert not reserve(dl, "a", "src/app.py", "edit").conflicted
    assert not reserve(dl, "a", "src/*.py", "create", strict=True).conflicted


@pytest.mark.parametrize("held,wanted,clash", [
    ("src/*.py", "src/**/test_*.py", True),       # src/test_.py
    ("src/**/*.py", "src/pkg/mod.py", True),
    ("./src//app.py", "src/app.py", True),        # same file, spelled differently
    ("src/*.py", "src/pkg/mod.py", False),        # * stays inside one segment
    ("src/**/*.md", "src/**/*.py", False),
    ("docs/[a-c]*.md", "docs/d*.md", False),
    ("docs/[!a]*.md", "docs/[!b]*.md", True),     # both cover docs/c.md
    ("a/b", "a/bc", False),
    ("**", "anything/at/all.txt", True),
])
def test_overlap_between_globs_is_exact(dl, held, wanted, clash):
    reserve(dl, "a", held)
    assert reserve(dl, "b", wanted).conflicted is clash
    pairs = dl.reservations.conflicts()
    assert len(pairs) == (1 if clash else 0)
    for pair in pairs:
        assert glob_matches(held, pair.path) and glob_matches(wanted, pair.path)


def test_released_and_expired_reservations_do_not_count(dl):
    released = reserve(dl, "a", "x.py").reservation
    dl.reservations.release(released.id)
    expired = reserve(dl, "b", "x.py", ttl=60).reservation
    age(dl, expired.id)
    assert dl.reservations.get(expired.id).state == "expired"  # derived before expire() marks it
    assert not dl.reservations.get(expired.id).active
    result = reserve(dl, "c", "x.py", strict=True)
    assert not result.conflicted
    assert ids(dl.reservations.list()) == [result.reservation.id]


def test_advisory_is_granted_strict_is_refused_with_the_conflicts(dl):
    held = reserve(dl, "a", "src/**/*.py").reservation
    also = reserve(dl, "b", "src/pkg/*.py", "read").reservation
    advisory = reserve(dl, "c", "src/pkg/mod.py")
    assert advisory.reservation.active and ids(advisory.conflicts) == ids([held, also])
    with pytest.raises(ReservationConflictError) as refused:
        reserve(dl, "d", "src/pkg/mod.py", strict=True)
    assert isinstance(refused.value, ConflictError)
    assert ids(refused.value.conflicts) == ids([held, also, advisory.reservation])
    assert refused.value.current == refused.value.conflicts
    assert dl.reservations.list(agent_id="d") == []
    # a read next to other reads is fine, strictly too
    dl.reservations.release(held.id)
    dl.reservations.release(advisory.reservation.id)
    assert not reserve(dl, "d", "src/pkg/mod.py", "read", strict=True).conflicted


def test_check_reports_conflicts_without_writing(dl):
    held = reserve(dl, "a", "lib/*.rs").reservation
    assert ids(dl.reservations.check("b", "lib/main.rs", "edit")) == [held.id]
    assert dl.reservations.check("a", "lib/main.rs", "edit") == []
    assert len(dl.reservations.list()) == 1


def test_reserving_again_renews_instead_of_piling_up(dl):
    first = reserve(dl, "a", "x.py", task_id="t", ttl=10).reservation
    again = reserve(dl, "a", "x.py", task_id="t", ttl=100).reservation
    assert again.id == first.id and again.expires_at > first.expires_at
    other_task = reserve(dl, "a", "x.py", task_id="u").reservation
    assert other_task.id != first.id
    assert len(dl.reservations.list()) == 2


@pytest.mark.parametrize("agent,path,kind,kw", [
    ("", "x.py", "edit", {}), (None, "x.py", "edit", {}), ("a", "", "edit", {}), ("a", ".", "edit", {}),
    ("a", "//", "edit", {}), ("a", "x\x00.py", "edit", {}), ("a", "x" * 5000, "edit", {}),
    ("a", "x.py", "write", {}), ("a", "x.py", None, {}), ("a", "x.py", "edit", {"ttl": 0}),
    ("a", "x.py", "edit", {"ttl": -1}), ("a", "x.py", "edit", {"ttl": True}),
    ("a", "x.py", "edit", {"ttl": float("nan")}), ("a", "x.py", "edit", {"task_id": ""}),
])
def test_invalid_reservations_are_refused(dl, agent, path, kind, kw):
    with pytest.raises(InvalidInputError):
        dl.reservations.reserve(agent, path, kind, **kw)
    assert dl.engine.value("SELECT count(*) FROM file_reservations") == 0


# -- release and expiry ----------------------------------------------------------------
def test_release_is_idempotent_and_checks_the_holder(dl):
    r = reserve(dl, "a", "x.py").reservation
    with pytest.raises(ConflictError) as wrong:
        dl.reservations.release(r.id, agent_id="b")
    assert wrong.value.current.active
    released = dl.reservations.release(r.id, agent_id="a")
    assert released.state == "released" and released.released_at is not None
    assert dl.reservations.release(r.id) == released
    with pytest.raises(NotFoundError):
        dl.reservations.release("res-nope")


def test_release_for_task_and_for_agent(dl):
    reserve(dl, "a", "1.py", task_id="t1")
    reserve(dl, "a", "2.py", task_id="t1")
    keep = reserve(dl, "a", "3.py", task_id="t2").reservation
    reserve(dl, "b", "4.py")
    assert dl.reservations.release_for_task("t1") == 2
    assert dl.reservations.release_for_task("t1") == 0
    assert dl.reservations.release_for_agent("b") == 1
    assert ids(dl.reservations.list()) == [keep.id]


def test_expire_marks_only_lapsed_reservations(dl):
    lapsed = reserve(dl, "a", "1.py", ttl=60).reservation
    live = reserve(dl, "a", "2.py", ttl=60).reservation
    forever = reserve(dl, "a", "3.py").reservation
    age(dl, lapsed.id)
    assert dl.reservations.expire() == 1
    assert dl.reservations.expire() == 0
    marked = dl.reservations.get(lapsed.id)
    assert (marked.status, marked.state, marked.released_at) == ("released", "expired", marked.expires_at)
    assert ids(dl.reservations.list()) == ids([live, forever])


def test_list_filters(dl):
    a1 = reserve(dl, "a", "src/app.py", task_id="t1").reservation
    reserve(dl, "b", "docs/readme.md")
    gone = reserve(dl, "a", "src/old.py").reservation
    dl.reservations.release(gone.id)
    assert ids(dl.reservations.list(agent_id="a")) == [a1.id]
    assert ids(dl.reservations.list(agent_id="a", active_only=False)) == ids([a1, gone])
    assert ids(dl.reservations.list(path_contains="src/", active_only=False)) == ids([a1, gone])
    assert ids(dl.reservations.list(task_id="t1")) == [a1.id]
    assert len(dl.reservations.list(limit=1)) == 1
    assert dl.reservations.count() == 2 and dl.reservations.count(agent_id="b") == 1


# -- operators and tasks ---------------------------------------------------------------
def test_force_release_mails_the_holder_in_the_same_transaction(dl):
    r = reserve(dl, "a", "src/**", task_id="t9").reservation
    released = dl.reservations.force_release(r.id, by="operator", reason="stuck agent")
    assert released.state == "released"
    [delivery] = dl.messages.receive("a")
    msg = delivery.message
    assert (msg.type, msg.from_agent, msg.task_id) == ("operator.force_release", "operator", "t9")
    assert msg.payload == {"reservation_id": r.id, "file_path": "src/**", "reservation_type": "edit",
                           "task_id": "t9", "by": "operator", "reason": "stuck agent"}
    with pytest.raises(ConflictError):
        dl.reservations.force_release(r.id, by="operator")
    assert len(dl.messages.receive("a")) == 1
    with pytest.raises(InvalidInputError):
        dl.reservations.force_release(reserve(dl, "b", "x").reservation.id, by="")
    with pytest.raises(NotFoundError):
        dl.reservations.force_release("res-nope", by="operator")


def _claimed(dl, agent, title):
    dl.agents.register(agent)
    task = dl.tasks.create(title)
    return dl.tasks.claim(agent, task.id)


def test_finishing_or_moving_a_task_releases_its_reservations(dl):
    done = _claimed(dl, "a", "done")
    failed = _claimed(dl, "b", "failed")
    released = _claimed(dl, "c", "released")
    moved = _claimed(dl, "d", "moved")
    mine = {t.id: reserve(dl, t.claimed_by, f"{t.title}/**", task_id=t.id).reservation
            for t in (done, failed, released, moved)}
    untouched = reserve(dl, "a", "other/**").reservation
    dl.tasks.complete(done.id, "a", done.claim_token)
    dl.tasks.fail(failed.id, "b", failed.claim_token, "boom")
    dl.tasks.release(released.id, by="operator")
    dl.tasks.reassign(moved.id, "e", by="operator")
    for r in mine.values():
        assert dl.reservations.get(r.id).state == "released"
    assert ids(dl.reservations.list()) == [untouched.id]
    # and the deregistration of an agent releases what it holds
    dl.agents.deregister("a")
    assert dl.reservations.list() == []


# -- lenient reads ------------------------------------------------------------------------
def test_foreign_rows_are_flagged_never_raised(dl, db_path):
    def foreign(tx):
        for values in [
            ("f1", "py", "src/*.py", "write", "active", "garbage", None, None),
            ("f2", "py", "src/a.py", "read", "locked", "2026-01-01 00:00:00", "soon", None),
            ("f3", None, None, "edit", "active", None, None, None),
            ("f4", "py", "docs/[red]x[/red]", "edit", "active", "2026-01-01T00:00:00Z", "not a time", "nope"),
        ]:
            tx.execute("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status,"
                       " created_at, expires_at, released_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)

    dl.engine.write(foreign)
    rows = {r.id: r for r in dl.reservations.list(active_only=False)}
    assert set(rows) == {"f1", "f2", "f3", "f4"}
    assert "reservation_type: unknown value 'write'" in rows["f1"].problems
    assert "created_at: unreadable timestamp" in rows["f1"].problems and rows["f1"].active
    assert rows["f2"].state == "locked" and not rows["f2"].active
    assert "status: unknown value 'locked'" in rows["f2"].problems
    assert "file_path: empty" in rows["f3"].problems
    assert rows["f4"].active and rows["f4"].raw["expires_at"] == "not a time"  # unreadable expiry: never expires
    # an unknown type conflicts even with a read; the empty path never overlaps
    mine = reserve(dl, "me", "src/b.py", "read")
    assert ids(mine.conflicts) == ["f1"]
    assert [{p.first.id, p.second.id} for p in dl.reservations.conflicts()] == [{"f1", mine.reservation.id}]
    with create_local_data_layer(db_path) as again:
        assert {r.id for r in again.reservations.list()} == {"f1", "f3", "f4", mine.reservation.id}


# -- the conflict rules as pure functions ----------------------------------------------------
_SEGMENTS = ["src", "pkg", "a", "b.py", "*.py", "*", "**", "?", "[ab]*", "[!a].py", ".", "", "test_*",
             "a*b", "[]a]x", "x]y", "b?", "**"]


def _random_pattern(rng):
    return "/".join(rng.choice(_SEGMENTS) for _ in range(rng.randint(1, 4))) or "x"


def test_every_match_starts_and_ends_with_the_literal_ends():
    rng = random.Random(11)
    names = ["src", "pkg", "a", "b.py", "ab.py", "x]y", "]x", "ab"]
    paths = ["/".join(p) for n in range(1, 4) for p in itertools.product(names, repeat=n)]
    checked = 0
    for _ in range(300):
        pattern = _random_pattern(rng)
        prefix, suffix = literal_prefix(pattern), literal_suffix(pattern)
        for path in paths:
            if glob_matches(pattern, path):
                checked += 1
                assert normalise(path).startswith(prefix), (pattern, path, prefix)
                assert normalise(path).endswith(suffix), (pattern, path, suffix)
    assert checked > 1000


def test_the_cheap_precheck_never_hides_an_overlap():
    rng = random.Random(3)
    found = 0
    for _ in range(3000):
        a, b = _random_pattern(rng), _random_pattern(rng)
        if overlap_witness(a, b) is not None:
            found += 1
            assert could_overlap(a, b), (a, b)
    assert found > 300


def test_grouped_conflicts_equal_the_plain_all_pairs_answer(tmp_path):
    rng = random.Random(5)
    with create_local_data_layer(str(tmp_path / "g.db")) as dl:
        for n in range(150):
            pattern = _random_pattern(rng)
            if not normalise(pattern) or pattern.startswith("/"):  # names no file / absolute: refused
                continue
            reserve(dl, f"agent{rng.randrange(6)}", pattern, rng.choice(RESERVATION_TYPES))
        held = dl.reservations.list()
        found = dl.reservations.conflicts()
    grouped = {frozenset((p.first.id, p.second.id)) for p in found}
    brute = {frozenset((a.id, b.id)) for a, b in itertools.combinations(held, 2)
             if a.agent_id != b.agent_id and types_conflict(a.reservation_type, b.reservation_type)
             and overlap_witness(a.file_path, b.file_path) is not None}
    assert grouped == brute and len(brute) > 50 and len(found) == len(grouped)
    assert all(glob_matches(p.first.file_path, p.path) and glob_matches(p.second.file_path, p.path) for p in found)
    assert len(find_all_conflicts(held)) == len(grouped)
