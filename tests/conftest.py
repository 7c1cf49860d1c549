"""Shared fixtures: real database files in temp dirs, never mocks."""

from __future__ import annotations

import pytest

from jetpack_tui.data import create_local_data_layer


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "jetpack" / "jetpack.db")


@pytest.fixture
def dl(db_path):
    layer = create_local_data_layer(db_path, lease_ttl=60, retry_base=0.05)
    yield layer
    layer.close()
