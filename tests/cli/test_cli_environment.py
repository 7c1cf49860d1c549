"""The user's environment never makes the CLI print a traceback.

A reader that goes away (``| head -1``), a ``--db`` that is a directory, a
FIFO, ``/proc/self/mem``, a file or folder the user may not touch, a disk
that fills up: every subcommand answers with one line on stderr (or, for a
closed stdout, quietly with status 141 as ``cat`` would), never a traceback.
Every case runs the real CLI in a subprocess.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import stat
import subprocess

import pytest

from jetpack_tui.demo.swarm import pid_gone

#: Every way to run a command on ``--db PATH`` (PATH is appended as --db).
COMMANDS = {
    "status": ("status",),
    "status --json": ("status", "--json"),
    "doctor": ("doctor",),
    "seed --force": ("seed", "--force", "--tasks", "5"),
    "demo --force": ("demo", "--force", "--no-ui", "--duration", "1", "--agents", "1", "--speed", "20"),
    "settings": ("settings",),
    "settings set": ("settings", "set", "liveness", '{"stale_after": 5, "dead_after": 9}'),
    "dashboard": (),
}


def _one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("jetpack-tui demo: ")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("jetpack-tui: "), lines
    return lines[0]


# -- a reader that goes away ----------------------------------------------------------------------

def _into_a_closed_pipe(cli, *args) -> subprocess.CompletedProcess:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte, as after `| head -0`
    try:
        return cli(*args, stdout=write_end)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ("status",), ("status", "--json"), ("doctor",), ("doctor", "--json"), ("settings", "--json"),
], ids=" ".join)
def test_a_closed_stdout_ends_quietly_with_141(cli, seeded_db, args):
    done = _into_a_closed_pipe(cli, "--db", seeded_db, *args)
    assert done.stderr == ""
    assert done.returncode == 141  # 128 + SIGPIPE, as a shell reports `cat` stopped by SIGPIPE


@pytest.mark.parametrize("args", [("--help",), ("status", "--help"), ("--version",)], ids=" ".join)
def test_help_into_a_closed_stdout_is_quiet(cli, args):
    """argparse itself ignores a failed write of help (exit 0); quiet either way."""
    done = _into_a_closed_pipe(cli, *args)
    assert (done.stderr, done.returncode in (0, 141)) == ("", True)


def test_a_closed_stdout_after_seeding_keeps_the_database(cli, tmp_path):
    done = _into_a_closed_pipe(cli, "seed", "--db", "new.db", "--tasks", "5", "--json")
    assert (done.returncode, done.stderr) == (141, "")
    assert (tmp_path / "new.db").stat().st_size > 0


def test_a_closed_stdout_stops_the_demo_quietly_and_its_swarm_too(cli, tmp_path):
    done = _into_a_closed_pipe(cli, "demo", "--no-ui", "--duration", "30", "--agents", "1", "--speed", "20",
                               "--pid-file", "pids.json")
    assert (done.returncode, done.stderr.splitlines()[1:]) == (141, []), done.stderr  # only the start line
    children = json.loads((tmp_path / "pids.json").read_text())["children"]
    assert children and all(pid_gone(pid) for pid in children)


# -- files that are not databases ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["proc-mem", "directory", "fifo"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_path_that_is_not_a_database_file_is_one_line(cli, tmp_path, kind, command):
    if kind == "proc-mem":
        path = "/proc/self/mem"
    elif kind == "directory":
        path = str(tmp_path / "folder")
        os.mkdir(path)
    else:
        path = str(tmp_path / "fifo")
        os.mkfifo(path)
    done = cli("--db", path, *COMMANDS[command], timeout=60)
    line = _one_line_error(done)
    if command != "dashboard":  # the store-opening message of the dashboard is another helper's
        assert path in line, line
    if kind == "directory":
        assert os.path.isdir(path) and os.listdir(path) == []
    if kind == "fifo":
        assert stat.S_ISFIFO(os.stat(path).st_mode)


# -- permission denied -------------------------------------------------------------------------------

def _without_root_file_override() -> None:
    """In the child, before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    from the capability bounding set, so root obeys file modes like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def locked_place(tmp_path):
    """(folder, options): a database file the CLI may not read and a folder it
    may not write (as root, the child runs without root's override)."""
    with open(tmp_path / "secret.db", "wb") as handle:
        handle.write(b"SQLite format 3\x00" + bytes(4080))
    os.chmod(tmp_path / "secret.db", 0o000)
    os.mkdir(tmp_path / "locked")
    os.chmod(tmp_path / "locked", 0o555)
    yield tmp_path, ({"preexec_fn": _without_root_file_override} if os.geteuid() == 0 else {})
    os.chmod(tmp_path / "secret.db", 0o600)
    os.chmod(tmp_path / "locked", 0o755)


@pytest.mark.parametrize("command", ["status", "status --json", "doctor", "settings", "dashboard"])
def test_an_unreadable_file_is_one_line(cli, locked_place, command):
    folder, options = locked_place
    line = _one_line_error(cli("--db", "secret.db", *COMMANDS[command], **options))
    assert "ermission denied" in line or "not readable" in line, line


@pytest.mark.parametrize("command", ["seed --force", "demo --force", "settings set", "dashboard"])
def test_an_unwritable_folder_is_one_line(cli, locked_place, command):
    folder, options = locked_place
    _one_line_error(cli("--db", "locked/new.db", *COMMANDS[command], **options))
    assert os.listdir(os.path.join(folder, "locked")) == []


def test_demo_names_the_file_it_could_not_write(cli, tmp_path):
    line = _one_line_error(cli("demo", "--no-ui", "--duration", "1", "--agents", "1",
                               "--pid-file", "no/such/folder/pids.json"))
    assert "no/such/folder/pids.json" in line and "demo.db" not in line, line


# -- a disk that fills up ----------------------------------------------------------------------------

def _small_disk(limit: int):
    """A file size limit for the child: writes past it fail with EFBIG, as on a full disk
    (Python ignores SIGXFSZ, so the write returns an error instead of killing it)."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("command", ["seed", "demo", "settings set"])
def test_a_full_disk_is_one_line(cli, tmp_path, command):
    args = {"seed": ("seed", "--tasks", "3000"),
            "demo": ("demo", "--no-ui", "--duration", "2", "--agents", "2", "--speed", "20"),
            "settings set": COMMANDS["settings set"]}[command]
    if command == "settings set":  # a database that exists, on a disk with no room left to change it
        assert cli("seed", "--db", "full.db", "--tasks", "5").returncode == 0
        limit = 1_000  # not even the write-ahead log's first page fits
    else:
        limit = 40_000
    _one_line_error(cli("--db", "full.db", *args, preexec_fn=_small_disk(limit)))
