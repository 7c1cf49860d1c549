"""Shared fixtures: real database files in temp dirs, never mocks."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from jetpack_tui.data import create_local_data_layer

# Property tests explore new examples on every local run (that is how they find
# bugs); on CI they replay a fixed sequence, so a red CI is never a dice roll.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "jetpack" / "jetpack.db")


@pytest.fixture
def dl(db_path):
    layer = create_local_data_layer(db_path, lease_ttl=60, retry_base=0.05)
    yield layer
    layer.close()


def run_foreign_sql(db_path: str, statements: list[tuple[str, tuple]]) -> None:
    """Write like another client (the ``sqlite3`` shell, an agent in another
    language): stdlib sqlite3 in a separate OS process.  Never in this
    process: two SQLite copies in one process break each other's POSIX locks."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "for sql, params in json.loads(sys.stdin.read()):\n"
        "    conn.execute(sql, [bytes.fromhex(p[4:]) if isinstance(p, str) and p.startswith('hex:') else p for p in params])\n"
        "conn.commit()\n"
        "conn.close()\n"
    )
    payload = json.dumps([[sql, list(params)] for sql, params in statements])
    subprocess.run([sys.executable, "-c", script, db_path], input=payload, text=True, check=True)


@pytest.fixture
def foreign_sql(db_path):
    """``foreign_sql([(sql, params), ...])`` writes to the test database from another process."""
    return lambda statements, path=None: run_foreign_sql(path or db_path, statements)
