"""Strict reservations raced by real OS processes: exactly one wins per round.

Each worker process has its own DataLayer (its own connection) and, in every
round, all of them are released by one barrier at the same moment and try to
reserve a different glob that covers the same file.  Each decides against a
snapshot outside the lock; the insert is guarded by "no reservation changed
since", so exactly one may win.
"""

from __future__ import annotations

import multiprocessing
import queue

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.reservation_models import normalise

ROUNDS = 25
#: Every pattern covers r{n}/src/app.py, each spelled differently.
PATTERNS = ("r{n}/src/app.py", "r{n}/src/*.py", "r{n}/**/app.py", "r{n}/src/[a-z]pp.*", "./r{n}//src/app.py")


def reserve_in_rounds(dl, worker: int, rounds: int, barrier) -> list[tuple[int, str]]:
    """Each round, all workers start together and reserve overlapping
    patterns strictly; what happened to this worker in each round.
    (Also the worker body of the Turso race in test_contract_modes_more.)"""
    from jetpack_tui.data.reservation_models import ReservationConflictError

    outcomes = []
    for n in range(rounds):
        barrier.wait(timeout=60)
        try:
            dl.reservations.reserve(f"agent{worker}", PATTERNS[worker].format(n=n), "edit", strict=True)
            outcomes.append((n, "won"))
        except ReservationConflictError as refused:
            outcomes.append((n, f"lost to {len(refused.conflicts)}"))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which fails the test
            outcomes.append((n, f"error {type(error).__name__}: {error}"))
    return outcomes


def race(path: str, worker: int, barrier, results) -> None:
    with create_local_data_layer(path, busy_deadline=30.0) as dl:
        results.put((worker, reserve_in_rounds(dl, worker, ROUNDS, barrier)))


def test_concurrent_strict_reservations_exactly_one_wins(tmp_path):
    path = str(tmp_path / "race.db")
    create_local_data_layer(path).close()  # schema first, so workers only race on reservations
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(PATTERNS)), ctx.Queue()
    workers = [ctx.Process(target=race, args=(path, w, barrier, results)) for w in range(len(PATTERNS))]
    for proc in workers:
        proc.start()
    outcomes = {}
    while len(outcomes) < len(workers):
        try:
            worker, rounds = results.get(timeout=1)
            outcomes[worker] = rounds
        except queue.Empty:
            crashed = [p.exitcode for p in workers if p.exitcode not in (None, 0)]
            if crashed:
                barrier.abort()  # free the others instead of letting them wait out the timeout
                raise AssertionError(f"a worker process died (exit codes {crashed})") from None
    for proc in workers:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    winners_by_round: dict[int, list[int]] = {n: [] for n in range(ROUNDS)}
    for worker, rounds in outcomes.items():
        assert len(rounds) == ROUNDS
        for n, outcome in rounds:
            assert outcome == "won" or outcome.startswith("lost to "), outcome
            if outcome == "won":
                winners_by_round[n].append(worker)
    assert all(len(winners) == 1 for winners in winners_by_round.values()), winners_by_round
    with create_local_data_layer(path) as dl:
        held = dl.reservations.list()
        assert len(held) == ROUNDS
        for n, [winner] in winners_by_round.items():
            stored = normalise(PATTERNS[winner].format(n=n))  # kept in its canonical spelling
            [mine] = [r for r in held if r.file_path == stored]
            assert mine.agent_id == f"agent{winner}"
        assert dl.reservations.conflicts() == []
        assert dl.engine.value("PRAGMA integrity_check") == "ok"
