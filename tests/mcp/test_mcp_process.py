"""``jetpack-tui mcp`` as a process: a stop signal says goodbye, bad options are one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from jetpack_tui.data import create_local_data_layer


def serve(db: str, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jetpack_tui", "mcp", "--db", db, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def test_sigterm_marks_the_agent_stopped_and_exits_cleanly(db, library):
    server = serve(db, "--agent", "zed")
    try:
        for _ in range(600):  # registered: the server is (at least) starting up
            if library.agents.find("zed") is not None:
                break
            time.sleep(0.05)
        assert library.agents.get("zed").status == "idle"
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0 and "Traceback" not in err, err
    assert out == ""  # nothing but protocol on stdout, and no protocol was spoken
    assert library.agents.get("zed").status == "stopped"


def test_bad_options_are_one_line_and_exit_2(db, tmp_path):
    folder = tmp_path / "not-a-db"
    folder.mkdir()
    (folder / "x.db").write_text("this is not a database")
    env = {**os.environ, "HOME": str(tmp_path)}
    for args in (["--skills", "python"], ["--agent", "a", "--lease-ttl", "0"],
                 ["--agent", "a", "--lease-ttl", "10", "--heartbeat", "9"], ["--agent", "a", "--skills", " , "]):
        done = subprocess.run([sys.executable, "-m", "jetpack_tui", "mcp", "--db", db, *args], env=env,
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, (args, done.stderr)
    broken = subprocess.run([sys.executable, "-m", "jetpack_tui", "mcp", "--agent", "a", "--db",
                             str(folder / "x.db")], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert broken.returncode == 2 and str(folder / "x.db") in broken.stderr and "Traceback" not in broken.stderr
    with create_local_data_layer(db, read_only=True) as dl:
        assert dl.agents.find("a") is None  # nothing was registered
