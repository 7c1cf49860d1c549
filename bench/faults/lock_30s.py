"""The database locked by another process for 30 s (too slow for the test suite).

    python bench/faults/lock_30s.py [--hold 30]

Another process takes the write lock (``BEGIN EXCLUSIVE``) and holds it for
``--hold`` seconds.  Meanwhile this process:

1. writes with the default ``busy_deadline`` (10 s): the write must report
   waiting (``engine.on_busy``) and fail after ~10 s with StorageBusyError;
2. writes with ``busy_deadline = hold + 15``: the write must wait, report,
   and succeed right after the lock is released;
3. a ticker thread measures the longest stall of this process's other
   threads while the writes wait (the retry sleeps without the GIL), and
   reads go on during the lock (WAL).

Prints the figures and the worst stall against a baseline stall measured in
the same run with no lock held.  Exit code 1 when an expectation fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from jetpack_tui.data import StorageBusyError, create_local_data_layer  # noqa: E402

LOCKER = ("import sqlite3, sys, time\n"
          "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
          "conn.execute('BEGIN EXCLUSIVE')\n"
          "print('locked', flush=True)\n"
          "time.sleep(float(sys.argv[2]))\n"
          "conn.execute('ROLLBACK')\n"
          "print('released', flush=True)\n")


class Ticker:
    """Longest gap between 10 ms ticks of a thread (a GIL hog shows up here)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.wait(0.01):
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.01)
            last = now

    def __enter__(self) -> "Ticker":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed_write(dl, label: str) -> tuple[float, str, list[float]]:
    waits: list[float] = []
    dl.engine.on_busy = waits.append
    started = time.monotonic()
    try:
        dl.tasks.create(label)
        outcome = "ok"
    except StorageBusyError as error:
        outcome = f"StorageBusyError: {error}"
    return time.monotonic() - started, outcome, waits


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hold", type=float, default=30.0)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "jetpack.db")
        with create_local_data_layer(path) as dl:
            dl.tasks.create("seed")
        with Ticker() as idle, create_local_data_layer(path) as dl:
            for n in range(200):
                dl.tasks.create(f"baseline {n}")
        baseline = idle.worst

        for deadline in (10.0, args.hold + 15.0):
            locker = subprocess.Popen([sys.executable, "-c", LOCKER, path, str(args.hold)], stdout=subprocess.PIPE,
                                      text=True)
            assert locker.stdout.readline().strip() == "locked"
            locked_at = time.monotonic()
            with Ticker() as ticker, create_local_data_layer(path, busy_deadline=deadline) as dl:
                reads = dl.tasks.count()
                took, outcome, waits = timed_write(dl, f"deadline {deadline}")
            locker.wait()
            held = time.monotonic() - locked_at
            print(f"busy_deadline {deadline:5.1f} s: write took {took:5.1f} s -> {outcome[:90]}")
            print(f"    on_busy reports: {len(waits)} (first after {waits[0] if waits else float('nan'):.2f} s,"
                  f" last {waits[-1] if waits else float('nan'):.1f} s); reads during the lock: {reads} rows;"
                  f" lock held {held:.1f} s")
            print(f"    worst stall of another thread: {ticker.worst * 1000:.1f} ms"
                  f" (baseline without lock {baseline * 1000:.1f} ms, ratio {ticker.worst / max(baseline, 1e-4):.1f})")
            if not waits:
                failures.append(f"deadline {deadline}: waiting was never reported")
            if deadline < args.hold and not (outcome.startswith("StorageBusyError") and deadline <= took < deadline + 2):
                failures.append(f"deadline {deadline}: expected a clear failure after ~{deadline} s")
            if deadline > args.hold and not (outcome == "ok" and took < args.hold + 2):
                failures.append(f"deadline {deadline}: expected success right after the release")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
