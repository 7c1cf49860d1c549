"""Many more SIGKILL trials than the suite runs (tests/robustness/test_kill_trials.py).

    python bench/faults/kill_trials.py [--trials 1000] [--window 0.05]

Same zygote, workloads and checks as the test; prints per workload how many
trials ran, how many were cut short by the kill, the trial rate and any
failure (exit code 1 when one failed).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pytest  # noqa: E402

from robustness import test_kill_trials as kt  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=1000, help="per workload")
    parser.add_argument("--window", type=float, default=0.05, help="longest delay before the kill (s)")
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        factory = type("F", (), {"mktemp": lambda self, name: Path(tempfile.mkdtemp(dir=root, prefix=name))})()
        templates = kt.templates.__wrapped__(factory)
        zygote = kt.Zygote()
        monkeypatch = pytest.MonkeyPatch()
        try:
            for workload in kt.TRIALS:
                rng = random.Random(f"bench-{workload}")
                window = args.window
                if workload == "migrate":
                    t0 = time.monotonic()
                    kt.trial(zygote, workload, templates[workload], root / f"{workload}-calibrate", 0, None)
                    window = time.monotonic() - t0
                started, cut, failed = time.monotonic(), 0, 0
                for n in range(args.trials):
                    path, lines, status = kt.trial(zygote, workload, templates[workload], root / f"{workload}-{n}",
                                                   n + 1, rng.uniform(0, window))
                    try:
                        if workload == "claims":
                            kt.check_claims(path, lines, monkeypatch)
                            cut += os.WIFSIGNALED(status)
                        elif workload == "broadcasts":
                            kt.check_broadcasts(path, lines)
                            cut += os.WIFSIGNALED(status)
                        else:
                            cut += kt.check_migration(path, lines)
                    except AssertionError as error:
                        failed += 1
                        print(f"FAIL {workload} trial {n}: {error}")
                    finally:
                        monkeypatch.undo()
                    for leftover in Path(path).parent.iterdir():
                        leftover.unlink()
                took = time.monotonic() - started
                print(f"{workload:10s} trials {args.trials:5d}  cut short {cut:5d}  failed {failed:3d}"
                      f"  {args.trials / took:6.1f} trials/s")
                failures += failed
        finally:
            zygote.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
