"""The auth token never shows: not in reprs, locations, statuses, errors
(online or offline) or log lines, whichever way it was given."""

from __future__ import annotations

import logging
import traceback

import pytest

from modes import TOKEN, open_replica, turso_primary  # noqa: F401 - fixture
from jetpack_tui.data import JetpackError
from jetpack_tui.data.turso import create_turso_data_layer


def _text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(error.args)


def _everything(dl) -> str:
    status = dl.sync_status()
    return " ".join([repr(dl), str(dl), dl.location, repr(dl.engine), repr(dl.engine.session.client),
                     repr(status), str(status.last_report)])


@pytest.fixture
def primary(turso_primary):  # noqa: F811 - the modules' tests say ``primary``
    return turso_primary


def test_token_never_appears_online_or_offline(primary, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    dl = open_replica(primary, tmp_path)
    errors: list[BaseException] = []
    try:
        dl.tasks.create("x", id="x")
        for bad in (lambda: dl.tasks.create("again", id="x"),
                    lambda: dl.engine.write(lambda tx: tx.execute(f'INSERT INTO "{TOKEN}" VALUES (1)')),
                    lambda: dl.engine.write_statement(f"UPDATE tasks SET title = '{TOKEN}' WHERE nope")):
            with pytest.raises(JetpackError) as info:
                bad()
            errors.append(info.value)
        assert TOKEN not in _everything(dl)
        primary.stop()
        dl.sync()
        with pytest.raises(JetpackError) as info:
            dl.tasks.claim("a")
        errors.append(info.value)
        assert TOKEN not in _everything(dl)
    finally:
        dl.close()
    assert errors and all(TOKEN not in _text(e) for e in errors)
    assert TOKEN not in caplog.text


def test_token_from_environment_or_url_query_is_hidden(primary, tmp_path, monkeypatch):
    monkeypatch.setenv("TURSO_DATABASE_URL", primary.url)
    monkeypatch.setenv("TURSO_AUTH_TOKEN", TOKEN)
    with create_turso_data_layer(replica_path=str(tmp_path / "env" / "local.db"), sync_interval=None) as dl:
        assert dl.tasks.create("x").status == "pending"
        assert TOKEN not in _everything(dl) and primary.url in dl.location
    monkeypatch.delenv("TURSO_AUTH_TOKEN")
    url = f"{primary.url}?authToken={TOKEN}"
    with create_turso_data_layer(url, replica_path=str(tmp_path / "q" / "local.db"), sync_interval=None) as dl:
        assert dl.sync().ok and TOKEN not in _everything(dl)


def test_no_url_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("TURSO_DATABASE_URL", raising=False)
    with pytest.raises(JetpackError, match="TURSO_DATABASE_URL"):
        create_turso_data_layer(replica_path=str(tmp_path / "r.db"))
