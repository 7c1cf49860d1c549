"""A recording HTTP proxy on loopback in front of ``tursodb --sync-server``
that answers as a strict Hrana 3 server (sqld, Turso Cloud) would.

* It records every Hrana pipeline request (body, path, User-Agent, findings)
  for :mod:`transaction_check`, and forwards everything else (pyturso's
  ``/pull-updates`` …) untouched.
* Like sqld it answers ``GET /v3`` (so clients choose the Hrana 3 dialect),
  accepts ``POST /v3/pipeline`` and the ``close`` request, and -- the point
  -- gives every request without a baton a fresh stream: whatever
  transaction a request leaves open is rolled back when it ends, as sqld
  discards the stream's connection.  tursodb itself would keep it open for
  the next request (one shared connection), which is how code that spans
  requests gets away with it there.
* The dynamic check rides in the same upstream request, so it cannot race
  with other clients: the proxy wraps the client's requests between two
  probe batches whose one step runs only if the connection is inside a
  transaction (``not is_autocommit``).  The first finding means the request
  arrived while another one's transaction was open; the second that it left
  one open.
"""

from __future__ import annotations

import http.client
import http.server
import json
import threading
from typing import Any

_PROBE = {"type": "batch", "batch": {"steps": [{
    "stmt": {"sql": "SELECT 1", "args": [], "want_rows": True},
    "condition": {"type": "not", "cond": {"type": "is_autocommit"}}}]}}
_ROLLBACK = {"type": "execute", "stmt": {"sql": "ROLLBACK", "args": [], "want_rows": True}}
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def _probe_ran(result: Any) -> bool:
    try:
        return result["response"]["result"]["step_results"][0] is not None
    except (KeyError, IndexError, TypeError):
        return False


class RecordingProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = (host, upstream_port)
        self.pipelines: list[dict[str, Any]] = []
        #: When set, answers hand out a baton and a ``base_url`` under this
        #: path (as a load-balanced sqld may): the client must close them.
        self.baton_path: str | None = None
        self.batons: list[str] = []
        self.closed_batons: list[tuple[str, str]] = []  # (path, baton)
        self.other: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/").endswith("/v3") or self.path.rstrip("/") == "/v3":
                    self._reply(200, b"Hello, this is Hrana 3 over HTTP (recording proxy)", "text/plain")
                else:
                    self._forward(b"")

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.endswith(("/v2/pipeline", "/v3/pipeline")):
                    status, payload = proxy.pipeline(self.path, body, self.headers.get("Authorization"),
                                                     self.headers.get("User-Agent") or "")
                    self._reply(status, payload, "application/json")
                else:
                    self._forward(body)

            def _forward(self, body: bytes) -> None:
                with proxy._lock:
                    proxy.other.append(f"{self.command} {self.path}")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                status, reply_headers, data = proxy.send(self.command, self.path, body, headers)
                self.send_response(status)
                for key, value in reply_headers:
                    if key.lower() not in _HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reply(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = http.server.ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="hrana-proxy", daemon=True)
        self._thread.start()

    # -- upstream -------------------------------------------------------------
    def send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        except OSError as error:  # the primary is down: as a gateway says it
            return 502, [("Content-Type", "text/plain")], f"upstream unreachable: {error}".encode()
        finally:
            conn.close()

    def pipeline(self, path: str, raw: bytes, auth: str | None, agent: str) -> tuple[int, bytes]:
        try:
            body = json.loads(raw)
            requests = list(body["requests"])
        except (ValueError, KeyError, TypeError):
            return 400, b"bad pipeline body"
        if body.get("baton") is not None and [r.get("type") for r in requests] == ["close"]:
            with self._lock:
                self.closed_batons.append((path, str(body["baton"])))
            return 200, json.dumps({"baton": None, "base_url": None,
                                    "results": [{"type": "ok", "response": {"type": "close"}}]}).encode()
        record: dict[str, Any] = {"path": path, "agent": agent, "body": body, "findings": []}
        with self._lock:
            self.pipelines.append(record)
        closes = [i for i, r in enumerate(requests) if r.get("type") == "close"]
        if closes and closes != [len(requests) - 1]:
            record["findings"].append("close is not the last request of the pipeline")
        forwarded = [r for r in requests if r.get("type") != "close"]
        headers = {"Content-Type": "application/json", **({"Authorization": auth} if auth else {})}
        upstream = json.dumps({"baton": None, "requests": [_PROBE, *forwarded, _PROBE]}).encode()
        status, _headers, data = self.send("POST", path.replace("/v3/", "/v2/"), upstream, headers)
        if status != 200:
            return status, data
        answer = json.loads(data)
        results = answer.get("results") or []
        if len(results) != len(forwarded) + 2:
            return 502, b"unexpected upstream answer"
        if _probe_ran(results[0]):
            record["findings"].append("arrived while a transaction was open (it depends on an earlier request)")
        if _probe_ran(results[-1]):
            record["findings"].append("left a transaction open")
            self.send("POST", "/v2/pipeline", json.dumps({"baton": None, "requests": [_ROLLBACK]}).encode(),
                      headers)  # as sqld would when the stream ends
        replies = iter(results[1:-1])
        out = [{"type": "ok", "response": {"type": "close"}} if r.get("type") == "close" else next(replies)
               for r in requests]
        baton, base_url = None, None
        if self.baton_path is not None:
            baton, base_url = f"baton-{len(self.batons)}", self.url + self.baton_path
            with self._lock:
                self.batons.append(baton)
        return 200, json.dumps({"baton": baton, "base_url": base_url, "results": out}).encode()

    # -- lifetime -------------------------------------------------------------
    def clear(self) -> None:
        with self._lock:
            self.pipelines.clear()
            self.other.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
