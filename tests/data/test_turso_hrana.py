"""HranaClient against a real ``tursodb --sync-server`` primary.

The server is started per test in a temp dir (see ``sync_server``); a missing
binary is a test FAILURE, not a skip.
"""

from __future__ import annotations

import http.server
import logging
import socket
import threading
import traceback
from pathlib import Path

import pytest

from jetpack_tui.data.turso import server as turso_server
from jetpack_tui.data.turso.hrana import HranaClient, HranaError, PrimaryUnreachable
from jetpack_tui.data.turso.server import find_tursodb, run_sync_server

TOKEN = "tok-S3CR3T-0123456789abcdef"


def _require_tursodb() -> str:
    exe = find_tursodb()
    if exe is None:
        pytest.fail(turso_server.not_found_message(), pytrace=False)
    return exe


@pytest.fixture
def sync_server(tmp_path: Path):
    """A fresh primary on 127.0.0.1:<free port>; yields its http:// URL."""
    exe = _require_tursodb()
    with run_sync_server(tmp_path / "primary.db", binary=exe) as url:
        yield url


@pytest.fixture
def client(sync_server: str) -> HranaClient:
    return HranaClient(sync_server, timeout=5.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ values


def test_every_value_type_round_trips(client: HranaClient) -> None:
    client.execute("CREATE TABLE v(id INTEGER PRIMARY KEY, x)")
    values = [
        None,
        0,
        1,
        -1,
        2**63 - 1,
        -(2**63),
        1.5,
        -0.25,
        1e300,
        "",
        "plain",
        "héllo ☃ \U0001f680 'quoted' \"dq\"",
        "nul\x00inside",
        b"",
        b"\x01",
        b"\x01\x02",
        b"\x01\x02\x03",
        bytes(range(256)),
    ]
    for val in values:
        # parameter -> result directly
        assert client.execute("SELECT ?", (val,)) == [(val,)]
        # stored and read back, with the storage class SQLite assigned
        ((rid, back),) = client.execute(
            "INSERT INTO v(x) VALUES (?) RETURNING id, x", [val]
        )
        assert back == val and type(back) is type(val)
        assert client.execute("SELECT x FROM v WHERE id = ?", (rid,)) == [(val,)]

    assert client.execute("SELECT ?, ?", (True, False)) == [(1, 0)]
    assert client.execute("SELECT ?", (bytearray(b"ab"),)) == [(b"ab",)]
    assert client.execute("SELECT typeof(?), typeof(?)", (1, 1.0)) == [("integer", "real")]
    # several rows, several columns
    assert client.execute("SELECT 1, 'a' UNION ALL SELECT 2, NULL") == [(1, "a"), (2, None)]


def test_unsupported_params_are_rejected_locally(client: HranaClient) -> None:
    with pytest.raises(TypeError):
        client.execute("SELECT :a", {"a": 1})  # server would ignore named args
    with pytest.raises(TypeError):
        client.execute("SELECT ?", (object(),))
    with pytest.raises(ValueError):
        client.execute("SELECT ?", (2**63,))
    with pytest.raises(ValueError):
        client.execute("SELECT ?", (float("inf"),))
    with pytest.raises(ValueError):
        client.execute("BEGIN IMMEDIATE")  # would leak on the shared connection


def test_statement_error_maps_to_hrana_error(client: HranaClient) -> None:
    with pytest.raises(HranaError) as ei:
        client.execute("SELECT * FROM no_such_table")
    assert not isinstance(ei.value, PrimaryUnreachable)
    assert "no_such_table" in str(ei.value)
    assert ei.value.code


# --------------------------------------------------------------- RETURNING


def test_returning(client: HranaClient) -> None:
    client.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT, n INTEGER DEFAULT 0)"
    )
    assert client.execute("INSERT INTO t(owner) VALUES (?) RETURNING id, owner", ("a",)) == [
        (1, "a")
    ]
    assert client.execute("INSERT INTO t(owner) VALUES (NULL), (NULL) RETURNING id") == [
        (2,),
        (3,),
    ]
    assert client.execute(
        "UPDATE t SET n = n + 1 WHERE owner IS NULL RETURNING id, n"
    ) == [(2, 1), (3, 1)]
    assert client.execute("DELETE FROM t WHERE id = ? RETURNING owner", (1,)) == [("a",)]
    # no match -> no rows (affected_row_count is always 0 on this server)
    assert client.execute("UPDATE t SET n = 9 WHERE id = 99 RETURNING id") == []


# ------------------------------------------------------------------- batch


def test_batch_commits_and_returns_each_statements_rows(client: HranaClient) -> None:
    client.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, s TEXT UNIQUE NOT NULL)")
    out = client.batch(
        [
            ("INSERT INTO b(s) VALUES (?) RETURNING id", ("x",)),
            ("INSERT INTO b(s) VALUES (?)", ("y",)),
            "SELECT s FROM b ORDER BY id",
        ]
    )
    assert out == [[(1,)], [], [("x",), ("y",)]]
    assert client.batch([]) == []


@pytest.mark.parametrize(
    "bad",
    [
        ("INSERT INTO nope VALUES (1)", ()),  # prepare error
        ("INSERT INTO b(s) VALUES (?)", ("one",)),  # UNIQUE violation at run time
        ("INSERT INTO b(s) VALUES (NULL)", ()),  # NOT NULL violation
    ],
)
def test_batch_is_rolled_back_on_error(client: HranaClient, bad) -> None:
    client.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, s TEXT UNIQUE NOT NULL)")
    client.execute("INSERT INTO b(s) VALUES ('keep')")
    with pytest.raises(HranaError) as ei:
        client.batch(
            [
                ("INSERT INTO b(s) VALUES (?)", ("one",)),
                ("UPDATE b SET s = 'changed' WHERE s = 'keep'", ()),
                bad,
                ("INSERT INTO b(s) VALUES (?)", ("never",)),
            ]
        )
    assert ei.value.step == 2
    assert "statement 2" in str(ei.value)
    assert client.execute("SELECT s FROM b ORDER BY id") == [("keep",)]
    # the shared server connection is not left inside a transaction
    assert client.batch([("INSERT INTO b(s) VALUES ('after') RETURNING s", ())]) == [
        [("after",)]
    ]
    assert client.execute("SELECT s FROM b ORDER BY id") == [("keep",), ("after",)]


def test_batch_refuses_transaction_control(client: HranaClient) -> None:
    with pytest.raises(ValueError):
        client.batch([("BEGIN", ()), ("SELECT 1", ())])
    with pytest.raises(ValueError):
        client.batch(["COMMIT"])


# ----------------------------------------------------------------- replica


def test_replica_pulls_hrana_writes_and_pushes_back(
    client: HranaClient, sync_server: str, tmp_path: Path
) -> None:
    import turso.sync

    client.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, data BLOB)")
    replica = turso.sync.connect(str(tmp_path / "replica.db"), sync_server)
    try:
        assert replica.execute("SELECT count(*) FROM notes").fetchall() == [(0,)]

        (rid,) = client.execute(
            "INSERT INTO notes(body, data) VALUES (?, ?) RETURNING id", ("from primary", b"\x00\xff")
        )[0]
        assert replica.pull() is True
        assert replica.execute("SELECT id, body, data FROM notes").fetchall() == [
            (rid, "from primary", b"\x00\xff")
        ]
        assert replica.pull() is False  # nothing new

        replica.execute("INSERT INTO notes(id, body) VALUES (?, ?)", (100, "from replica"))
        replica.commit()
        replica.push()
        assert client.execute("SELECT id, body FROM notes ORDER BY id") == [
            (rid, "from primary"),
            (100, "from replica"),
        ]
    finally:
        replica.close()


# --------------------------------------------------------- compare-and-swap


def test_concurrent_compare_and_swap_has_exactly_one_winner(client: HranaClient) -> None:
    client.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, owner TEXT)")
    rounds, workers = 3, 8
    client.batch([("INSERT INTO t(id, owner) VALUES (?, NULL)", (i,)) for i in range(rounds)])

    for task_id in range(rounds):
        barrier = threading.Barrier(workers)
        results: dict[str, list[tuple]] = {}
        errors: list[BaseException] = []

        def claim(agent: str) -> None:
            c = HranaClient(client.url, timeout=10.0)
            try:
                barrier.wait(timeout=5)
                results[agent] = c.execute(
                    "UPDATE t SET owner = ? WHERE id = ? AND owner IS NULL RETURNING id",
                    (agent, task_id),
                )
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=claim, args=(f"agent-{i}",)) for i in range(workers)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=15)
        assert not errors, errors
        winners = [a for a, rows in results.items() if rows == [(task_id,)]]
        losers = [a for a, rows in results.items() if rows == []]
        assert len(winners) == 1, results
        assert len(losers) == workers - 1, results
        assert client.execute("SELECT owner FROM t WHERE id = ?", (task_id,)) == [(winners[0],)]


# ------------------------------------------------------------- unreachable


def test_primary_unreachable_when_server_stopped(tmp_path: Path) -> None:
    exe = _require_tursodb()
    with run_sync_server(tmp_path / "p.db", binary=exe) as url:
        c = HranaClient(url, auth_token=TOKEN, timeout=2.0)
        assert c.execute("SELECT 1") == [(1,)]
    # the context manager stopped the process by PID
    with pytest.raises(PrimaryUnreachable) as ei:
        c.execute("SELECT 1")
    assert isinstance(ei.value, HranaError)
    assert TOKEN not in str(ei.value) and TOKEN not in repr(ei.value)
    with pytest.raises(PrimaryUnreachable):
        c.batch([("SELECT 1", ())])


def test_primary_unreachable_on_timeout() -> None:
    # a socket that accepts TCP but never answers
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        c = HranaClient(f"http://127.0.0.1:{port}", auth_token=TOKEN, timeout=0.3)
        with pytest.raises(PrimaryUnreachable) as ei:
            c.execute("SELECT 1")
    assert ei.value.code == "TIMEOUT"
    assert TOKEN not in str(ei.value)


def test_primary_unreachable_on_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # simulated: no real DNS traffic from the test suite
    import http.client

    def boom(self, *a, **k):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(http.client.HTTPConnection, "request", boom)
    c = HranaClient("libsql://db.example.invalid", auth_token=TOKEN)
    with pytest.raises(PrimaryUnreachable) as ei:
        c.execute("SELECT 1")
    assert "db.example.invalid" in str(ei.value) and TOKEN not in str(ei.value)


# ------------------------------------------------------------------- token


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc.args)


def test_token_never_appears_in_repr_or_errors(
    sync_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    c = HranaClient(sync_server, auth_token=TOKEN)
    assert TOKEN not in repr(c) and TOKEN not in str(c) and TOKEN not in c.url
    assert "127.0.0.1" in repr(c)
    assert c.execute("SELECT 1") == [(1,)]  # the server accepts the bearer header

    # server-side statement error whose message would echo the token
    with pytest.raises(HranaError) as ei:
        c.execute(f'SELECT * FROM "{TOKEN}"')
    assert TOKEN not in _all_text(ei.value)
    with pytest.raises(HranaError) as ei:
        c.batch([(f'INSERT INTO "{TOKEN}" VALUES (1)', ())])
    assert TOKEN not in _all_text(ei.value)

    # HTTP-level error (unknown endpoint -> 404)
    bad = HranaClient(sync_server + "/nope", auth_token=TOKEN)
    with pytest.raises(HranaError) as ei:
        bad.execute("SELECT 1")
    assert ei.value.status == 404 and TOKEN not in _all_text(ei.value)

    # token given in the URL query is used but hidden as well
    q = HranaClient(sync_server + f"?authToken={TOKEN}")
    assert TOKEN not in repr(q) and TOKEN not in q.url
    assert q.execute("SELECT 2") == [(2,)]

    assert TOKEN not in caplog.text


def test_token_is_sent_as_bearer_header_and_401_is_reported() -> None:
    seen: list[str | None] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen.append(self.headers.get("Authorization"))
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b"unauthorized")

        def log_message(self, *a):  # silence
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        c = HranaClient(f"ws://127.0.0.1:{srv.server_port}", auth_token=TOKEN, timeout=3)
        with pytest.raises(HranaError) as ei:
            c.execute("SELECT 1")
    finally:
        srv.shutdown()
        srv.server_close()
    assert seen == [f"Bearer {TOKEN}"]
    assert ei.value.status == 401 and ei.value.code == "HTTP_401"
    assert not isinstance(ei.value, PrimaryUnreachable)
    assert TOKEN not in _all_text(ei.value)


# -------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    "url, scheme, host, port",
    [
        ("http://127.0.0.1:8080", "http", "127.0.0.1", 8080),
        ("http://127.0.0.1:8080/", "http", "127.0.0.1", 8080),
        ("https://db.example.com", "https", "db.example.com", 443),
        ("libsql://db-org.turso.io", "https", "db-org.turso.io", 443),
        ("ws://localhost:9000", "http", "localhost", 9000),
        ("wss://db.example.com", "https", "db.example.com", 443),
        ("http://[::1]:8081", "http", "::1", 8081),
    ],
)
def test_url_forms(url: str, scheme: str, host: str, port: int) -> None:
    c = HranaClient(url, auth_token=TOKEN)
    assert (c.host, c.port) == (host, port)
    assert c.url.startswith(f"{scheme}://") and c.url.endswith(":%d" % port)
    assert TOKEN not in repr(c)


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:8080", "http://", f"foo://{TOKEN}@h"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValueError) as ei:
        HranaClient(url, auth_token=TOKEN)
    assert TOKEN not in str(ei.value)
