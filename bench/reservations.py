"""Reservation conflicts at scale, and the adversarial patterns of issue 12.

    python bench/reservations.py [--active 2000] [--foreign 5]

Normal load: ``dl.reservations.conflicts()`` over N active reservations
(cheap shape pre-check, then the exact glob-overlap check) against a
baseline measured in the same run: the exact check on every pair that may
clash by type.  Also one ``reserve()`` against all of them.

Adversarial load (the attack that held the write lock 102 s):

* one overlap check of ``"*a" * 2046`` against a near copy, and of the
  largest patterns a new reservation may have;
* ``conflicts()`` again after other clients wrote 2,000-character patterns
  straight into the table (ratio against the normal ``conflicts()``);
* a strict ``reserve()`` of a capped adversarial pattern against those rows:
  its total time, and how long it held the write lock (the guarded write).
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
from jetpack_tui.data.paths import MAX_PATTERN_CHARS, MAX_WILDCARDS  # noqa: E402
from jetpack_tui.data.reservation_models import types_conflict  # noqa: E402

KINDS = ["edit", "edit", "read", "create", "delete"]
INSERT = ("INSERT INTO file_reservations(id, agent_id, file_path, reservation_type, status, created_epoch)"
          " VALUES (?, ?, ?, ?, 'active', ?)")


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


def adversarial(n: int) -> str:
    """2,000 characters, a star before every letter: each near copy of the
    others, so every cheap pre-check passes."""
    return "*a" * (1000 - n) + "*" + "b" * n


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def normal_load(dl, active: int, rng: random.Random) -> float:
    dl.engine.write(lambda tx: [tx.execute(INSERT, (f"r{i}", f"agent{rng.randrange(200)}", pattern(rng),
                                                    rng.choice(KINDS), time.time())) for i in range(active)])
    pairs, ours = timed(dl.reservations.conflicts)
    held = dl.reservations.list(limit=None)
    naive, baseline = timed(lambda: sum(
        1 for a, b in itertools.combinations(held, 2)
        if a.agent_id != b.agent_id and types_conflict(a.reservation_type, b.reservation_type)
        and overlap_witness(a.file_path, b.file_path) is not None))
    result, one = timed(lambda: dl.reservations.reserve("agentX", "pkg3/**/*.py", "edit"))
    print(f"active reservations       {active}")
    print(f"conflicts()             {ms(ours)}  ({len(pairs)} conflicting pairs)")
    print(f"baseline all pairs      {ms(baseline)}  ({naive} pairs)  ratio {baseline / ours:.1f}x")
    print(f"one reserve()           {ms(one)}  ({len(result.conflicts)} conflicts)")
    return ours


def single_pairs() -> None:
    plain, base = timed(lambda: overlap_witness("pkg3/**/*.py", "pkg3/sub1/*.py"))
    cases = [
        ("'*a'*2046 vs near copy", "*a" * 2046, "*a" * 2045 + "*"),
        ("'*a'*2046 vs '*a'*2045+'*b'", "*a" * 2046, "*a" * 2045 + "*b"),
        ("capped vs capped (no)", "*a" * MAX_WILDCARDS + "x" * (MAX_PATTERN_CHARS - 2 * MAX_WILDCARDS),
         "*a" * (MAX_WILDCARDS - 1) + "*b" + "x" * (MAX_PATTERN_CHARS - 2 * MAX_WILDCARDS)),
        ("700 ** segments vs 700", "/".join(["**", "*a*"] * 700), "/".join(["*a*", "**"] * 700)),
    ]
    print(f"one ordinary pair       {ms(base)}  ({plain})")
    for name, a, b in cases:
        found, took = timed(lambda: overlap_witness(a, b))
        print(f"{name:<24}{ms(took)}  ({'overlap' if found else 'disjoint'}; {took / base:,.0f}x an ordinary pair)")


def adversarial_load(dl, foreign: int, normal_conflicts: float) -> None:
    dl.engine.write(lambda tx: [tx.execute(INSERT, (f"adv{n}", f"foreign{n}", adversarial(n), "edit", time.time()))
                                for n in range(foreign)])
    pairs, took = timed(dl.reservations.conflicts)
    print(f"+{foreign} foreign 2,000-char  conflicts() {ms(took)}  ({len(pairs)} pairs)  "
          f"ratio {took / normal_conflicts:.2f}x the normal conflicts()")
    held_for: list[float] = []
    write = dl.engine.write

    def timed_write(fn, **kw):
        result, took = timed(lambda: write(fn, **kw))
        held_for.append(took)
        return result

    dl.engine.write = timed_write
    try:
        capped = "*a" * (MAX_WILDCARDS - 1) + "*"
        result, total = timed(lambda: dl.reservations.reserve("agentY", capped, "edit"))
    finally:
        dl.engine.write = write
    print(f"reserve() of {capped[:8]}… {ms(total)}  ({len(result.conflicts)} conflicts); "
          f"write lock held {ms(max(held_for)).strip()} ({len(held_for)} guarded write)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--active", type=int, default=2000)
    parser.add_argument("--foreign", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    path = os.path.join(tempfile.mkdtemp(prefix="jetpack-bench-"), "r.db")
    with create_local_data_layer(path) as dl:
        normal = normal_load(dl, args.active, rng)
        single_pairs()
        adversarial_load(dl, args.foreign, normal)


if __name__ == "__main__":
    main()
