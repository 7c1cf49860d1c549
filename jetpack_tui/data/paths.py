"""One file, one spelling: the canonical form of a reservation's path or glob.

Reservations are compared as text, so every spelling of a file must come out
the same - or ``app/./config.py`` slips past a strict ``app/config.py``.
:func:`canonical` is used both when a reservation is stored and whenever one
is compared, so a row another client wrote with an odd spelling is compared
as the file it names (and the oddity is flagged in its ``problems``).

What is the same file (the canonical form, relative to the project root):

* ``.`` segments, empty segments and a trailing ``/`` are dropped:
  ``./app//config.py/`` is ``app/config.py``;
* ``x/..`` cancels ``x``: ``lib/../app/config.py`` is ``app/config.py``;
* ``\\`` is a separator, as on Windows: ``app\\config.py`` is ``app/config.py``
  (a name that really contains a backslash cannot be reserved);
* Unicode is compared in NFC: ``cafe`` + U+0301 is ``café``.

What is refused for a new reservation (:meth:`Spelling.require`), and
flagged - then read as the cleaned-up spelling - in a stored row:

* a path that climbs out of the project root (``../x``, ``a/../../x``);
  a stored one matches no file of the project;
* an absolute path (``/etc/x``, ``C:\\x``): reservations are relative to the
  project root (the DataLayer cannot know where that is on each agent's disk);
  a stored one is read relative to the root;
* ``..`` after a wildcard (``src/*/../x``): which directory it cancels is
  unknowable; a stored one cancels the wildcard segment;
* control characters (tab, newline, NUL …), invisible ones (zero-width
  spaces and joiners, byte-order marks, bidi controls, Hangul fillers),
  whitespace other than the plain space, and whitespace at the start or
  end of a name - each looks like another file name that it is not.

What is *not* the same file: names that differ in case (``App.py`` and
``app.py``; as git on Linux), or in anything else.  Glob characters are a
different matter: ``*``, ``?`` and ``[`` make a glob unless the caller asks
for a literal path (``glob=False``), which is stored escaped (:func:`escape`:
``docs/[draft].md`` becomes ``docs/[[]draft].md``) so every reader, this one
or another client's fnmatch, sees exactly one file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .errors import InvalidInputError
from .globs import escape, is_glob, unescape, wildcards

__all__ = ["MAX_PATTERN_CHARS", "MAX_WILDCARDS", "Spelling", "canonical", "checked_pattern", "escape",
           "unescape"]

#: Longest pattern a new reservation may have.  A reservation names files;
#: real ones are under 200 characters.  Overlap costs O(len(a) · len(b) / 30)
#: machine-word steps, so this keeps one comparison of two new patterns
#: within a few milliseconds, whatever they contain.
MAX_PATTERN_CHARS = 1024
#: Most wildcards (``*``, ``**``, ``?``, classes) a new pattern may have.
#: Real patterns have fewer than ten; more is a sign of generated junk, and
#: every wildcard makes the cheap pre-checks (literal prefix and suffix,
#: segment counts) weaker, so more pairs reach the exact search.
MAX_WILDCARDS = 64

#: Characters in Unicode's "letter" classes that render as nothing.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u034f")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Spelling:
    """``path``: the canonical form.  ``problems``: why a new reservation
    with this spelling is refused.  ``notes``: accepted differences (a
    backslash, not NFC) that a stored row is flagged with."""

    text: str
    path: str
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def flags(self) -> tuple[str, ...]:
        return self.problems + self.notes

    def require(self) -> str:
        """The canonical path, or :class:`InvalidInputError` naming every problem."""
        if self.problems:
            raise InvalidInputError(f"file_path '{shown(self.text)}': {'; '.join(self.problems)}")
        if not self.path:
            raise InvalidInputError(f"file_path '{shown(self.text)}' names no file")
        return self.path


def shown(text: str, limit: int = 120) -> str:
    """``text`` with every character that would not show escaped (``\\u200b``)."""
    out = "".join(c if c == " " or (c.isprintable() and _kind(c) is None) else f"\\u{ord(c):04x}"
                  for c in text[:limit])
    return out + ("…" if len(text) > limit else "")


def _kind(c: str) -> str | None:
    """Why a character cannot be part of a name, if it cannot."""
    category = unicodedata.category(c)
    if category == "Cc":
        return "control"
    if category in ("Cf", "Zl", "Zp", "Cs", "Cn", "Co") or c in _INVISIBLE_LETTERS:
        return "invisible"
    if c != " " and c.isspace():
        return "whitespace"
    return None


def _characters(text: str, problems: list[str], notes: list[str]) -> str:
    """NFC, backslashes as ``/``, odd characters dropped (or spaces)."""
    try:
        nfc = unicodedata.normalize("NFC", text)
    except ValueError:  # pragma: no cover - lone surrogates normalise fine on CPython
        nfc = text
    if nfc != text:
        notes.append("not in Unicode NFC (compared as NFC)")
    if "\\" in nfc:
        notes.append("backslash read as /")
        nfc = nfc.replace("\\", "/")
    if nfc.isascii() and nfc.isprintable():
        return nfc
    out: list[str] = []
    said: set[str] = set()
    for c in nfc:
        kind = _kind(c)
        if kind is None:
            out.append(c)
            continue
        problem = (f"unusual whitespace U+{ord(c):04X} (compared as a space)" if kind == "whitespace"
                   else f"{kind} character U+{ord(c):04X} (compared without it)")
        if problem not in said:
            said.add(problem)
            problems.append(problem)
        if kind == "whitespace":
            out.append(" ")
    return "".join(out)


def _segments(text: str, problems: list[str]) -> list[str]:
    if text.startswith("/") or _DRIVE.match(text):
        problems.append("absolute path: reserve paths relative to the project root")
        text = _DRIVE.sub("", text)
    out: list[str] = []
    for raw in text.split("/"):
        seg = raw.strip(" ")
        if seg != raw and "whitespace at the start or end of a name" not in problems:
            problems.append("whitespace at the start or end of a name")
        if not seg or seg == ".":
            continue
        if seg == ".." and out and out[-1] != "..":
            if is_glob(out[-1]):
                problems.append("'..' after a wildcard segment: which directory it cancels is unknown")
            out.pop()
        elif seg == "..":
            if "goes outside the project root" not in problems:
                problems.append("goes outside the project root")
            out.append(seg)
        else:
            out.append(seg)
    return out


@lru_cache(maxsize=16384)
def canonical(text: str) -> Spelling:
    """The canonical spelling of a path or glob, with what was odd about it.
    Never raises: stored rows go through here too."""
    problems: list[str] = []
    notes: list[str] = []
    cleaned = _characters(text, problems, notes)
    path = "/".join(_segments(cleaned, problems))
    return Spelling(text, path, tuple(problems), tuple(notes))


def checked_pattern(text: str, *, glob: bool | None = None) -> str:
    """The canonical pattern to store for a new reservation, or
    :class:`InvalidInputError`.  ``glob=False``: ``text`` is a literal path
    (its ``*?[`` are escaped); ``None`` or ``True``: a glob when it has glob
    characters, as reservations always read them."""
    if len(text) > MAX_PATTERN_CHARS:
        raise InvalidInputError(f"file_path is longer than {MAX_PATTERN_CHARS} characters ({len(text)}): "
                                "a reservation names files")
    pattern = canonical(escape(text) if glob is False else text).require()
    count = wildcards(pattern)
    if count > MAX_WILDCARDS:
        raise InvalidInputError(f"file_path has {count} wildcards, more than {MAX_WILDCARDS} wildcards allowed "
                                "(pass glob=False to reserve a literal path)")
    return pattern
