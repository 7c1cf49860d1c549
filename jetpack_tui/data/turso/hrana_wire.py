"""Hrana-over-HTTP wire format: values, statements, step conditions, URLs.

Pure functions with no I/O, shared by :mod:`.hrana` (the client) and the
Turso engine, which builds its own guarded batches (see :mod:`.primary`).

Dialect of the ``tursodb --sync-server`` primary (docs/turso-notes.md):
integers travel as JSON *strings*, blobs as (unpadded) base64, ``±inf``
comes back as ``null``; ``named_args`` are silently ignored, so only
positional parameters are accepted here.
"""

from __future__ import annotations

import base64
import math
import re
import urllib.parse
from typing import Any, Mapping, Sequence

Value = None | int | float | str | bytes

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1


class WireError(Exception):
    """A response that does not follow the protocol."""


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


def wire_values(params: Sequence[Any]) -> tuple:
    """Parameters as a write sends them: each float rounded to 15
    significant digits.  The servers parse JSON numbers with serde_json's
    fast path, which is exact for such values (mantissa below 2**53) but
    lands one unit in the last place off for 16% of full-precision doubles
    (measured on tursodb 0.6.0 and 0.8.0-pre.4); the replica's rehearsal and
    the primary then store the same value.  Epoch seconds keep 10 µs."""
    return tuple(float(f"{v:.15g}") if type(v) is float and math.isfinite(v) else v for v in params)


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
    raise WireError(f"unknown Hrana value type {t!r}")


def decode_rows(result: Mapping[str, Any]) -> list[tuple]:
    return [tuple(decode_value(c) for c in row) for row in result.get("rows", [])]


def stmt(sql: str, params: Sequence[Any] = ()) -> dict[str, Any]:
    """One Hrana statement with positional arguments."""
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


# -- step conditions of a Hrana batch -----------------------------------------
def ok(step: int) -> dict[str, Any]:
    return {"type": "ok", "step": step}


def not_(cond: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "not", "cond": cond}


def and_(*conds: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "and", "conds": list(conds)}


def is_autocommit() -> dict[str, Any]:
    return {"type": "is_autocommit"}


def atomic_steps(statements: Sequence[tuple[str, Sequence[Any]]]) -> list[tuple[str, Sequence[Any], Any]]:
    """``BEGIN IMMEDIATE; s1; …; sN; COMMIT`` each step running only if the
    previous succeeded, plus a ``ROLLBACK`` that runs iff ``BEGIN`` succeeded
    and ``COMMIT`` did not: without conditions a batch is *not* atomic.
    Step ``i + 1`` is statement ``i``; ``len + 1`` is ``COMMIT``."""
    n = len(statements)
    steps: list[tuple[str, Sequence[Any], Any]] = [("BEGIN IMMEDIATE", (), None)]
    steps += [(sql, params, ok(i)) for i, (sql, params) in enumerate(statements)]
    steps.append(("COMMIT", (), ok(n)))
    steps.append(("ROLLBACK", (), and_(ok(0), not_(ok(n + 1)))))
    return steps


# -- URLs -----------------------------------------------------------------------
_HOST_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
_HOST_IPV6 = re.compile(r"^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$")
_SCHEMES = {"http": "http", "https": "https", "libsql": "https", "wss": "https", "ws": "http"}


def normalize_url(url: str) -> tuple[str, str, int | None, str, str | None]:
    """-> (scheme, host, port, base_path, token_from_query).

    Raises :class:`ValueError` with a message that never repeats the URL
    (it may hold a token): unsupported scheme, no host, a host with spaces
    or other characters no host name has, a port outside 1..65535."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("no URL given")
    parts = urllib.parse.urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError("unsupported URL scheme: expected http(s)://, libsql:// or ws(s)://")
    host = parts.hostname
    if not host:
        raise ValueError("URL has no host")
    if not (_HOST_IPV6.match(host) if ":" in host else _HOST_NAME.match(host)):
        raise ValueError("URL has an invalid host name")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("URL has an invalid port (expected 1-65535)") from None
    if port == 0:
        raise ValueError("URL has an invalid port (expected 1-65535)")
    token = None
    if parts.query:
        q = urllib.parse.parse_qs(parts.query)
        if q.get("authToken"):
            token = q["authToken"][0]
    return _SCHEMES[scheme], host, port, parts.path.rstrip("/"), token


def base_url(url: str) -> str:
    """``scheme://host:port/path`` with credentials and query removed: what
    replicas (pyturso) are given, and what may be shown."""
    scheme, host, port, path, _token = normalize_url(url)
    h = f"[{host}]" if ":" in host else host
    port = port if port is not None else (443 if scheme == "https" else 80)
    return f"{scheme}://{h}:{port}{path}"


def shown_url(url: str) -> str:
    """``url`` as it may appear in an error: without user info, query or
    fragment (where tokens live), whatever shape it has."""
    text = str(url).strip().split("#", 1)[0].split("?", 1)[0]
    scheme, sep, rest = text.partition("://")
    if sep:
        netloc, slash, path = rest.partition("/")
        text = f"{scheme}://{netloc.rsplit('@', 1)[-1]}{slash}{path}"
    return text[:200]
