"""Every command finds the store the same way (jetpack_tui/store_open.py):
Turso when ``--turso-url`` or ``$TURSO_DATABASE_URL`` names it, else the
local file -- which is never created by accident -- and a malformed URL or a
missing file is one line and exit 2, never a traceback."""

from __future__ import annotations

import json

import pytest

from modes import TOKEN, Primary
from jetpack_tui import cli

BAD_URLS = ["garbage-url", "libsql://", "http://", "https://exa mple.com", "http://127.0.0.1:99999"]
COMMANDS = [[], ["status"], ["doctor"], ["seed"]]  # [] is the dashboard


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.delenv("TURSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("TURSO_AUTH_TOKEN", raising=False)
    return tmp_path


def one_line_exit_2(capsys, argv: list[str]) -> str:
    assert cli.main(argv) == 2, argv
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1, (argv, out.err)
    return out.err


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_malformed_turso_url_is_one_line_for_every_command(here, capsys, monkeypatch, url):
    for command in COMMANDS:
        err = one_line_exit_2(capsys, ["--turso-url", url, *command])
        assert "invalid Turso URL" in err, (command, err)
    monkeypatch.setenv("TURSO_DATABASE_URL", url + "?authToken=" + TOKEN)
    for command in COMMANDS:
        err = one_line_exit_2(capsys, command)
        assert "invalid Turso URL" in err and TOKEN not in err, (command, err)
    assert not (here / ".jetpack").exists()


def test_a_missing_local_database_names_the_path_and_the_flag(here, capsys):
    err = one_line_exit_2(capsys, [])
    assert ".jetpack/jetpack.db: no such database file" in err and "--create" in err
    err = one_line_exit_2(capsys, ["--db", "tpyo/jetpack.db"])
    assert "tpyo/jetpack.db" in err and "does not exist either" in err and "--create" in err
    assert not (here / "tpyo").exists() and not (here / ".jetpack").exists()
    err = one_line_exit_2(capsys, ["status", "--db", "tpyo/jetpack.db"])
    assert err == "jetpack-tui: tpyo/jetpack.db: no such database file\n"


def test_status_doctor_and_seed_read_and_write_the_turso_store(cli, tmp_path):  # noqa: F811 - the cli fixture
    primary = Primary(tmp_path / "primary")
    url = primary.start()
    try:
        seeded = cli("--turso-url", url, "seed", "--tasks", "20")
        assert seeded.returncode == 0, seeded.stderr
        assert "20 tasks" in seeded.stdout

        again = cli("--turso-url", url, "seed", "--tasks", "20")
        assert again.returncode == 2 and "already holds Jetpack data" in again.stderr

        status = cli("--turso-url", url, "status", "--json")
        assert status.returncode == 0, status.stderr
        doc = json.loads(status.stdout)
        assert doc["tasks"]["total"] == 20 and url.split("://")[1] in doc["database"]["path"]

        doctor = cli("--turso-url", url, "doctor", "--json")
        report = json.loads(doctor.stdout)
        assert doctor.returncode == report["exit_code"] == 3  # the demo's orphans need attention
        assert {f["check"] for f in report["findings"]} >= {"schema", "integrity", "orphans"}

        local = cli("status")  # no URL: the local default, which does not exist
        assert local.returncode == 2 and "no such database file" in local.stderr
    finally:
        primary.finish()
    assert not (tmp_path / ".jetpack").exists()  # throw-away replicas only
