"""What a new user meets first: ``--version``, ``--help`` in plain text,
errors that name the command-line option (not the library's keyword),
``--read-only`` refusing the commands that write a database, a demo whose
last words are true, and a package that ships ``py.typed`` and its licence."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import jetpack_tui
from jetpack_tui.cli import build_parser, discover_commands

ROOT = Path(__file__).resolve().parents[2]
#: reST that must not reach a terminal: ``literal``, :role:`target`.
RST = re.compile(r"``|:[a-z]+:`")


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_version(cli):
    done = cli("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"jetpack-tui {jetpack_tui.__version__}")


def test_every_help_text_is_plain_text(cli):
    names = sorted(build_parser(discover_commands())._subparsers._group_actions[0].choices)
    assert {"status", "doctor", "seed", "demo", "settings"} <= set(names)
    for args in [("--help",), *((name, "--help") for name in names)]:
        done = cli(*args)
        assert done.returncode == 0, done.stderr
        assert not RST.search(done.stdout), (args, RST.findall(done.stdout), done.stdout)
    seed_help = cli("seed", "--help").stdout
    assert "--epoch anchors every" in " ".join(seed_help.split())  # the words stay, the markup goes


def test_a_read_only_file_error_names_the_option(cli, seeded_db, tmp_path):
    path = tmp_path / "frozen.db"
    shutil.copy(seeded_db, path)
    os.chmod(path, 0o444)
    done = cli("--db", str(path))  # the dashboard would open it for writing
    assert done.returncode == 2
    assert "--read-only" in done.stderr and "read_only=True" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [
    ("seed", "--force"),
    ("demo", "--force", "--no-ui", "--duration", "1", "--agents", "1"),
    ("settings", "set", "liveness", '{"stale_after": 1, "dead_after": 2}'),
    ("settings", "reset", "liveness"),
], ids=lambda a: " ".join(a[:2]))
def test_read_only_refuses_commands_that_write_a_database(cli, seeded_db, tmp_path, args):
    path = tmp_path / "kept.db"
    shutil.copy(seeded_db, path)
    before = _digest(path)
    done = cli("--read-only", "--db", str(path), *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    line = done.stderr.strip()
    assert "\n" not in line and "--read-only" in line and args[0] in line, line
    assert _digest(path) == before
    assert sorted(os.listdir(tmp_path)) == ["home", "kept.db"]


def test_read_only_refuses_to_create_a_database_too(cli, tmp_path):
    for args in (("seed", "--db", "new.db"), ("demo", "--no-ui", "--duration", "1")):
        done = cli("--read-only", *args)
        assert done.returncode == 2 and "--read-only" in done.stderr
    assert sorted(os.listdir(tmp_path)) == ["home"]


def test_read_only_still_allows_reading_commands(cli, seeded_db):
    assert cli("--read-only", "--db", seeded_db, "status", "--json").returncode == 0
    assert cli("--read-only", "--db", seeded_db, "settings").returncode == 0


def test_the_demo_says_what_happened_to_its_temporary_database(cli, tmp_path):
    done = cli("demo", "--no-ui", "--duration", "1", "--agents", "1", "--speed", "20")
    assert done.returncode == 0, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "removed" in last and "--keep" in last, last
    for word in done.stderr.split():  # a path it names at the end still exists, or it says it was removed
        if "jetpack-demo-" in word:
            assert not os.path.exists(word.strip("(),")), f"{word} exists, yet was said removed"
    kept = cli("demo", "--no-ui", "--duration", "1", "--agents", "1", "--speed", "20", "--keep")
    path = kept.stderr.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    assert "kept at" in kept.stderr and os.path.isfile(path), kept.stderr
    shutil.rmtree(os.path.dirname(path))


def test_the_wheel_ships_py_typed_and_the_licence(tmp_path):
    """Build the wheel from a copy of the sources, offline, with this venv's setuptools."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "jetpack_tui", source / "jetpack_tui", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "styles", source / "styles", ignore=ignore)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta;"
                           " print(build_meta.build_wheel(sys.argv[1]))", str(out)],
                          cwd=source, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = zipfile.ZipFile(out / done.stdout.strip().splitlines()[-1])
    names = set(wheel.namelist())
    assert "jetpack_tui/py.typed" in names
    licences = [n for n in names if n.endswith("/LICENSE") and ".dist-info/" in n]
    assert licences, sorted(n for n in names if ".dist-info/" in n)
    assert "MIT License" in wheel.read(licences[0]).decode()
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
    assert any(n.startswith("jetpack_tui/styles/") and n.endswith(".tcss") for n in names)
