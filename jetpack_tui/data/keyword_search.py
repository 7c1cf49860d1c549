"""Keyword search over ``memories.content``: FTS5 BM25, or a scan when FTS5 is absent.

Whatever a person types is a valid query.  User text is never handed to
FTS5's query language (where ``AND``, ``*``, ``-``, ``"`` and parentheses are
syntax): it is split into word tokens, each token is wrapped in double quotes
(a phrase of one word, quotes inside doubled) and the tokens are OR-ed, so
BM25 ranks memories matching more and rarer words first.  Text with no word
characters (emoji, punctuation) simply has no keyword matches.

Words found in more than a fifth of all memories ("the", "note") are left
out of the query (the rarest word is always kept): BM25 gives them almost no
weight, yet FTS5 must score every memory they match (a word in all 100k rows
made a query ~60x slower).  ``memories_fts_vocab`` says how common each
word is, so query tokens mimic FTS5's ``unicode61`` tokenizer.

Turso's engine has no FTS5 (the ``memories_fts`` table of migration 3 does
not exist there); :class:`KeywordSearch` notices once, at open, and then
scores a SQL prefilter (``instr``) with the same BM25 formula in Python.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from .engine import Engine, Tx

_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # unicode61: letters and digits; "_" separates
#: Tokens used from one query (a pasted page must not become a huge query).
MAX_TOKENS = 32
#: Longest token kept (FTS5 ignores nothing, but a 10 kB "word" helps nobody).
MAX_TOKEN_CHARS = 64
#: Rows the fallback scorer reads at most per query.
SCAN_LIMIT = 5000
BM25_K1, BM25_B = 1.2, 0.75
#: A word in more than this share of memories is dropped from the query.
COMMON_SHARE = 0.2
#: Below this many memories every word is kept (scoring is cheap anyway).
PRUNE_FROM = 2000


_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates (not UTF-8)


def _fold(text: str) -> str:
    """Case-fold and strip diacritics, as ``unicode61 remove_diacritics 2`` does."""
    decomposed = unicodedata.normalize("NFKD", _UNSENDABLE.sub(" ", text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def tokens(text: str | None) -> list[str]:
    """Word tokens of user text, folded, de-duplicated, bounded."""
    if not text:
        return []
    found = [t[:MAX_TOKEN_CHARS] for t in _WORD.findall(_fold(str(text)))]
    return list(dict.fromkeys(found))[:MAX_TOKENS]


def fts_query(words: Sequence[str]) -> str:
    """A safe FTS5 query: every token quoted, OR-ed (``""`` escapes a quote)."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def filter_sql(types: Sequence[str] | None, min_importance: float | None) -> tuple[str, list]:
    clauses, params = [], []
    if types is not None:
        clauses.append("m.type IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(types)))
    if min_importance is not None:
        clauses.append("typeof(m.importance) IN ('integer', 'real') AND m.importance >= ?")
        params.append(float(min_importance))
    return "".join(" AND " + c for c in clauses), params


class KeywordSearch:
    """BM25 keyword ranking of memories; returns ``(rowid, score)``, best first."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        #: Detected once: FTS5 table present (libSQL) or not (Turso).
        names = {row[0] for row in engine.rows(
            "SELECT name FROM sqlite_master WHERE name IN ('memories_fts', 'memories_fts_vocab')")}
        self.has_fts = "memories_fts" in names
        self._has_vocab = "memories_fts_vocab" in names

    def search(self, text: str | None, limit: int, *, types: Sequence[str] | None = None,
               min_importance: float | None = None) -> list[tuple[int, float]]:
        words = tokens(text)
        if not words:
            return []
        where, params = filter_sql(types, min_importance)
        if self.has_fts:
            return self._engine.read(lambda tx: self._fts(tx, words, limit, where, params))
        return self._engine.read(lambda tx: self._scan(tx, words, limit, where, params))

    def _useful(self, tx: Tx, words: list[str]) -> list[str]:
        """The words worth scoring: drop those most memories contain."""
        total = int(tx.value("SELECT max(rowid) FROM memories") or 0)  # ~count, O(log n)
        if not self._has_vocab or total < PRUNE_FROM:
            return words
        counts = dict(tx.rows("SELECT term, doc FROM memories_fts_vocab WHERE term IN"
                              " (SELECT value FROM json_each(?))", (json.dumps(words),)))
        kept = [w for w in words if counts.get(w, 0) <= COMMON_SHARE * total]
        return kept or [min(words, key=lambda w: counts.get(w, 0))]

    def _fts(self, tx: Tx, words: list[str], limit: int, where: str, params: list) -> list[tuple[int, float]]:
        join = " JOIN memories m ON m.rowid = memories_fts.rowid" if where else ""
        rows = tx.rows(
            f"SELECT memories_fts.rowid, bm25(memories_fts) AS rank FROM memories_fts{join}"
            f" WHERE memories_fts MATCH ?{where} ORDER BY rank LIMIT ?",
            (fts_query(self._useful(tx, words)), *params, int(limit)),
        )
        # FTS5's bm25() is negative (smaller is better); hand out the relevance.
        return [(int(rowid), -float(rank)) for rowid, rank in rows]

    @staticmethod
    def _scan(tx: Tx, words: list[str], limit: int, where: str, params: list) -> list[tuple[int, float]]:
        """BM25 over rows whose lower-cased content contains a token (no FTS5).

        SQLite's ``lower`` folds ASCII only, so non-ASCII capitals can miss;
        document frequencies come from the (bounded) prefiltered rows.
        """
        total = int(tx.value("SELECT count(*) FROM memories") or 0)
        if not total:
            return []
        match = " OR ".join("instr(lower(CAST(m.content AS TEXT)), ?) > 0" for _ in words)
        rows = tx.rows(
            f"SELECT m.rowid, CAST(m.content AS TEXT) FROM memories m WHERE ({match}){where}"
            " ORDER BY m.rowid DESC LIMIT ?",
            (*words, *params, SCAN_LIMIT),
        )
        docs = [(int(rowid), Counter(tokens_all(content))) for rowid, content in rows]
        if not docs:
            return []
        average = sum(sum(c.values()) for _, c in docs) / len(docs) or 1.0
        frequency = {w: sum(1 for _, c in docs if w in c) for w in words}
        scored = []
        for rowid, counts in docs:
            length = sum(counts.values())
            score = 0.0
            for w in words:
                tf = counts.get(w, 0)
                if tf:
                    idf = math.log(1 + (total - frequency[w] + 0.5) / (frequency[w] + 0.5))
                    score += idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * length / average))
            if score > 0:
                scored.append((rowid, score))
        scored.sort(key=lambda item: (-item[1], -item[0]))
        return scored[:limit]


def tokens_all(text: str | None) -> list[str]:
    """Every word of stored text (not de-duplicated, not bounded): for term counts."""
    if not text:
        return []
    return _WORD.findall(_fold(text))
