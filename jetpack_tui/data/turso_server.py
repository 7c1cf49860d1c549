"""Compatibility name: the sync-server helper lives in :mod:`.turso.server`."""

from .turso.server import (  # noqa: F401
    DIRS_ENV_VAR,
    ENV_VAR,
    PROJECT_ROOT,
    TURSODB_SEARCH_PATHS,
    SyncServerError,
    TursodbNotFound,
    find_tursodb,
    not_found_message,
    run_sync_server,
)
