"""Embedders: the offline hash embedder and the OpenAI-compatible client.

The client is tested against a real HTTP server on 127.0.0.1 (stdlib
``http.server`` in a thread) that answers like the embeddings API, records
what it was sent, and can misbehave on request.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jetpack_tui.data import InvalidInputError, create_local_data_layer
from jetpack_tui.data.embedders import (
    DIMENSIONS, Embedder, EmbedderError, HashEmbedder, OpenAIEmbedder, embedder_from_env,
)

KEY = "sk-test-S3CR3T-key-never-shown"


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_hash_embedder_vectors_are_unit_length_deterministic_and_named():
    hashing = HashEmbedder()
    assert isinstance(hashing, Embedder) and hashing.name == "hash-v1:1536" and hashing.dimensions == DIMENSIONS
    texts = ["Fix the flaky login test", "", "🚀🚀", "\x00", "a\ud800b", "x" * 10_000]
    vectors = hashing.embed(texts)
    assert [len(v) for v in vectors] == [DIMENSIONS] * len(texts)
    for vector in vectors:
        assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0, rel_tol=1e-9)
    assert HashEmbedder().embed(texts[:1]) == vectors[:1]
    code = ("import json; from jetpack_tui.data.embedders import HashEmbedder; "
            "print(json.dumps(HashEmbedder().embed(['Fix the flaky login test'])[0]))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(other.stdout) == vectors[0]  # same vector in another process (no hash seed)
    with pytest.raises(InvalidInputError):
        hashing.embed([b"bytes"])  # type: ignore[list-item]


def test_hash_embedder_puts_similar_texts_close():
    [base, reworded, inflected, other] = HashEmbedder().embed([
        "the database migration failed on the tasks table",
        "database migration on tasks table failed",
        "migrations of databases failing",
        "the dashboard colours use theme variables",
    ])
    assert cosine(base, reworded) > 0.6
    assert cosine(base, inflected) > cosine(base, other) + 0.1  # character trigrams share word pieces
    assert abs(cosine(base, other)) < cosine(base, inflected)


class FakeEmbeddingsAPI:
    """A real HTTP server speaking the embeddings API; ``mode`` makes it misbehave."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.mode = "ok"
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                status, answer = api.answer(body, self.headers.get("Authorization"))
                raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, body: dict, auth: str | None) -> tuple[int, object]:
        if self.mode == "unauthorized":  # echoes the key, as careless servers do
            return 401, {"error": {"message": f"Incorrect API key provided: {auth}"}}
        if self.mode == "garbage":
            return 200, b"<html>not json"
        if self.mode == "short":
            return 200, {"data": [{"index": 0, "embedding": [0.1, 0.2]}]}
        vectors = HashEmbedder().embed(body["input"])
        items = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        return 200, {"object": "list", "data": list(reversed(items)), "model": body["model"]}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def api():
    server = FakeEmbeddingsAPI()
    yield server
    server.close()


def test_openai_client_sends_model_input_and_key_and_orders_by_index(api):
    client = OpenAIEmbedder(api.url, key=KEY, model="text-embedding-3-small", batch_size=2)
    vectors = client.embed(["one", "two", "three"])
    assert vectors == HashEmbedder().embed(["one", "two", "three"])  # re-ordered by "index"
    assert client.name == "openai:text-embedding-3-small" and client.dimensions == DIMENSIONS
    assert [r["body"]["input"] for r in api.requests] == [["one", "two"], ["three"]]
    assert {r["path"] for r in api.requests} == {"/v1/embeddings"}
    assert {r["auth"] for r in api.requests} == {f"Bearer {KEY}"}
    assert all(r["body"]["model"] == "text-embedding-3-small" and "dimensions" not in r["body"]
               for r in api.requests)
    assert client.embed([]) == [] and len(api.requests) == 2
    OpenAIEmbedder(api.url + "/embeddings", key=KEY, send_dimensions=True).embed(["x"])
    assert api.requests[-1]["path"] == "/v1/embeddings" and api.requests[-1]["body"]["dimensions"] == DIMENSIONS


def test_openai_client_reads_env_and_never_shows_the_key(api, monkeypatch):
    monkeypatch.setenv("JETPACK_EMBEDDINGS_URL", api.url)
    monkeypatch.setenv("JETPACK_EMBEDDINGS_KEY", KEY)
    monkeypatch.setenv("JETPACK_EMBEDDINGS_MODEL", "my-model")
    client = embedder_from_env()
    assert isinstance(client, OpenAIEmbedder) and client.name == "openai:my-model"
    assert KEY not in repr(client) and KEY not in str(vars(client))
    api.mode = "unauthorized"
    with pytest.raises(EmbedderError) as info:
        client.embed(["hello"])
    assert "401" in str(info.value) and KEY not in str(info.value) and "[redacted]" in str(info.value)
    for mode, words in (("garbage", "unreadable"), ("short", "2 dimensions")):
        api.mode = mode
        with pytest.raises(EmbedderError, match=words) as info:
            client.embed(["hello"])
        assert KEY not in str(info.value)
    monkeypatch.delenv("JETPACK_EMBEDDINGS_URL")
    assert isinstance(embedder_from_env(), HashEmbedder)
    with pytest.raises(InvalidInputError, match="JETPACK_EMBEDDINGS_URL"):
        OpenAIEmbedder()
    with pytest.raises(InvalidInputError):
        OpenAIEmbedder("ftp://example.invalid")


def test_openai_client_unreachable_is_an_embedder_error(api):
    url = api.url
    api.close()  # nothing listens on that port any more
    client = OpenAIEmbedder(url, key=KEY, timeout=5)
    with pytest.raises(EmbedderError, match="unreachable") as info:
        client.embed(["hello"])
    assert KEY not in str(info.value)


def test_memories_with_the_openai_client_record_its_name(api, db_path):
    client = OpenAIEmbedder(api.url, key=KEY, model="m1")
    with create_local_data_layer(db_path, embedder=client) as dl:
        stored = dl.memories.store("retry the flaky upload with backoff", type="learning")
        assert stored.embedder == "openai:m1" and stored.embedding_status == "ok"
        [hit] = dl.memories.search("flaky upload retry", k=5)
        assert hit.memory.id == stored.id and hit.vector_rank == 1 and hit.keyword_rank == 1
        api.mode = "unauthorized"
        with pytest.raises(EmbedderError):
            dl.memories.store("the embedder is down")
        assert dl.memories.count() == 1  # nothing half-stored
        kept = dl.memories.store("stored without a vector", embed=False)
        assert kept.embedder is None and kept.embedding_status == "none"
