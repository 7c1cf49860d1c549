"""The one way every command finds and opens the store.

The dashboard, ``status``, ``doctor`` and ``seed`` all ask :func:`locate`
where the options point -- a Turso primary (``--turso-url`` or
``$TURSO_DATABASE_URL``, token from ``$TURSO_AUTH_TOKEN`` only) or a local
file (``--db``, default ``.jetpack/jetpack.db``) -- and :func:`open_store`
to open it.  So a command never reads a local file while the options name
Turso, and every problem a user can fix is ONE line
(:class:`StoreOpenError`), never a traceback: a malformed URL, a missing
file, a database we refuse.

A local file that does not exist is created only with ``create=True``
(``--create`` on the dashboard; ``seed`` and ``demo`` make their own): a
typo in ``--db`` must not silently make folders and show an empty swarm.
Read-only commands in Turso mode use a throw-away replica unless ``--db``
names one, so they never collide with a dashboard's replica (pyturso locks
a replica file to one process).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jetpack_tui.data import DEFAULT_PATH, JetpackError, create_local_data_layer

URL_ENV = "TURSO_DATABASE_URL"
TOKEN_ENV = "TURSO_AUTH_TOKEN"
DEFAULT_REPLICA = os.path.join(".jetpack", "replica.db")


class StoreOpenError(Exception):
    """A problem the user can fix; its text is one line."""


@dataclass(frozen=True)
class Target:
    """Where the options point.  ``path``: the local database file, or in
    Turso mode the replica file (``None``: a throw-away one)."""

    path: str | None
    turso_url: str | None = None

    @property
    def turso(self) -> bool:
        return self.turso_url is not None

    @property
    def shown(self) -> str:
        """What may be printed: the path, or the primary without credentials."""
        if self.turso_url is None:
            return str(self.path)
        from jetpack_tui.data.turso.hrana_wire import base_url

        return base_url(self.turso_url)


def locate(db: str | None, turso_url: str | None, environ: Mapping[str, str] | None = None, *,
           throwaway_replica: bool = False) -> Target:
    """The store the options name.  ``throwaway_replica``: in Turso mode
    without ``db``, open a temporary replica (for one-shot commands)."""
    env = os.environ if environ is None else environ
    url = turso_url or env.get(URL_ENV) or None
    if url is None:
        return Target(os.fspath(db) if db else DEFAULT_PATH)
    from jetpack_tui.data.turso.hrana_wire import normalize_url, shown_url

    try:
        normalize_url(url)
    except ValueError as error:
        raise StoreOpenError(f"invalid Turso URL {shown_url(url)!r}: {error}") from None
    replica = os.fspath(db) if db else (None if throwaway_replica else DEFAULT_REPLICA)
    return Target(replica, url)


def open_store(target: Target, *, read_only: bool = False, create: bool = False, liveness: Any = None,
               embedder: Any = None, environ: Mapping[str, str] | None = None,
               sync_interval: float | None = 1.0) -> Any:
    """Open ``target`` as a DataLayer; :class:`StoreOpenError` when it cannot."""
    try:
        if target.turso:
            return _open_turso(target, read_only=read_only, liveness=liveness, embedder=embedder,
                               environ=os.environ if environ is None else environ, sync_interval=sync_interval)
        path = str(target.path)
        if not os.path.exists(path):
            if not create or read_only:
                raise StoreOpenError(missing_message(path, create_hint=not read_only))
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return create_local_data_layer(path, read_only=read_only, liveness=liveness, embedder=embedder)
    except JetpackError as error:
        raise StoreOpenError(one_line(str(error))) from None
    except OSError as error:
        raise StoreOpenError(f"{error.filename or target.shown}: {error.strerror or error}") from None


def missing_message(path: str, *, create_hint: bool) -> str:
    """``PATH: no such database file`` (+ where that is, and the flag)."""
    if not create_hint:
        return f"{path}: no such database file"
    where = os.path.abspath(path)
    folder = os.path.dirname(where)
    notes = [where] if where != path else []
    if not os.path.isdir(folder):
        notes.append(f"the folder {folder} does not exist either")
    shown = f" ({'; '.join(notes)})" if notes else ""
    return (f"{path}: no such database file{shown}; pass --create to make a new one, "
            "or try `jetpack-tui demo`")


def _open_turso(target: Target, *, read_only: bool, liveness: Any, embedder: Any,
                environ: Mapping[str, str], sync_interval: float | None) -> Any:
    try:
        from jetpack_tui.data.turso import create_turso_data_layer
    except ImportError as error:
        raise StoreOpenError(f"Turso mode is not available ({error.__class__.__name__}: {error.name or error})") \
            from None
    scratch = None
    replica = target.path
    if replica is None:
        scratch = tempfile.mkdtemp(prefix="jetpack-replica-")
        replica = os.path.join(scratch, "replica.db")
    try:
        layer = create_turso_data_layer(target.turso_url, environ.get(TOKEN_ENV) or None, replica_path=replica,
                                        read_only=read_only, liveness=liveness, embedder=embedder,
                                        sync_interval=sync_interval)
    except BaseException:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    if scratch is not None:
        closing = layer.close

        def close_and_remove() -> None:
            closing()
            shutil.rmtree(scratch, ignore_errors=True)

        layer.close = close_and_remove  # the throw-away replica goes with the layer
    return layer


def one_line(message: str) -> str:
    return " ".join(str(message).split())
