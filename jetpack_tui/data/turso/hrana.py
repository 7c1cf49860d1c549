"""Minimal stdlib-only Hrana-over-HTTP client, speaking the protocol as written.

Used to run statements directly ON THE PRIMARY -- every write (Turso sync
resolves conflicting replica pushes as silent last-push-wins) and the
schema.  Each call is ONE HTTP request on a fresh stream (``"baton":
null``); nothing here ever continues a stream, so no state -- least of all
an open transaction -- is carried from one request to the next.

Two dialects, detected once per client by ``GET <url>/v3``:

* **Hrana 3** (sqld, Turso Cloud; the spec's "Hrana over HTTP"): answers
  ``GET /v3`` with 2xx.  Requests go to ``POST /v3/pipeline`` and end with a
  ``{"type": "close"}`` request, so the server frees the stream at once.  A
  response that still carries a baton is closed with one more request
  (sent to its ``base_url`` when it names one).
* **tursodb --sync-server** (0.6.0 .. 0.8.0-pre.4, docs/turso-notes.md):
  ``GET /v3`` is 404 and ``close`` an HTTP 500, so requests go to ``POST
  /v2/pipeline`` without ``close``; its batons are always null.

Both: integers as JSON strings, positional ``args`` only (tursodb ignores
``named_args``), ``RETURNING`` instead of ``affected_row_count`` (tursodb
reports 0).  :meth:`HranaClient.execute` refuses statements that open a
transaction; :meth:`HranaClient.batch` wraps its statements in ``BEGIN
IMMEDIATE`` ... ``COMMIT`` with a conditional ``ROLLBACK``;
:meth:`HranaClient.steps` sends raw steps for :mod:`.plan`, which ends every
transaction in the same request too.

Errors: connection refused/reset, timeouts, DNS failures and HTTP 502/503/
504 (a proxy in front of a primary that is down) are :class:`PrimaryUnreachable`;
everything else is :class:`HranaError`.  The auth token is sent only as
``Authorization: Bearer ...``; it never appears in the client's repr, in
exception messages, or in logs.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import ssl
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .hrana_wire import Value, WireError, atomic_steps, decode_rows, normalize_url, stmt

__all__ = ["HranaClient", "HranaError", "PrimaryUnreachable", "StepOutcome", "Value"]

log = logging.getLogger(__name__)

#: Sent with every request: servers (and the tests' recording proxy) can
#: tell this client's requests from a replica's own (pyturso's push/pull).
USER_AGENT = "jetpack-tui (hrana)"
#: HTTP statuses of a proxy/load balancer whose primary is down or overloaded.
_GATEWAY_DOWN = frozenset({502, 503, 504})
_CLOSE = {"type": "close"}
#: tursodb 0.6.0 rolls a transaction back itself when a statement in it
#: fails; the batch's own ROLLBACK step then reports this (harmless).
_NOTHING_OPEN = "no transaction is active"

_OPENS_TXN = re.compile(r"^\s*(BEGIN|SAVEPOINT)\b", re.IGNORECASE)
_TXN_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)

Step = tuple[str, Sequence[Any], Any]  # (sql, positional params, condition or None)


class HranaError(Exception):
    """A statement, the protocol or the HTTP exchange failed.

    ``code``: Hrana error code (e.g. ``EXECUTE_ERROR``, ``BATCH_STEP_ERROR``)
    or ``HTTP_<status>``; ``step``: index of the failing statement in a
    :meth:`HranaClient.batch` call (``None`` otherwise).
    """

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 step: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.step = step


class PrimaryUnreachable(HranaError):
    """Connection refused / reset, timeout or DNS failure.

    ``sent`` tells whether the request had been sent completely: when it had
    (a timeout or reset while waiting for the answer) the outcome of a write
    is unknown; when not, the primary cannot have run it.
    """

    def __init__(self, message: str, *, code: str | None = None, sent: bool = False) -> None:
        super().__init__(message, code=code)
        self.sent = sent


@dataclass(frozen=True)
class StepOutcome:
    """What one step of a batch did: ``rows`` when it ran and succeeded,
    ``error`` when it ran and failed, neither when its condition was false."""

    rows: list[tuple] | None
    error: str | None

    @property
    def ran(self) -> bool:
        return self.rows is not None or self.error is not None


class HranaClient:
    """Execute SQL on a Hrana-over-HTTP server.

    Thread-safe: every call is one HTTP request on a fresh connection and a
    fresh stream (the tursodb sync server closes the connection after each
    response anyway).
    """

    def __init__(self, url: str, auth_token: str | None = None, timeout: float = 5.0) -> None:
        scheme, host, port, base_path, query_token = normalize_url(url)
        self._scheme = scheme
        self._host = host
        self._port = port if port is not None else (443 if scheme == "https" else 80)
        self._base = base_path
        self._token = auth_token if auth_token is not None else query_token
        self.timeout = timeout
        #: ``"hrana3"`` (close each stream) or ``"tursodb"``; ``None`` until detected.
        self.dialect: str | None = None

    # -- public ------------------------------------------------------------
    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Base URL without credentials."""
        h = f"[{self._host}]" if ":" in self._host else self._host
        return f"{self._scheme}://{h}:{self._port}{self._base}"

    def __repr__(self) -> str:
        auth = "yes" if self._token else "no"
        return f"HranaClient(scheme={self._scheme!r}, host={self._host!r}, port={self._port}, auth={auth})"

    def redact(self, text: str) -> str:
        """``text`` with the auth token (if any) replaced by ``***``."""
        if self._token:
            text = text.replace(self._token, "***")
        return text

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement in autocommit mode; return its rows.

        Only the first statement of a multi-statement string is executed by
        tursodb.  Statements opening a transaction (``BEGIN``, ``SAVEPOINT``)
        are refused: nothing may outlive the request -- use :meth:`batch`.
        """
        if _OPENS_TXN.match(sql):
            raise ValueError("execute() refuses BEGIN/SAVEPOINT (a transaction must end in the request "
                             "that opened it); use batch() for transactions")
        result = self._pipeline({"type": "execute", "stmt": stmt(sql, params)})
        if result.get("type") == "error":
            err = result.get("error") or {}
            raise HranaError(self.redact(str(err.get("message", "statement failed"))), code=err.get("code"))
        resp = result.get("response") or {}
        if resp.get("type") != "execute" or "result" not in resp:
            raise HranaError("malformed execute response", code="PROTOCOL_ERROR")
        return self._rows(resp["result"])

    def batch(self, statements: Sequence[tuple[str, Sequence[Any]] | str]) -> list[list[tuple]]:
        """Run statements atomically in ONE request; return each one's rows.

        Sent as ``BEGIN IMMEDIATE; s1; ...; sN; COMMIT`` where each step runs
        only if the previous succeeded, plus a ``ROLLBACK`` step that runs iff
        ``BEGIN`` succeeded but ``COMMIT`` did not.  On failure the whole batch
        is rolled back and :class:`HranaError` is raised with ``step`` set to
        the index of the failing statement.
        """
        pairs: list[tuple[str, Sequence[Any]]] = []
        for i, item in enumerate(statements):
            sql, params = (item, ()) if isinstance(item, str) else item
            if _TXN_CONTROL.match(sql):
                raise ValueError(f"statement {i}: transaction control is added by batch() itself")
            pairs.append((sql, params))
        if not pairs:
            return []
        n = len(pairs)
        outcomes = self.steps(atomic_steps(pairs))
        commit_idx = n + 1
        rollback_err = outcomes[-1].error
        for idx, outcome in enumerate(outcomes[:-1]):
            if outcome.error is None:
                continue
            msg = outcome.error
            if idx == 0:
                text, user_step = f"batch could not begin a transaction: {msg}", None
            elif idx == commit_idx:
                text, user_step = f"batch COMMIT failed: {msg}", None
            else:
                text, user_step = f"batch statement {idx - 1} failed: {msg}", idx - 1
            if rollback_err is not None and _NOTHING_OPEN not in rollback_err.lower():
                text += "; ROLLBACK also failed: " + rollback_err
            raise HranaError(text, code="BATCH_STEP_ERROR", step=user_step)
        if rollback_err is not None and _NOTHING_OPEN not in rollback_err.lower():
            raise HranaError("batch ROLLBACK failed: " + rollback_err, code="BATCH_STEP_ERROR")
        if outcomes[commit_idx].rows is None:
            raise HranaError("batch was not committed", code="PROTOCOL_ERROR")
        return [outcomes[i + 1].rows or [] for i in range(n)]

    def steps(self, steps: Sequence[Step]) -> list[StepOutcome]:
        """Send raw batch steps ``(sql, params, condition)`` in ONE request.

        No transaction is added: the caller owns the protocol, and must end
        every transaction it opens within these steps (see :mod:`.plan`).
        """
        wire = []
        for sql, params, condition in steps:
            step: dict[str, Any] = {"stmt": stmt(sql, params)}
            if condition is not None:
                step["condition"] = condition
            wire.append(step)
        result = self._pipeline({"type": "batch", "batch": {"steps": wire}})
        if result.get("type") == "error":
            err = result.get("error") or {}
            raise HranaError(self.redact(str(err.get("message", "batch failed"))), code=err.get("code"))
        resp = result.get("response") or {}
        bres = resp.get("result") or {}
        step_results, step_errors = bres.get("step_results"), bres.get("step_errors")
        if (resp.get("type") != "batch" or not isinstance(step_results, list)
                or not isinstance(step_errors, list) or len(step_results) != len(wire)
                or len(step_errors) != len(wire)):
            raise HranaError("malformed batch response", code="PROTOCOL_ERROR")
        outcomes = []
        for res, err in zip(step_results, step_errors):
            if err is not None:
                outcomes.append(StepOutcome(None, self.redact(str(err.get("message", "step failed")))))
            elif res is not None:
                outcomes.append(StepOutcome(self._rows(res), None))
            else:
                outcomes.append(StepOutcome(None, None))
        return outcomes

    # -- internals ---------------------------------------------------------
    @staticmethod
    def _rows(result: Mapping[str, Any]) -> list[tuple]:
        try:
            return decode_rows(result)
        except WireError as error:
            raise HranaError(str(error), code="PROTOCOL_ERROR") from None

    def _detect(self) -> str:
        """The server's dialect, asked once: ``GET /v3`` answers 2xx (or asks
        for credentials) on a Hrana 3 server; tursodb answers 404."""
        if self.dialect is None:
            status, _raw = self._http("GET", f"{self._base}/v3", None)
            self.dialect = "hrana3" if 200 <= status < 300 or status in (401, 403) else "tursodb"
        return self.dialect

    def _pipeline(self, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """Send ONE request on a new stream (closed in the same request
        where the server has ``close``); return its result."""
        dialect = self._detect()
        requests = [request, _CLOSE] if dialect == "hrana3" else [request]
        version = "v3" if dialect == "hrana3" else "v2"
        try:
            payload = self._post(f"{self._base}/{version}/pipeline", {"baton": None, "requests": requests})
        except HranaError as error:
            if error.status != 404 or dialect != "hrana3":
                raise
            self.dialect = "tursodb"  # GET /v3 answered, the pipeline is not there: ask v2
            return self._pipeline(request)
        baton = payload.get("baton")
        if baton:  # the server kept the stream open after all: close it now
            self._close_stream(str(baton), payload.get("base_url"))
        results = payload.get("results")
        if not isinstance(results, list) or len(results) != len(requests):
            raise HranaError("malformed pipeline response", code="PROTOCOL_ERROR")
        if not isinstance(results[0], dict):
            raise HranaError("malformed pipeline response", code="PROTOCOL_ERROR")
        return results[0]

    def _close_stream(self, baton: str, base_url: Any) -> None:
        path, client = f"{self._base}/v3/pipeline", self
        if isinstance(base_url, str) and base_url:
            try:
                client = HranaClient(base_url, self._token, timeout=self.timeout)
                path = f"{client._base}/v3/pipeline"
            except ValueError:
                log.warning("ignoring an unusable base_url from %s", self._host)
        try:
            client._post(path, {"baton": baton, "requests": [_CLOSE]})
        except HranaError as error:  # the server expires it anyway
            log.debug("closing a stream failed: %s", error)

    def _connection(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _failure(self, error: BaseException, sent: bool) -> HranaError:
        where = f"{self._host}:{self._port}"
        if isinstance(error, socket.gaierror):
            return PrimaryUnreachable(f"cannot resolve {self._host!r}: {self.redact(str(error))}",
                                      code="UNREACHABLE", sent=False)
        if isinstance(error, (TimeoutError, socket.timeout)):
            return PrimaryUnreachable(f"timed out after {self.timeout}s talking to {where}",
                                      code="TIMEOUT", sent=sent)
        if isinstance(error, ssl.SSLError):
            return HranaError(f"TLS error talking to {where}: {self.redact(str(error))}", code="TLS_ERROR")
        # refused, reset, remote closed without response (e.g. the primary
        # crashed while executing the request)
        return PrimaryUnreachable(
            f"primary at {where} unreachable: {type(error).__name__}: {self.redact(str(error))}",
            code="UNREACHABLE", sent=sent)

    def _http(self, method: str, path: str, data: bytes | None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        conn = self._connection()
        sent = False
        try:
            # The server reads the whole body before running anything, so
            # a failure inside request() means nothing was executed.
            conn.request(method, path, body=data, headers=headers)
            sent = True
            resp = conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException) as error:
            raise self._failure(error, sent) from None
        finally:
            conn.close()

    def _post(self, path: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        where = f"{self._host}:{self._port}"
        status, raw = self._http("POST", path, json.dumps(body, separators=(",", ":")).encode("utf-8"))
        if status != 200:
            text = self.redact(raw[:500].decode("utf-8", "replace").strip())
            if status in (401, 403):
                msg = f"authentication rejected by {where} (HTTP {status})"
            else:
                msg = f"HTTP {status} from {where}: {text}"
            log.debug("hrana request failed: %s", msg)
            if status in _GATEWAY_DOWN:
                raise PrimaryUnreachable(msg, code=f"HTTP_{status}", sent=True)
            raise HranaError(msg, code=f"HTTP_{status}", status=status)
        try:
            payload = json.loads(raw)
        except ValueError:
            raise HranaError(f"non-JSON response from {where}", code="PROTOCOL_ERROR", status=status) from None
        if not isinstance(payload, dict):
            raise HranaError("malformed pipeline response", code="PROTOCOL_ERROR")
        return payload
