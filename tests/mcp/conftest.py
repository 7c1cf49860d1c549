"""Fixtures of the MCP tests: a real database file, the operator's own DataLayer on it."""

from __future__ import annotations

import pytest

from jetpack_tui.data import create_local_data_layer


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def db(tmp_path) -> str:
    path = str(tmp_path / "swarm" / "jetpack.db")
    create_local_data_layer(path).close()
    return path


@pytest.fixture
def library(db):
    """The test's own DataLayer on the same file (the operator's side)."""
    layer = create_local_data_layer(db)
    yield layer
    layer.close()
