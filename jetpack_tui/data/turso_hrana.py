"""Minimal stdlib-only Hrana-over-HTTP client (``POST /v2/pipeline``).

Used to run statements directly ON THE PRIMARY -- chiefly compare-and-swap
writes such as task claims, which must not go through an embedded replica's
push (Turso sync resolves conflicting pushes as silent last-push-wins).

Dialect notes for the ``tursodb --sync-server`` primary (see docs/turso-notes.md):

* only ``execute`` and ``batch`` requests exist (``close``, ``sequence``,
  ``describe``... are rejected with HTTP 500), batons are ignored;
* ``affected_row_count`` is always 0 and ``last_insert_rowid`` always null:
  use ``RETURNING``;
* ``named_args`` are silently ignored, so this client only takes positional
  parameters;
* the server has ONE database connection shared by every request, handled one
  request at a time.  A ``BEGIN`` left open by one request stays open for all
  later requests (including replica pushes), which is why :meth:`execute`
  refuses statements that open a transaction and :meth:`batch` wraps its
  statements in ``BEGIN IMMEDIATE`` ... ``COMMIT`` with a conditional
  ``ROLLBACK`` inside one request.

The auth token is sent only as ``Authorization: Bearer ...``; it never appears
in the client's repr, in exception messages, or in logs.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import math
import re
import socket
import ssl
import urllib.parse
from typing import Any, Mapping, Sequence

__all__ = ["HranaClient", "HranaError", "PrimaryUnreachable", "Value"]

log = logging.getLogger(__name__)

Value = None | int | float | str | bytes

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1

_OPENS_TXN = re.compile(r"^\s*(BEGIN|SAVEPOINT)\b", re.IGNORECASE)
_TXN_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE
)


class HranaError(Exception):
    """A statement, the protocol or the HTTP exchange failed.

    ``code``: Hrana error code (e.g. ``EXECUTE_ERROR``, ``BATCH_STEP_ERROR``)
    or ``HTTP_<status>``; ``step``: index of the failing statement in a
    :meth:`HranaClient.batch` call (``None`` otherwise).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        step: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.step = step


class PrimaryUnreachable(HranaError):
    """Connection refused / reset, timeout or DNS failure.

    After a timeout or reset the outcome of a write is unknown: it may or may
    not have been applied on the primary.
    """


# ---------------------------------------------------------------- values


def encode_value(v: Any) -> dict[str, Any]:
    """Python value -> Hrana JSON value."""
    if v is None:
        return {"type": "null"}
    if isinstance(v, bool):
        return {"type": "integer", "value": "1" if v else "0"}
    if isinstance(v, int):
        if not _I64_MIN <= v <= _I64_MAX:
            raise ValueError(f"integer {v} does not fit in a signed 64-bit value")
        return {"type": "integer", "value": str(v)}
    if isinstance(v, float):
        if not math.isfinite(v):
            # JSON cannot carry inf/nan and the server rejects/mangles them.
            raise ValueError(f"non-finite float {v!r} cannot be sent over Hrana")
        return {"type": "float", "value": v}
    if isinstance(v, str):
        return {"type": "text", "value": v}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"type": "blob", "base64": base64.b64encode(bytes(v)).decode("ascii")}
    raise TypeError(f"unsupported parameter type {type(v).__name__}")


def decode_value(v: Mapping[str, Any]) -> Value:
    """Hrana JSON value -> Python value."""
    t = v.get("type")
    if t == "null":
        return None
    if t == "integer":
        return int(v["value"])
    if t == "float":
        val = v.get("value")
        # tursodb serialises +/-inf as JSON null
        return None if val is None else float(val)
    if t == "text":
        return v["value"]
    if t == "blob":
        b64 = v.get("base64")
        if b64 is None:  # tolerate other servers' spelling
            b64 = v.get("value", "")
        # tursodb emits unpadded base64
        return base64.b64decode(b64 + "=" * (-len(b64) % 4))
    raise HranaError(f"unknown Hrana value type {t!r}", code="PROTOCOL_ERROR")


def _decode_rows(result: Mapping[str, Any]) -> list[tuple]:
    return [tuple(decode_value(c) for c in row) for row in result.get("rows", [])]


def _stmt(sql: str, params: Sequence[Any]) -> dict[str, Any]:
    if not isinstance(sql, str):
        raise TypeError("sql must be a str")
    if isinstance(params, Mapping):
        raise TypeError(
            "named parameters are not supported (the tursodb sync server silently "
            "ignores named_args); use positional ? parameters"
        )
    if isinstance(params, (str, bytes)):
        raise TypeError("params must be a sequence of values, not a str/bytes")
    return {"sql": sql, "args": [encode_value(p) for p in params], "want_rows": True}


# ---------------------------------------------------------------- URL


def _normalize_url(url: str) -> tuple[str, str, int | None, str, str | None]:
    """-> (scheme, host, port, base_path, token_from_query)."""
    parts = urllib.parse.urlsplit(url.strip())
    scheme = parts.scheme.lower()
    mapping = {
        "http": "http",
        "https": "https",
        "libsql": "https",
        "wss": "https",
        "ws": "http",
    }
    if scheme not in mapping:
        raise ValueError(
            "unsupported URL scheme: expected http(s)://, libsql:// or ws(s)://"
        )
    if not parts.hostname:
        raise ValueError("URL has no host")
    token = None
    if parts.query:
        q = urllib.parse.parse_qs(parts.query)
        if q.get("authToken"):
            token = q["authToken"][0]
    try:
        port = parts.port
    except ValueError:
        raise ValueError("URL has an invalid port") from None
    return mapping[scheme], parts.hostname, port, parts.path.rstrip("/"), token


# ---------------------------------------------------------------- client


class HranaClient:
    """Execute SQL on a Hrana-over-HTTP server (``POST <url>/v2/pipeline``).

    Stateless and thread-safe: every call is one HTTP request on a fresh
    connection (the tursodb sync server closes the connection after each
    response anyway).
    """

    def __init__(
        self, url: str, auth_token: str | None = None, timeout: float = 5.0
    ) -> None:
        scheme, host, port, base_path, query_token = _normalize_url(url)
        self._scheme = scheme
        self._host = host
        self._port = port if port is not None else (443 if scheme == "https" else 80)
        self._path = f"{base_path}/v2/pipeline"
        self._token = auth_token if auth_token is not None else query_token
        self.timeout = timeout

    # -- public ------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Endpoint URL without credentials."""
        h = f"[{self._host}]" if ":" in self._host else self._host
        return f"{self._scheme}://{h}:{self._port}{self._path}"

    def __repr__(self) -> str:
        auth = "yes" if self._token else "no"
        return (
            f"HranaClient(scheme={self._scheme!r}, host={self._host!r}, "
            f"port={self._port}, auth={auth})"
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement; return its rows (use ``RETURNING`` for writes).

        Only the first statement of a multi-statement string is executed by
        tursodb.  Statements opening a transaction (``BEGIN``, ``SAVEPOINT``)
        are refused: on the shared server connection they would leak into
        every later request -- use :meth:`batch`.
        """
        if _OPENS_TXN.match(sql):
            raise ValueError(
                "execute() refuses BEGIN/SAVEPOINT (the primary shares one "
                "connection between all clients); use batch() for transactions"
            )
        body = {"requests": [{"type": "execute", "stmt": _stmt(sql, params)}]}
        result = self._single_result(self._post(body))
        if result.get("type") == "error":
            err = result.get("error") or {}
            raise HranaError(
                self._redact(str(err.get("message", "statement failed"))),
                code=err.get("code"),
            )
        resp = result.get("response") or {}
        if resp.get("type") != "execute" or "result" not in resp:
            raise HranaError("malformed execute response", code="PROTOCOL_ERROR")
        return _decode_rows(resp["result"])

    def batch(
        self, statements: Sequence[tuple[str, Sequence[Any]] | str]
    ) -> list[list[tuple]]:
        """Run statements atomically in ONE request; return each one's rows.

        Sent as a Hrana batch ``BEGIN IMMEDIATE; s1; ...; sN; COMMIT`` where
        each step runs only if the previous succeeded, plus a ``ROLLBACK``
        step that runs iff ``BEGIN`` succeeded but ``COMMIT`` did not.  On
        failure the whole batch is rolled back and :class:`HranaError` is
        raised with ``step`` set to the index of the failing statement.
        """
        stmts: list[dict[str, Any]] = []
        for i, item in enumerate(statements):
            if isinstance(item, str):
                sql, params = item, ()
            else:
                sql, params = item
            if _TXN_CONTROL.match(sql):
                raise ValueError(
                    f"statement {i}: transaction control is added by batch() itself"
                )
            stmts.append(_stmt(sql, params))
        if not stmts:
            return []

        n = len(stmts)
        steps: list[dict[str, Any]] = [
            {"stmt": {"sql": "BEGIN IMMEDIATE", "args": [], "want_rows": False}}
        ]
        for i, s in enumerate(stmts):
            steps.append({"stmt": s, "condition": {"type": "ok", "step": i}})
        commit_idx = n + 1
        steps.append(
            {
                "stmt": {"sql": "COMMIT", "args": [], "want_rows": False},
                "condition": {"type": "ok", "step": n},
            }
        )
        steps.append(
            {
                "stmt": {"sql": "ROLLBACK", "args": [], "want_rows": False},
                "condition": {
                    "type": "and",
                    "conds": [
                        {"type": "ok", "step": 0},
                        {"type": "not", "cond": {"type": "ok", "step": commit_idx}},
                    ],
                },
            }
        )
        body = {"requests": [{"type": "batch", "batch": {"steps": steps}}]}
        result = self._single_result(self._post(body))
        if result.get("type") == "error":
            err = result.get("error") or {}
            raise HranaError(
                self._redact(str(err.get("message", "batch failed"))),
                code=err.get("code"),
            )
        resp = result.get("response") or {}
        bres = resp.get("result") or {}
        step_results = bres.get("step_results")
        step_errors = bres.get("step_errors")
        if (
            resp.get("type") != "batch"
            or not isinstance(step_results, list)
            or not isinstance(step_errors, list)
            or len(step_results) != len(steps)
            or len(step_errors) != len(steps)
        ):
            raise HranaError("malformed batch response", code="PROTOCOL_ERROR")

        rollback_err = step_errors[-1]
        for idx, err in enumerate(step_errors[:-1]):
            if err is None:
                continue
            msg = self._redact(str(err.get("message", "batch step failed")))
            if idx == 0:
                text, user_step = f"batch could not begin a transaction: {msg}", None
            elif idx == commit_idx:
                text, user_step = f"batch COMMIT failed: {msg}", None
            else:
                text, user_step = f"batch statement {idx - 1} failed: {msg}", idx - 1
            if rollback_err is not None:
                text += (
                    "; ROLLBACK also failed: "
                    + self._redact(str(rollback_err.get("message", "")))
                )
            raise HranaError(text, code=err.get("code"), step=user_step)
        if rollback_err is not None:
            raise HranaError(
                "batch ROLLBACK failed: "
                + self._redact(str(rollback_err.get("message", ""))),
                code=rollback_err.get("code"),
            )
        if step_results[commit_idx] is None:
            raise HranaError("batch was not committed", code="PROTOCOL_ERROR")
        return [_decode_rows(step_results[i + 1] or {}) for i in range(n)]

    # -- internals ---------------------------------------------------------

    def _redact(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "***")
        return text

    def _single_result(self, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        results = payload.get("results")
        if not isinstance(results, list) or len(results) != 1:
            raise HranaError("malformed pipeline response", code="PROTOCOL_ERROR")
        return results[0]

    def _connection(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            return http.client.HTTPSConnection(
                self._host,
                self._port,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _post(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        where = f"{self._host}:{self._port}"
        conn = self._connection()
        try:
            try:
                conn.request("POST", self._path, body=data, headers=headers)
                resp = conn.getresponse()
                status = resp.status
                raw = resp.read()
            except socket.gaierror as e:
                raise PrimaryUnreachable(
                    f"cannot resolve {self._host!r}: {self._redact(str(e))}",
                    code="UNREACHABLE",
                ) from None
            except (TimeoutError, socket.timeout):
                raise PrimaryUnreachable(
                    f"timed out after {self.timeout}s talking to {where}",
                    code="TIMEOUT",
                ) from None
            except ssl.SSLError as e:
                raise HranaError(
                    f"TLS error talking to {where}: {self._redact(str(e))}",
                    code="TLS_ERROR",
                ) from None
            except (OSError, http.client.HTTPException) as e:
                # refused, reset, remote closed without response (e.g. the
                # primary crashed while executing the request)
                raise PrimaryUnreachable(
                    f"primary at {where} unreachable: {type(e).__name__}: "
                    f"{self._redact(str(e))}",
                    code="UNREACHABLE",
                ) from None
        finally:
            conn.close()

        if status != 200:
            text = self._redact(raw[:500].decode("utf-8", "replace").strip())
            if status in (401, 403):
                msg = f"authentication rejected by {where} (HTTP {status})"
            else:
                msg = f"HTTP {status} from {where}: {text}"
            log.debug("hrana request failed: %s", msg)
            raise HranaError(msg, code=f"HTTP_{status}", status=status)
        try:
            payload = json.loads(raw)
        except ValueError:
            raise HranaError(
                f"non-JSON response from {where}", code="PROTOCOL_ERROR", status=status
            ) from None
        if not isinstance(payload, dict):
            raise HranaError("malformed pipeline response", code="PROTOCOL_ERROR")
        return payload
