"""Settings files, the command-line dispatcher and its one-line errors."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import types

import pytest

from jetpack_tui import cli
from jetpack_tui.config import ConfigError, Settings, load_settings, user_config_path


def test_user_config_honours_xdg(tmp_path):
    assert user_config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "jetpack-tui" / "config.toml"
    assert user_config_path({"HOME": str(tmp_path)}) == tmp_path / ".config" / "jetpack-tui" / "config.toml"


def test_project_file_overrides_user_file(tmp_path):
    user = tmp_path / "user.toml"
    project = tmp_path / "project.toml"
    user.write_text('operator = "alice"\ntheme = "nord"\n[liveness]\nstale_after = 10\ndead_after = 20\n'
                    '[keys]\n"tasks.claim" = "C"\n"app.quit" = "ctrl+q"\n')
    project.write_text('theme = "gruvbox"\n[keys]\n"tasks.claim" = "K"\n')
    settings = load_settings([user, project, tmp_path / "missing.toml"])
    assert settings.operator == "alice"
    assert settings.theme == "gruvbox"
    assert settings.liveness.stale_after == 10 and settings.liveness.dead_after == 20
    assert settings.keys == {"tasks.claim": "K", "app.quit": "ctrl+q"}
    assert settings.sources == (str(user), str(project))


@pytest.mark.parametrize("body, message", [
    ("page_size = 'big'", "page_size must be int"),
    ("nonsense = 1", "unknown setting 'nonsense'"),
    ("auth_token = 'secret-token'", "TURSO_AUTH_TOKEN"),
    ("[liveness]\nstale_after = -1", "positive"),
    ("[liveness]\nstale_after = 50\ndead_after = 40", "greater than"),
    ("operator = ", "not valid TOML"),
])
def test_bad_config_is_a_clear_error(tmp_path, body, message):
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings([path])
    assert "secret-token" not in str(caught.value)


def test_operator_defaults_to_user(monkeypatch):
    monkeypatch.delenv("JETPACK_OPERATOR", raising=False)
    monkeypatch.setenv("USER", "carol")
    assert Settings().operator == "carol"


def test_subcommands_register_from_their_modules():
    calls = []
    module = types.SimpleNamespace(
        add_parser=lambda sub: sub.add_parser("status", help="print counts"),
        run=lambda args: calls.append(args.settings) or 7,
    )
    parser = cli.build_parser([module])
    args = parser.parse_args(["--read-only", "status"])
    assert args.command == "status" and args.read_only
    assert args._run(argparse.Namespace(settings="s")) == 7 and calls == ["s"]


def test_open_data_layer_local_and_read_only(tmp_path):
    path = str(tmp_path / "a" / "jetpack.db")
    with pytest.raises(cli.LaunchError, match="no such database file.*--create"):
        cli.open_data_layer(argparse.Namespace(read_only=False), Settings(db=path), environ={})
    assert not (tmp_path / "a").exists()  # a typo in --db makes no folders
    args = argparse.Namespace(read_only=False, create=True)
    dl = cli.open_data_layer(args, Settings(db=path), environ={})
    assert dl.location == path and not dl.read_only
    dl.close()
    dl = cli.open_data_layer(argparse.Namespace(read_only=True), Settings(db=path), environ={})
    assert dl.read_only
    dl.close()


def test_turso_mode_without_the_module_is_a_clear_error(tmp_path):
    settings = Settings(db=str(tmp_path / "r.db"))
    env = {"TURSO_DATABASE_URL": "libsql://db-team.turso.io?x=1", "TURSO_AUTH_TOKEN": "tok-SECRET"}
    try:
        import jetpack_tui.data.turso  # noqa: F401
    except ImportError:
        with pytest.raises(cli.LaunchError, match="Turso mode is not available") as caught:
            cli.open_data_layer(argparse.Namespace(read_only=False), settings, environ=env)
        assert "tok-SECRET" not in str(caught.value)
    assert cli.turso_host(env["TURSO_DATABASE_URL"]) == "db-team.turso.io"


def _run_cli(*args, cwd):
    env = {**os.environ, "XDG_CONFIG_HOME": str(cwd / "xdg")}
    return subprocess.run([sys.executable, "-m", "jetpack_tui", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_unopenable_database_exits_2_with_one_line(tmp_path):
    (tmp_path / "bad.db").write_text("this is not a database")
    done = _run_cli("--db", "bad.db", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "is not a SQLite/libSQL database" in done.stderr and "Traceback" not in done.stderr


def test_bad_project_config_exits_2(tmp_path):
    (tmp_path / ".jetpack").mkdir()
    (tmp_path / ".jetpack" / "config.toml").write_text("page_size = 1")
    done = _run_cli("--db", "x.db", cwd=tmp_path)
    assert done.returncode == 2 and "page_size" in done.stderr and "Traceback" not in done.stderr


def test_help_lists_the_shared_options(tmp_path):
    done = _run_cli("--help", cwd=tmp_path)
    assert done.returncode == 0
    for option in ("--db", "--turso-url", "--read-only", "--theme", "--operator"):
        assert option in done.stdout
