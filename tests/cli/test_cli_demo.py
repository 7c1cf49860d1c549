"""``jetpack-tui demo --no-ui``: the swarm runs, stops, and leaves nothing behind,
whether it ends by itself, by SIGTERM, or because its parent was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from jetpack_tui.data import JetpackError, create_local_data_layer
from jetpack_tui.demo.swarm import pid_gone
from waiting import wait_until


def _no_such_process(pid: int) -> bool:
    """Strict: the PID is free (exited AND reaped), ``os.kill`` says so."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _children(pid_file) -> list[int]:
    try:
        return json.loads(pid_file.read_text())["children"]
    except (FileNotFoundError, ValueError):
        return []


def _start(tmp_path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "jetpack_tui", "demo", "--no-ui", "--speed", "20",
                             "--agents", "3", "--db", "demo.db", "--pid-file", "pids.json", *extra],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def _completed(path) -> int:
    try:
        with create_local_data_layer(str(path), read_only=True) as dl:
            return dl.tasks.count(status="completed")
    except JetpackError:  # not created or not migrated yet
        return 0


def test_demo_runs_for_its_duration_then_reaps_every_child(tmp_path):
    process = _start(tmp_path, "--duration", "6")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    lines = [line for line in out.splitlines() if line.startswith("t+")]
    assert lines and "completed" in lines[-1]
    children = _children(tmp_path / "pids.json")
    assert len(children) >= 4  # planner + 3 agents
    assert all(_no_such_process(pid) for pid in children)
    assert _completed(tmp_path / "demo.db") > 0


def test_sigterm_stops_the_swarm_cleanly(tmp_path):
    process = _start(tmp_path)
    wait_until(lambda: (tmp_path / "demo.db").exists() and _completed(tmp_path / "demo.db") > 0, 40,
              "the first completed task")
    children = _children(tmp_path / "pids.json")
    assert not pid_gone(children[0])  # the planner (agents may have died on purpose already)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert all(_no_such_process(pid) for pid in _children(tmp_path / "pids.json"))


def test_children_exit_by_themselves_when_the_runner_is_killed(tmp_path):
    process = _start(tmp_path)
    children = wait_until(lambda: len(_children(tmp_path / "pids.json")) >= 4 and _children(tmp_path / "pids.json"),
                         30, "the swarm to start")
    process.kill()  # SIGKILL: no handler, no cleanup in the runner
    process.communicate(timeout=10)
    # Children are not ours to reap (they were the killed runner's); once they
    # exit, init reaps them and the PIDs disappear.
    wait_until(lambda: all(pid_gone(pid) for pid in children), 15, "orphaned children to exit")


def test_bad_demo_arguments_exit_2(cli, tmp_path):
    (tmp_path / "taken.db").write_bytes(b"x")
    done = cli("demo", "--no-ui", "--db", "taken.db")
    assert done.returncode == 2
    assert done.stderr == ("jetpack-tui: taken.db: already exists (the demo needs a fresh database;"
                           " pass --force)\n")
    assert cli("demo", "--no-ui", "--agents", "0").returncode == 2
    assert cli("demo", "--no-ui", "--speed", "-3").returncode == 2
    assert (tmp_path / "taken.db").read_bytes() == b"x"
