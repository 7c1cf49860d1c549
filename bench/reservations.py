"""Reservation conflicts at scale: ``conflicts()`` over N active reservations.

    python bench/reservations.py [--active 2000]

Prints the time of ``dl.reservations.conflicts()`` (cheap shape pre-check,
then the exact glob-overlap check) against a baseline measured in the same
run: the exact check on every pair of reservations that may clash by type.
Also one ``reserve()`` against all of them.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from jetpack_tui.data import create_local_data_layer  # noqa: E402
from jetpack_tui.data.globs import overlap_witness  # noqa: E402
from jetpack_tui.data.reservation_models import types_conflict  # noqa: E402

KINDS = ["edit", "edit", "read", "create", "delete"]


def pattern(rng: random.Random) -> str:
    k, j, r = rng.randrange(100), rng.randrange(50), rng.random()
    if r < 0.6:
        return f"pkg{k}/mod{j}.py"
    if r < 0.8:
        return f"pkg{k}/sub{j % 5}/*.py"
    if r < 0.95:
        return f"pkg{k}/**/test_*.py"
    if r < 0.99:
        return f"docs/{k}/*.md"
    return "**/*.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--active", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    path = os.path.join(tempfile.mkdtemp(prefix="jetpack-bench-"), "r.db")
    with create_local_data_layer(path) as dl:
        def fill(tx):
            for i in range(args.active):
                tx.execute(
                    "INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status, created_epoch)"
                    " VALUES (?, ?, ?, ?, 'active', ?)",
                    (f"r{i}", f"agent{rng.randrange(200)}", pattern(rng), rng.choice(KINDS), time.time()))
        dl.engine.write(fill)

        started = time.perf_counter()
        pairs = dl.reservations.conflicts()
        ours = time.perf_counter() - started

        held = dl.reservations.list(limit=None)
        started = time.perf_counter()
        naive = sum(
            1 for a, b in itertools.combinations(held, 2)
            if a.agent_id != b.agent_id and types_conflict(a.reservation_type, b.reservation_type)
            and overlap_witness(a.file_path, b.file_path) is not None
        )
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        result = dl.reservations.reserve("agentX", "pkg3/**/*.py", "edit")
        one = time.perf_counter() - started

    print(f"active reservations     {args.active}")
    print(f"conflicts()             {ours * 1000:8.1f} ms  ({len(pairs)} conflicting pairs)")
    print(f"baseline all pairs      {baseline * 1000:8.1f} ms  ({naive} pairs)  ratio {baseline / ours:.1f}x")
    print(f"one reserve()           {one * 1000:8.1f} ms  ({len(result.conflicts)} conflicts)")


if __name__ == "__main__":
    main()
