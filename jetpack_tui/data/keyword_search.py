"""Keyword search over ``memories.content``: FTS5 BM25, or a scan when FTS5 is absent.

Whatever a person types is a valid query.  User text is never handed to
FTS5's query language (where ``AND``, ``*``, ``-``, ``"`` and parentheses are
syntax): it is split into word tokens, each token is wrapped in double quotes
(a phrase of one word, quotes inside doubled) and the tokens are OR-ed, so
BM25 ranks memories matching more and rarer words first.  Text with no word
characters (emoji, punctuation, symbols like "㋀" that only *fold* to
letters) simply has no keyword matches.

Words found in more than a fifth of all memories ("the", "note") are left
out of the query (the rarest word is always kept): BM25 gives them almost no
weight, yet FTS5 must score every memory they match (a word in all 100k rows
made a query ~60x slower).  ``memories_fts_vocab`` says how common each
word is.  FTS5 gets the words as typed and folds them with its own
``unicode61`` tokenizer, exactly as it folded the stored text (our Python
fold differs: NFKD splits Hangul syllables into jamo and strips й, ё, Greek
tonos and ß, which unicode61 keeps, so such words never matched).

Turso's engine has no FTS5 (the ``memories_fts`` table of migration 3 does
not exist there); :class:`KeywordSearch` notices once, at open, and then
scans: SQL passes the rows whose lower-cased text contains an ASCII query
word, or that hold any non-ASCII character (SQL's ``lower`` folds ASCII only
and nothing in SQL strips accents, so only Python can tell whether "CAFÉ"
holds "cafe"); Python keeps those whose tokens really hold a query word and
scores them with FTS5's BM25 formula over the same tokens, newest rows first
and at most :data:`SCAN_LIMIT` of them.  The newest :data:`SAMPLE` rows give
the average length and, as with FTS5, which words are too common to use.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from .changes import CURSOR_SQL
from .backend import Engine, Tx

_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # unicode61: letters and digits; "_" separates
#: Tokens used from one query (a pasted page must not become a huge query).
MAX_TOKENS = 32
#: Longest token kept (FTS5 ignores nothing, but a 10 kB "word" helps nobody).
MAX_TOKEN_CHARS = 64
#: Matching rows the fallback scorer keeps at most per query (the newest).
SCAN_LIMIT = 5000
BM25_K1, BM25_B = 1.2, 0.75
#: A word in more than this share of memories is dropped from the query.
COMMON_SHARE = 0.2
#: Below this many memories every word is kept (scoring is cheap anyway).
PRUNE_FROM = 2000


_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates (not UTF-8)

#: A character that :func:`_fold` turns into (or merges into) an ASCII letter
#: or digit: computed over all of Unicode, every such character (and every
#: Latin combining mark) is in these ranges, with some neighbours.
_FOLDS_TO_WORD = re.compile("[\u00aa-\u036f\u1ab0-\u1eff\u2070-\u2189\u2460-\u24ea\u2c7c-\u2c7d\u3250-\u33ff"
                            "\ua7f2-\ua7f4\ufb00-\ufb06\ufe20-\ufe2f\uff10-\uff5a\U000107a5\U0001d400-\U0001d7ff"
                            "\U0001f100-\U0001f190\U0001fbf0-\U0001fbf9]")
#: Newest rows read for the average length and the common-word estimate.
SAMPLE = 2000
#: Rows read per step of the scan (newest first).
SCAN_CHUNK = 2000
_CONTENT = "CAST(m.content AS TEXT)"
#: Every code point with a combining class (the accents NFKD splits off), to delete.
_MARKS = dict.fromkeys((cp for cp in range(0x300, 0x1E950) if unicodedata.combining(chr(cp))), None)


def _fold(text: str) -> str:
    """Case-fold and strip diacritics, as ``unicode61 remove_diacritics 2`` does."""
    if text.isascii():
        return text.replace("\x00", " ").lower()  # ASCII: casefold() is lower(); nothing to strip
    return unicodedata.normalize("NFKD", _UNSENDABLE.sub(" ", text)).translate(_MARKS).casefold()


def tokens(text: str | None) -> list[str]:
    """Word tokens of user text, folded, de-duplicated, bounded."""
    if not text:
        return []
    found = [t[:MAX_TOKEN_CHARS] for t in _WORD.findall(_fold(str(text)))]
    return list(dict.fromkeys(found))[:MAX_TOKENS]


def typed_words(text: str | None) -> list[str]:
    """Words of user text as typed (for FTS5, which folds them itself), one per folded form, bounded."""
    if not text:
        return []
    found: dict[str, str] = {}
    for word in _WORD.findall(_UNSENDABLE.sub(" ", str(text))):
        found.setdefault(_fold(word), word[:MAX_TOKEN_CHARS])
    return list(found.values())[:MAX_TOKENS]


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
        #: The scan's sample (lower-cased newest texts, average length), kept
        #: while the change cursor stays put; used under the engine lock only.
        self._sample: tuple[int, list[str], float] | None = None

    def search(self, text: str | None, limit: int, *, types: Sequence[str] | None = None,
               min_importance: float | None = None) -> list[tuple[int, float]]:
        words = tokens(text)
        if not words:
            return []
        where, params = filter_sql(types, min_importance)
        if self.has_fts:
            # Checked on the typed words, not the folded ones: a symbol such as
            # "㋀" folds (NFKD) to the word "1月" yet is no word itself, and an
            # empty MATCH is an FTS5 syntax error.
            typed = typed_words(text)
            if not typed:
                return []
            return self._engine.read(lambda tx: self._fts(tx, typed, limit, where, params))
        return self._engine.read(lambda tx: self._scan(tx, words, limit, where, params))

    def _useful(self, tx: Tx, words: list[str]) -> list[str]:
        """The words worth scoring: drop those most memories contain."""
        total = int(tx.value("SELECT max(rowid) FROM memories") or 0)  # ~count, O(log n)
        if not self._has_vocab or total < PRUNE_FROM:
            return words
        folded = {w: _fold(w) for w in words}  # ~ the vocabulary's terms (a miss keeps the word)
        counts = dict(tx.rows("SELECT term, doc FROM memories_fts_vocab WHERE term IN"
                              " (SELECT value FROM json_each(?))", (json.dumps(list(folded.values())),)))
        return uncommon(words, {w: counts.get(f, 0) for w, f in folded.items()}, total)

    def _fts(self, tx: Tx, words: list[str], limit: int, where: str, params: list) -> list[tuple[int, float]]:
        join = " JOIN memories m ON m.rowid = memories_fts.rowid" if where else ""
        rows = tx.rows(
            f"SELECT memories_fts.rowid, bm25(memories_fts) AS rank FROM memories_fts{join}"
            f" WHERE memories_fts MATCH ?{where} ORDER BY rank LIMIT ?",
            (fts_query(self._useful(tx, words)), *params, int(limit)),
        )
        # FTS5's bm25() is negative (smaller is better); hand out the relevance.
        return [(int(rowid), -float(rank)) for rowid, rank in rows]

    def _sampled(self, tx: Tx) -> tuple[list[str], float]:
        cursor = int(tx.value(CURSOR_SQL) or 0)
        if self._sample is None or self._sample[0] != cursor:
            texts = [text.lower() for (text,) in tx.rows(
                "SELECT CAST(content AS TEXT) FROM memories ORDER BY rowid DESC LIMIT ?", (SAMPLE,)) if text]
            average = len(_WORD.findall("\n".join(texts))) / max(len(texts), 1) or 1.0
            self._sample = (cursor, texts, average)
        return self._sample[1], self._sample[2]

    def _scan(self, tx: Tx, words: list[str], limit: int, where: str, params: list) -> list[tuple[int, float]]:
        """BM25 (FTS5's formula) over the newest rows holding a query word (no FTS5)."""
        total = int(tx.value("SELECT count(*) FROM memories") or 0)
        if not total:
            return []
        sample, average = self._sampled(tx)
        share = {w: sum(1 for text in sample if _spotted([w]).search(text)) / max(len(sample), 1) for w in words}
        if total >= PRUNE_FROM:
            words = uncommon(words, {w: share[w] * total for w in words}, total)
        ascii_words = [w for w in words if w.isascii()]
        spot = _spotted(ascii_words)
        match = " OR ".join([f"instr(lower({_CONTENT}), ?) > 0"] * len(ascii_words)
                            + [f"length(CAST(m.content AS BLOB)) <> length({_CONTENT})"])
        docs: list[tuple[int, Counter]] = []
        before, complete = 1 << 53, False  # the engine binds exact integers only (|n| <= 2**53)
        while len(docs) < SCAN_LIMIT and not complete:
            rows = tx.rows(f"SELECT m.rowid, {_CONTENT} FROM memories m WHERE m.rowid < ? AND ({match}){where}"
                           " ORDER BY m.rowid DESC LIMIT ?", (before, *ascii_words, *params, SCAN_CHUNK))
            for rowid, text in rows:
                if text and (len(ascii_words) < len(words) or spot.search(text.lower())
                             or (not text.isascii() and _FOLDS_TO_WORD.search(text))):
                    counts = Counter(tokens_all(text))
                    if any(w in counts for w in words):
                        docs.append((int(rowid), counts))
            complete = len(rows) < SCAN_CHUNK
            before = rows[-1][0] if rows else before
        if not docs:
            return []
        # Document frequencies over the whole table, as FTS5 has them: counted
        # when every row was read, else estimated from the sample.
        exact = complete and not where
        idf = {w: bm25_idf(total, max(sum(1 for _, c in docs if w in c), 0 if exact else round(share[w] * total)))
               for w in words}
        scored = []
        for rowid, counts in docs:
            length = sum(counts.values())
            score = 0.0
            for w in words:
                tf = counts.get(w, 0)
                if tf:
                    score += idf[w] * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * length / average))
            scored.append((rowid, score))
        scored.sort(key=lambda item: (-item[1], item[0]))  # ties: oldest first, as FTS5 returns them
        return scored[:limit]


def _spotted(words: list[str]) -> re.Pattern:
    """Lower-cased ASCII text holding one of ``words`` as a whole token."""
    if not words:
        return re.compile("(?!)")  # matches nothing
    return re.compile("(?<![a-z0-9])(?:" + "|".join(map(re.escape, words)) + ")(?![a-z0-9])")


def bm25_idf(rows: int, hits: int) -> float:
    """FTS5's IDF: ``log((N - n + 0.5) / (n + 0.5))``, at least 1e-6 (common words weigh ~nothing)."""
    return max(math.log((rows - hits + 0.5) / (hits + 0.5)), 1e-6)


def uncommon(words: list[str], counts: dict, total: int) -> list[str]:
    """``words`` without those in more than :data:`COMMON_SHARE` of ``total`` memories (the rarest stays)."""
    kept = [w for w in words if counts.get(w, 0) <= COMMON_SHARE * total]
    return kept or [min(words, key=lambda w: counts.get(w, 0))]


def tokens_all(text: str | None) -> list[str]:
    """Every word of stored text (not de-duplicated, not bounded): for term counts."""
    if not text:
        return []
    return _WORD.findall(_fold(text))
