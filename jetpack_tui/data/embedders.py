"""Embedders: text -> 1536 floats, and the name that says who made them.

Every stored vector records its embedder's ``name`` (``memories.embedder``)
because vectors made by different models live in unrelated spaces: cosine
between a hash vector and an OpenAI vector is noise, so search only ever
compares vectors that share a name.

* :class:`HashEmbedder` (``hash-v1:1536``) needs no network and no model:
  deterministic feature hashing of word unigrams, word bigrams and character
  trigrams (common English stopwords left out), L2-normalised.  Texts that share words (or word pieces, so typos
  and inflections still overlap) get similar vectors.  It is the offline
  default, cheap enough (~0.1 ms for a sentence) to run on every store.
* :class:`OpenAIEmbedder` calls any OpenAI-compatible ``/embeddings``
  endpoint with stdlib ``urllib``; its key is sent only in the
  ``Authorization`` header and never appears in a repr or an error.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from typing import Protocol, runtime_checkable

from .errors import InvalidInputError, JetpackError

#: The width of the seed's ``F32_BLOB(1536)`` column.
DIMENSIONS = 1536

ENV_URL = "JETPACK_EMBEDDINGS_URL"
ENV_KEY = "JETPACK_EMBEDDINGS_KEY"
ENV_MODEL = "JETPACK_EMBEDDINGS_MODEL"


class EmbedderError(JetpackError):
    """The embedder could not turn text into vectors (network, bad answer)."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into vectors of ``dimensions`` floats."""

    #: Stable identity stored with each vector, e.g. ``"hash-v1:1536"``.
    name: str
    dimensions: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


# -- offline default ------------------------------------------------------------
_WORD = re.compile(r"\w+", re.UNICODE)
#: Relative weight of each feature family: whole words carry the meaning,
#: bigrams add phrase order, trigrams make ``migration``/``migrations`` close.
_UNIGRAM, _BIGRAM, _TRIGRAM = 1.0, 0.6, 0.5
#: Words nearly every English text has: they would make unrelated texts look
#: alike, so they are left out (unless a text has nothing else).
_STOPWORDS = frozenset(
    "a an and are as at be been but by for from had has have i if in into is it its of on or so such "
    "that the their then there these they this to was were will with".split())


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _features(text: str) -> Counter[str]:
    cleaned = _clean(text)
    words = _WORD.findall(cleaned)
    words = [w for w in words if w not in _STOPWORDS] or words
    counts: Counter[str] = Counter()
    if not words:
        # Emoji, punctuation only, empty: the visible characters themselves,
        # so such texts still get a (non-zero, comparable) vector.
        symbols = [ch for ch in cleaned if not ch.isspace()] or ["\u2205"]
        counts.update("s:" + ch for ch in symbols)
        return counts
    counts.update("w:" + word for word in words)
    counts.update(f"b:{a} {b}" for a, b in zip(words, words[1:]))
    for word in words:
        padded = f"<{word}>"
        counts.update("t:" + padded[i:i + 3] for i in range(len(padded) - 2))
    return counts


_WEIGHTS = {"w": _UNIGRAM, "b": _BIGRAM, "t": _TRIGRAM, "s": _UNIGRAM}


def _slot(feature: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dimensions, (1.0 if value >> 63 else -1.0)


class HashEmbedder:
    """Deterministic feature-hashing embedder (no network, no model files)."""

    dimensions: int

    def __init__(self, dimensions: int = DIMENSIONS) -> None:
        if not isinstance(dimensions, int) or dimensions < 8:
            raise InvalidInputError("dimensions must be an integer >= 8")
        self.dimensions = dimensions
        self.name = f"hash-v1:{dimensions}"
        self._slots: dict[str, tuple[int, float]] = {}

    def _slot(self, feature: str) -> tuple[int, float]:
        found = self._slots.get(feature)
        if found is None:
            found = _slot(feature, self.dimensions)
            if len(self._slots) < 200_000:  # bounded cache of hashed features
                self._slots[feature] = found
        return found

    def embed_one(self, text: str) -> list[float]:
        if not isinstance(text, str):
            raise InvalidInputError(f"can only embed text, not {type(text).__name__}")
        vector = [0.0] * self.dimensions
        for feature, count in _features(text).items():
            index, sign = self._slot(feature)
            vector[index] += sign * _WEIGHTS[feature[0]] * (1.0 + math.log(count))
        norm = math.sqrt(sum(x * x for x in vector))
        if norm == 0.0:  # features cancelled out exactly: still a usable direction
            index, sign = self._slot("empty")
            vector[index] = sign
            return vector
        return [x / norm for x in vector]

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_one(text) for text in texts]

    def __repr__(self) -> str:
        return f"<HashEmbedder {self.name}>"


# -- OpenAI-compatible endpoint ---------------------------------------------------
class OpenAIEmbedder:
    """Client of an OpenAI-compatible ``POST {url}/embeddings`` endpoint.

    ``url`` is the API base (``https://api.openai.com/v1``) or the full
    ``…/embeddings`` address.  Arguments win over the environment variables
    ``JETPACK_EMBEDDINGS_URL``, ``JETPACK_EMBEDDINGS_KEY`` and
    ``JETPACK_EMBEDDINGS_MODEL``.
    """

    def __init__(self, url: str | None = None, *, key: str | None = None, model: str | None = None,
                 dimensions: int = DIMENSIONS, send_dimensions: bool = False, timeout: float = 30.0,
                 batch_size: int = 256) -> None:
        url = url or os.environ.get(ENV_URL) or ""
        model = model or os.environ.get(ENV_MODEL) or "text-embedding-3-small"
        if not url:
            raise InvalidInputError(f"no embeddings URL (pass url= or set {ENV_URL})")
        if not url.startswith(("http://", "https://")):
            raise InvalidInputError("the embeddings URL must start with http:// or https://")
        self._endpoint = url.rstrip("/") if url.rstrip("/").endswith("/embeddings") else url.rstrip("/") + "/embeddings"
        secret = key if key is not None else os.environ.get(ENV_KEY)
        self._key = lambda: secret  # a closure: not in vars(), reprs or tracebacks' locals
        self.model = model
        self.dimensions = dimensions
        #: Ask the server for ``dimensions`` (text-embedding-3 models can shorten
        #: their vectors); off by default because some compatible servers refuse it.
        self.send_dimensions = send_dimensions
        self.name = f"openai:{model}"
        self.timeout = timeout
        self.batch_size = max(1, int(batch_size))

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def __repr__(self) -> str:
        return f"<OpenAIEmbedder {self.name} at {self._endpoint} key={'set' if self._key() else 'none'}>"

    def _redact(self, text: str) -> str:
        key = self._key()
        return text.replace(key, "[redacted]") if key else text

    def embed(self, texts: list[str]) -> list[list[float]]:
        for text in texts:
            if not isinstance(text, str):
                raise InvalidInputError(f"can only embed text, not {type(text).__name__}")
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors += self._request(list(texts[start:start + self.batch_size]))
        return vectors

    def _request(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        body: dict = {"model": self.model, "input": texts}
        if self.send_dimensions:
            body["dimensions"] = self.dimensions
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key():
            headers["Authorization"] = f"Bearer {self._key()}"
        request = urllib.request.Request(self._endpoint, data=json.dumps(body).encode("utf-8"),
                                         headers=headers, method="POST")
        where = f"embeddings endpoint {self._endpoint}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace") if error.fp else ""
            raise EmbedderError(self._redact(f"{where} answered HTTP {error.code}: {detail}".strip())) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise EmbedderError(self._redact(f"{where} unreachable: {reason}")) from None
        return self._parse(raw, len(texts), where)

    def _parse(self, raw: bytes, expected: int, where: str) -> list[list[float]]:
        try:
            payload = json.loads(raw)
            items = sorted(payload["data"], key=lambda item: item.get("index", 0))
            vectors = [[float(x) for x in item["embedding"]] for item in items]
        except (ValueError, TypeError, KeyError, AttributeError):
            raise EmbedderError(f"{where} sent an unreadable answer") from None
        if len(vectors) != expected:
            raise EmbedderError(f"{where} returned {len(vectors)} vectors for {expected} texts")
        for vector in vectors:
            if len(vector) != self.dimensions:
                raise EmbedderError(f"{where} returned {len(vector)} dimensions, expected {self.dimensions}")
            if not all(math.isfinite(x) for x in vector):
                raise EmbedderError(f"{where} returned a vector with NaN or infinite values")
        return vectors


def embedder_from_env() -> Embedder:
    """The OpenAI-compatible client when ``JETPACK_EMBEDDINGS_URL`` is set, else hashing."""
    if os.environ.get(ENV_URL):
        return OpenAIEmbedder()
    return HashEmbedder()
