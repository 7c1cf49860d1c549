"""Two spellings of one file are one file; odd spellings are refused or flagged.

Issue 12, hole 3: ``app/config.py`` held strictly, then ``app/./config.py``,
``app/../app/config.py``, ``lib/../app/config.py``, a trailing space, a
zero-width space and ``app\\config.py`` were all granted.  And a file whose
name has brackets (``docs/[draft] setup.md``) could not be reserved as the
literal path it is.
"""

from __future__ import annotations

import pytest

from jetpack_tui.data import InvalidInputError
from jetpack_tui.data.paths import MAX_PATTERN_CHARS, MAX_WILDCARDS, canonical, escape, unescape
from jetpack_tui.data.reservation_models import ReservationConflictError


def reserve(dl, agent, path, kind="edit", **kw):
    return dl.reservations.reserve(agent, path, kind, **kw)


def stored(dl):
    return [row[0] for row in dl.engine.rows("SELECT file_path FROM file_reservations ORDER BY rowid")]


SAME_FILE = ["app/./config.py", "app/../app/config.py", "lib/../app/config.py", "./app/config.py",
             "app//config.py", "app/config.py/", "app\\config.py", "app/sub/..\\config.py"]


@pytest.mark.parametrize("spelling", SAME_FILE)
def test_another_spelling_of_a_held_file_is_the_same_file(dl, spelling):
    held = reserve(dl, "a", "app/config.py", strict=True).reservation
    with pytest.raises(ReservationConflictError) as refused:
        reserve(dl, "b", spelling, strict=True)
    assert [r.id for r in refused.value.conflicts] == [held.id]
    assert [r.id for r in dl.reservations.check("b", spelling, "edit")] == [held.id]


@pytest.mark.parametrize("spelling,canon", [
    ("app/./config.py", "app/config.py"), ("lib/../app/config.py", "app/config.py"),
    ("app\\config.py", "app/config.py"), ("./src//a.py/", "src/a.py"), ("a/b/../c/**", "a/c/**"),
    ("cafe\u0301.md", "caf\u00e9.md"),  # NFC: one way to write é
])
def test_the_stored_spelling_is_the_canonical_one(dl, spelling, canon):
    r = reserve(dl, "a", spelling).reservation
    assert r.file_path == canon and stored(dl) == [canon] and r.problems == ()
    again = reserve(dl, "a", canon).reservation  # renewing under the other spelling: same row
    assert again.id == r.id and len(stored(dl)) == 1


@pytest.mark.parametrize("spelling,why", [
    ("app/config.py ", "whitespace"), (" app/config.py", "whitespace"), ("app /config.py", "whitespace"),
    ("app/config.py\t", "control"), ("app/config.py\n", "control"), ("app/con\x01fig.py", "control"),
    ("app/config.py\u200b", "invisible"), ("app/con\u200bfig.py", "invisible"), ("\ufeffapp/config.py", "invisible"),
    ("app/config\u202e.py", "invisible"), ("app/config.py\u00a0", "whitespace"), ("app/con\u00a0fig.py", "whitespace"),
    ("../app/config.py", "outside"), ("app/../../config.py", "outside"), ("..", "outside"),
    ("/etc/passwd", "absolute"), ("C:\\work\\app\\config.py", "absolute"), ("c:/app/config.py", "absolute"),
    ("src/*/../config.py", "wildcard"), ("src/**/../config.py", "wildcard"),
])
def test_odd_spellings_are_refused_with_a_clear_error(dl, spelling, why):
    with pytest.raises(InvalidInputError) as refused:
        reserve(dl, "a", spelling)
    assert why in str(refused.value)
    assert stored(dl) == []


def test_the_refusal_shows_the_spelling_escaped():
    with pytest.raises(InvalidInputError) as refused:
        canonical("app/con\u200bfig.py").require()
    assert "\\u200b" in str(refused.value)  # an invisible character is shown, not printed raw


# -- literal paths vs globs ------------------------------------------------------------
def test_a_file_name_with_brackets_is_reservable_as_a_literal_path(dl):
    held = reserve(dl, "a", "docs/[draft] setup.md", glob=False, strict=True).reservation
    assert held.literal_path == "docs/[draft] setup.md" and not held.is_glob
    assert held.display_path == "docs/[draft] setup.md"
    assert not reserve(dl, "b", "docs/a setup.md", strict=True).conflicted  # not a character class
    with pytest.raises(ReservationConflictError):
        reserve(dl, "b", "docs/[draft] setup.md", glob=False, strict=True)
    with pytest.raises(ReservationConflictError):
        reserve(dl, "b", "docs/*.md", strict=True)  # a glob that covers it
    assert [p.path for p in dl.reservations.conflicts()] == []


@pytest.mark.parametrize("name", ["what?.py", "a*b.txt", "[", "x[!a]y", "odd]name", "**", "a/**/b"])
def test_every_glob_character_can_be_literal(dl, name):
    r = reserve(dl, "a", name, glob=False).reservation
    assert r.literal_path == name and not r.is_glob
    other = "what_.py" if name == "what?.py" else "a-b.txt" if name == "a*b.txt" else "q"
    assert not reserve(dl, "b", other, strict=True).conflicted
    with pytest.raises(ReservationConflictError):
        reserve(dl, "b", name, glob=False, strict=True)


def test_by_default_glob_characters_make_a_glob_as_before(dl):
    r = reserve(dl, "a", "docs/[ab].md").reservation
    assert r.is_glob and r.literal_path is None and r.display_path == "docs/[ab].md"
    assert reserve(dl, "b", "docs/a.md").conflicted
    plain = reserve(dl, "c", "src/app.py", glob=True).reservation
    assert not plain.is_glob and plain.literal_path == "src/app.py"


def test_escape_and_unescape_round_trip():
    for name in ["docs/[draft] setup.md", "a*b?c[d]e!f", "plain/path.py", "]["]:
        assert unescape(escape(name)) == name
    assert escape("a[b]*?") == "a[[]b][*][?]"
    assert unescape("src/*.py") is None and unescape("x[ab]") is None
    assert unescape("x[a]") == "xa"  # a one-character class is a literal


# -- limits ---------------------------------------------------------------------------------
def test_new_patterns_have_a_size_and_wildcard_cap(dl):
    assert MAX_PATTERN_CHARS == 1024 and MAX_WILDCARDS == 64
    reserve(dl, "a", "d/" + "x" * (MAX_PATTERN_CHARS - 2))
    with pytest.raises(InvalidInputError, match="1024 characters"):
        reserve(dl, "a", "d/" + "x" * (MAX_PATTERN_CHARS - 1))
    reserve(dl, "a", "*a" * MAX_WILDCARDS)
    with pytest.raises(InvalidInputError, match="64 wildcards"):
        reserve(dl, "a", "*a" * (MAX_WILDCARDS + 1))
    with pytest.raises(InvalidInputError, match="64 wildcards"):
        reserve(dl, "a", "/".join(["**", "?", "[ab]"] * 22))
    reserve(dl, "a", "*" * 200, glob=False)  # a literal has no wildcards
    with pytest.raises(InvalidInputError, match="64 wildcards"):
        dl.reservations.check("b", "*a" * (MAX_WILDCARDS + 1), "edit")


# -- rows other clients wrote --------------------------------------------------------------------
def test_foreign_rows_with_odd_spellings_are_compared_canonically_and_flagged(dl, foreign_sql):
    odd = {"f1": "app/./config.py", "f2": "app\\config.py", "f3": "app/config.py ", "f4": "app/con\u200bfig.py",
           "f5": "lib/../app/config.py", "f6": "../app/config.py", "f7": "app/config.py\x07",
           "f8": "/app/config.py", "f9": "app/*/../config.py"}
    foreign_sql([("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status)"
                  " VALUES (?, ?, ?, 'edit', 'active')", (rid, f"agent-{rid}", path)) for rid, path in odd.items()])
    rows = {r.id: r for r in dl.reservations.list()}
    assert set(rows) == set(odd)
    assert rows["f1"].problems == () and rows["f5"].problems == ()  # just another spelling
    for rid in ("f2", "f3", "f4", "f6", "f7", "f8", "f9"):
        assert any(p.startswith("file_path:") for p in rows[rid].problems), (rid, rows[rid].problems)
    clashing = {r.id for r in dl.reservations.check("me", "app/config.py", "edit")}
    assert clashing == {"f1", "f2", "f3", "f4", "f5", "f7", "f8", "f9"}  # f6 is outside the project
    pairs = {frozenset((p.first.id, p.second.id)) for p in dl.reservations.conflicts()}
    assert frozenset(("f1", "f4")) in pairs and not any("f6" in pair for pair in pairs)


def test_canonical_never_raises_on_strange_text():
    for text in ["", "/", "\\", "..", "../..", "\x00", "\ud800", "a/\u200b/b", " ", "C:", "**/..", "\u3164"]:
        found = canonical(text)
        assert isinstance(found.path, str) and isinstance(found.problems, tuple)
