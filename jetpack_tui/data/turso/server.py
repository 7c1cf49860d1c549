"""Locate and run a local ``tursodb --sync-server`` (the Turso sync primary).

Used by tests and benches: the sync server is a real primary that both
``turso.sync.connect`` replicas (push/pull) and :class:`HranaClient`
(``POST /v2/pipeline``) talk to.

Facts this module relies on (see docs/turso-notes.md):

* the npm package ``turso`` ships the native binary as
  ``node_modules/@tursodatabase/cli-<platform>/tursodb``; ``node_modules/.bin/turso``
  is a Node wrapper that spawns it, so killing the wrapper's PID would leave
  the real server running -- we only ever start the native binary;
* ``tursodb DB --sync-server HOST:PORT`` serves until it gets SIGTERM/SIGINT.

CI (``.ci/run``) installs the npm package into ``.ci/node`` and exports
``JETPACK_TURSODB_DIRS`` (``os.pathsep``-separated ``node_modules`` folders),
searched for ``@tursodatabase/cli-*/tursodb``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, Sequence

__all__ = [
    "DIRS_ENV_VAR",
    "ENV_VAR",
    "TURSODB_SEARCH_PATHS",
    "TursodbNotFound",
    "SyncServerError",
    "find_tursodb",
    "run_sync_server",
]

#: Environment variable naming the ``tursodb`` binary explicitly.
ENV_VAR = "JETPACK_TURSODB"

#: ``os.pathsep``-separated ``node_modules`` folders to search (set by ``.ci/run``).
DIRS_ENV_VAR = "JETPACK_TURSODB_DIRS"

#: Folder holding the ``jetpack_tui`` package (the project checkout).
PROJECT_ROOT = Path(__file__).resolve().parents[3]

_RELATIVE_CANDIDATES = (
    "node_modules/.bin/tursodb",
    "node_modules/@tursodatabase/cli-linux-x64-gnu/tursodb",
    "node_modules/@tursodatabase/cli-linux-arm64-gnu/tursodb",
    "node_modules/@tursodatabase/cli-darwin-arm64/tursodb",
    "node_modules/@tursodatabase/cli-darwin-x64/tursodb",
)
_SEARCH_ROOTS = (PROJECT_ROOT, PROJECT_ROOT / ".ci" / "node", Path("/work/turso-npm"))

#: Places searched (in order) after ``$JETPACK_TURSODB`` and ``$PATH``.
TURSODB_SEARCH_PATHS: tuple[Path, ...] = tuple(
    root / rel for root in _SEARCH_ROOTS for rel in _RELATIVE_CANDIDATES
)

_NATIVE_MAGICS = (
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit
    b"\xca\xfe\xba\xbe",  # Mach-O universal
    b"MZ",  # Windows PE
)


class TursodbNotFound(FileNotFoundError):
    """No native ``tursodb`` binary could be located."""


class SyncServerError(RuntimeError):
    """The sync server process failed to start or to answer."""


def _is_native_executable(path: Path) -> bool:
    try:
        if not path.is_file() or not os.access(path, os.X_OK):
            return False
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return any(head.startswith(m) for m in _NATIVE_MAGICS)


def _dirs_candidates() -> list[Path]:
    """``@tursodatabase/cli-*/tursodb`` (and ``.bin/tursodb``) under each
    folder of ``$JETPACK_TURSODB_DIRS``; a folder may be ``node_modules``
    itself or the npm prefix that holds it."""
    found: list[Path] = []
    for folder in filter(None, os.environ.get(DIRS_ENV_VAR, "").split(os.pathsep)):
        root = Path(folder).expanduser()
        for base in (root, root / "node_modules"):
            found += sorted(base.glob("@tursodatabase/cli-*/tursodb"))
            found.append(base / ".bin" / "tursodb")
    return found


def find_tursodb() -> str | None:
    """Return the path of a native ``tursodb`` binary, or ``None``.

    Order: ``$JETPACK_TURSODB`` (if set, it is the only candidate: a wrong
    explicit setting is reported as "not found" rather than silently
    replaced), then ``$JETPACK_TURSODB_DIRS``, then ``tursodb`` on ``$PATH``,
    then :data:`TURSODB_SEARCH_PATHS`.  Script wrappers (e.g. the npm
    ``turso`` Node shim) are rejected.
    """
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        p = Path(explicit).expanduser()
        return str(p.resolve()) if _is_native_executable(p) else None

    for cand in _dirs_candidates():
        if _is_native_executable(cand):
            return str(cand.resolve())

    on_path = shutil.which("tursodb")
    if on_path and _is_native_executable(Path(on_path)):
        return str(Path(on_path).resolve())

    for cand in TURSODB_SEARCH_PATHS:
        if _is_native_executable(cand):
            return str(cand.resolve())
    return None


def not_found_message() -> str:
    where = "\n  ".join(str(p) for p in TURSODB_SEARCH_PATHS)
    return (
        f"tursodb binary not found: set ${ENV_VAR} or ${DIRS_ENV_VAR}, put tursodb on PATH, or run "
        f"`npm install --prefix /work/turso-npm turso`. Searched:\n  {where}"
    )


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _url(host: str, port: int) -> str:
    h = f"[{host}]" if ":" in host else host
    return f"http://{h}:{port}"


def _answers(host: str, port: int, timeout: float) -> bool:
    """True once the server answers an empty Hrana pipeline with HTTP 200."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(
            "POST",
            "/v2/pipeline",
            body=b'{"requests":[]}',
            headers={"Content-Type": "application/json"},
        )
        return conn.getresponse().status == 200
    except OSError:
        return False
    except http.client.HTTPException:
        return False
    finally:
        conn.close()


def _stop(proc: subprocess.Popen, grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def run_sync_server(
    db_path: str | os.PathLike[str],
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    binary: str | None = None,
    extra_args: Sequence[str] = (),
    startup_timeout: float = 10.0,
) -> Iterator[str]:
    """Run ``tursodb DB_PATH --sync-server HOST:PORT``; yield its ``http://`` URL.

    ``port=None`` picks a free port.  ``extra_args`` are passed through (e.g.
    ``["--experimental-generated-columns"]``).  The process is stopped by its
    PID (SIGTERM, then SIGKILL) when the block exits.  Raises
    :class:`TursodbNotFound` or :class:`SyncServerError`.
    """
    exe = binary or find_tursodb()
    if exe is None:
        raise TursodbNotFound(not_found_message())

    attempts = 3 if port is None else 1
    last_error = ""
    for _ in range(attempts):
        p = port if port is not None else _free_port(host)
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen(
            [exe, os.fspath(db_path), "--sync-server", f"{host}:{p}", *extra_args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + startup_timeout
            started = False
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                if _answers(host, p, timeout=1.0):
                    started = True
                    break
                time.sleep(0.02)
            if not started:
                _stop(proc)
                log.seek(0)
                tail = log.read()[-2000:].decode("utf-8", "replace")
                last_error = (
                    f"tursodb sync server on {host}:{p} did not start "
                    f"(exit code {proc.returncode}); output:\n{tail}"
                )
                continue
            try:
                yield _url(host, p)
            finally:
                _stop(proc)
            return
        finally:
            if proc.poll() is None:  # generator closed abnormally
                _stop(proc)
            log.close()
    raise SyncServerError(last_error)
