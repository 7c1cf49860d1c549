"""A broadcast is one transaction: SIGKILL in the middle leaves all or nothing.

A child OS process broadcasts to 200 registered agents in a loop.  It traces
its own SQL with a wrapper around ``Tx.execute`` (installed in the child
only) and runs in lock-step with the parent: after each delivery row it
prints ``row`` and waits for the parent's go; before COMMIT it prints
``commit?`` and waits, after it prints ``commit``.  The parent picks a random
point of a random broadcast and SIGKILLs the child there: after the j-th of
the 200 delivery rows (the transaction is open and holds j rows), or just
after letting COMMIT start (racing the commit itself).  After every kill a
fresh DataLayer checks the rows: each broadcast has every recipient (never
some), no delivery row lost its message, a kill inside the transaction left
no trace of that broadcast, and ``PRAGMA integrity_check`` is ok.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys

from jetpack_tui.data import create_local_data_layer

AGENTS = 200
TRIALS = 10
SENDER = "crash-sender"

CHILD = """
import sys
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.engine import LocalTx as Tx

plain = Tx.execute

def step(line):
    print(line, flush=True)
    sys.stdin.readline()  # the parent's go (or its SIGKILL)

def traced(self, sql, params=()):
    commit = sql.strip().upper() == "COMMIT"
    if commit:
        step("commit?")
    result = plain(self, sql, params)
    if sql.startswith("INSERT INTO message_recipients"):
        step("row")
    elif commit:
        print("commit", flush=True)
    return result

Tx.execute = traced
dl = create_local_data_layer(sys.argv[1], busy_deadline=30.0)
n = 0
while True:
    print("begin", flush=True)
    dl.messages.broadcast(sys.argv[2], "operator.pause", {"n": n, "why": "crash test"})
    n += 1
"""


def broadcasts(path: str) -> tuple[list[int], int, str]:
    """([recipients of each broadcast], orphan delivery rows, integrity), via a fresh DataLayer."""
    with create_local_data_layer(path) as dl:
        counts = [row[0] for row in dl.engine.rows(
            "SELECT (SELECT count(*) FROM message_recipients r WHERE r.message_id = m.id)"
            " FROM messages m WHERE m.from_agent = ? AND m.to_agent = '*'", (SENDER,))]
        orphans = dl.engine.value(
            "SELECT count(*) FROM message_recipients r WHERE NOT EXISTS"
            " (SELECT 1 FROM messages m WHERE m.id = r.message_id)")
        return counts, orphans, dl.engine.value("PRAGMA integrity_check")


def run_until_killed(path: str, broadcast: int, point: int) -> int:
    """Start a child and SIGKILL it at ``point`` of its ``broadcast``-th
    broadcast: after delivery row ``point`` (1..200), or just after letting
    COMMIT start (``point`` > 200).  Returns how many broadcasts it saw commit."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, path, SENDER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    begun = rows = committed = 0
    while True:
        line = child.stdout.readline().strip()
        assert line, f"the child stopped on its own: {child.stderr.read()}"
        if line == "begin":
            begun, rows = begun + 1, 0
            assert begun <= broadcast, "the trace never reached the kill point (did the SQL change?)"
        elif line == "commit":
            committed += 1
        elif line in ("row", "commit?"):
            rows += line == "row"
            at_point = begun == broadcast and (rows == point if line == "row" else point > AGENTS)
            if not at_point or line == "commit?":
                child.stdin.write("go\n")
                child.stdin.flush()
            if at_point:
                break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    for stream in (child.stdin, child.stdout, child.stderr):
        try:
            stream.close()
        except BrokenPipeError:  # the child died with our go still unread
            pass
    assert child.returncode == -signal.SIGKILL
    return committed


def test_sigkill_mid_broadcast_leaves_all_or_none(tmp_path):
    path = str(tmp_path / "crash.db")
    with create_local_data_layer(path) as dl:
        for n in range(AGENTS):
            dl.agents.register(f"agent-{n:03d}")
    rng = random.Random(2024)
    before = 0
    points = []
    for _trial in range(TRIALS):
        point = rng.choice([rng.randint(1, AGENTS), AGENTS + 1])
        points.append(point)
        committed = run_until_killed(path, broadcast=rng.randint(1, 3), point=point)
        counts, orphans, integrity = broadcasts(path)
        assert integrity == "ok"
        assert orphans == 0
        assert [n for n in counts if n != AGENTS] == []  # every recipient, never only some
        new = len(counts) - before
        if point <= AGENTS:
            assert new == committed  # killed inside the transaction: no trace of that broadcast
        else:
            assert new in (committed, committed + 1)  # killed racing its COMMIT: all or none
        before = len(counts)
    assert any(p <= AGENTS for p in points) and any(p > AGENTS for p in points)
