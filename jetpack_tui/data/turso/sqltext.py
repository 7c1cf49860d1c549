"""Just enough SQL lexing to replay a statement on the primary with a guard.

A write recorded on the replica is sent to the primary together with checks
that what it saw there still holds (:mod:`.guards`).  Building those checks
needs three facts about a statement's text, found here from its tokens (so
string literals, quoted names, comments and parentheses never confuse
them): its verb (is it a read?), the expressions of its top-level
``RETURNING`` clause, and the names it mentions.  Nothing here knows the
SQL of any sub-interface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*'?)
  | (?P<quoted>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
  | (?P<other>.)
""", re.S | re.X)

_VERBS = frozenset({"SELECT", "VALUES", "INSERT", "UPDATE", "DELETE", "REPLACE"})
READ_VERBS = frozenset({"SELECT", "VALUES"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int  # parentheses around it (an open/close token counts the outer level)

    @property
    def upper(self) -> str:
        return self.text.upper()


def tokens(sql: str) -> list[Token]:
    """Tokens of ``sql`` without whitespace and comments."""
    found: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        if kind == "close":
            depth = max(depth - 1, 0)
        found.append(Token(kind, match.group(), match.start(), depth))
        if kind == "open":
            depth += 1
    return found


def verb(sql: str) -> str:
    """The statement's main verb in upper case: ``SELECT`` for ``WITH … SELECT``,
    ``UPDATE`` for ``WITH … UPDATE``; the first word for anything else
    (``CREATE``, ``PRAGMA`` …); ``""`` for no words at all."""
    first = ""
    for token in tokens(sql):
        if token.kind != "word" or token.depth:
            continue
        first = first or token.upper
        if token.upper in _VERBS:
            return token.upper
        if first != "WITH":
            return first
    return first


def is_read(sql: str) -> bool:
    return verb(sql) in READ_VERBS


def reads_tables(sql: str) -> bool:
    """Whether ``sql`` has a ``FROM`` anywhere: a ``SELECT`` without one
    (``SELECT julianday('now')``) reads no stored data, so nothing to check."""
    return any(token.kind == "word" and token.upper == "FROM" for token in tokens(sql))


def returning(sql: str) -> list[str] | None:
    """The expressions of the top-level ``RETURNING`` clause (aliases cut),
    or ``None`` when the statement has none."""
    found = tokens(sql)
    at = None
    for index, token in enumerate(found):
        if token.kind == "word" and not token.depth and token.upper == "RETURNING":
            at = index
    if at is None:
        return None
    text = sql.rstrip().rstrip(";")
    expressions: list[list[Token]] = [[]]
    for token in found[at + 1:]:
        if token.start >= len(text):
            break
        if token.kind == "comma" and not token.depth:
            expressions.append([])
        else:
            expressions[-1].append(token)
    result = []
    for parts in expressions:
        if len(parts) >= 3 and parts[-2].kind == "word" and parts[-2].upper == "AS" and not parts[-2].depth:
            parts = parts[:-2]
        if not parts:
            raise ValueError(f"cannot read the RETURNING clause of: {sql[:200]}")
        end = parts[-1].start + len(parts[-1].text)
        result.append(text[parts[0].start:end])
    return result


def names(sql: str) -> set[str]:
    """Every bare or quoted identifier in ``sql``, lower case: a superset of
    the tables it reads."""
    found = set()
    for token in tokens(sql):
        if token.kind == "word":
            found.add(token.text.lower())
        elif token.kind == "quoted" and len(token.text) >= 2:
            found.add(token.text[1:-1].lower())
    return found
