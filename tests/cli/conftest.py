"""Fixtures for the command-line tests: the real ``python -m jetpack_tui``
in a subprocess, with a private HOME so no user config leaks in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from jetpack_tui.demo.seed_data import build_demo_database


@pytest.fixture
def cli(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "COLUMNS": "200"}

    def run(*args: str, timeout: float = 60, check_no_traceback: bool = True,
            **popen: object) -> subprocess.CompletedProcess:
        """Run the CLI; ``popen`` overrides (``stdout=``, ``user=``, ``preexec_fn=``…)."""
        streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "stdin": subprocess.DEVNULL}
        options = {"cwd": tmp_path, "env": env, **streams, **popen}
        done = subprocess.run([sys.executable, "-m", "jetpack_tui", *args], text=True, timeout=timeout,
                              **options)
        if check_no_traceback:
            assert "Traceback" not in (done.stderr or ""), done.stderr
        return done

    run.env = env

    return run


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory):
    """A demo database (60 tasks) anchored at the current time."""
    path = str(tmp_path_factory.mktemp("seeded") / "demo.db")
    build_demo_database(path, seed=0)
    return path
