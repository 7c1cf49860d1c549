"""One connection, many threads: the engine's lock keeps calls one at a time.

Work runs inline on the calling thread (no hand-off), so these tests pin
what the lock must guarantee: a transaction is never interleaved with
another thread's statements, nested calls join the open transaction, and a
swarm of threads sharing one DataLayer never double-claims or errors.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from jetpack_tui.data import JetpackError, create_local_data_layer


def test_another_thread_never_sees_a_transaction_half_done(tmp_path):
    with create_local_data_layer(tmp_path / "j.db") as dl:
        first_written, seen = threading.Event(), []

        def two_inserts(tx):
            tx.execute("INSERT INTO jetpack_meta(key, value) VALUES ('a', '1')")
            first_written.set()
            # Give the reader every chance to run now if the lock let it.
            threading.Event().wait(0.2)
            tx.execute("INSERT INTO jetpack_meta(key, value) VALUES ('b', '2')")

        def reader():
            first_written.wait(5)
            seen.append(dl.engine.value("SELECT count(*) FROM jetpack_meta WHERE key IN ('a', 'b')"))

        thread = threading.Thread(target=reader)
        thread.start()
        dl.engine.write(two_inserts)
        thread.join(5)
        # On the same connection an interleaved read would see the
        # uncommitted first row (1); the lock makes it wait for both.
        assert seen == [2]


def test_nested_write_joins_the_open_transaction_on_the_same_thread(tmp_path):
    with create_local_data_layer(tmp_path / "j.db") as dl:
        def outer(tx):
            tx.execute("INSERT INTO jetpack_meta(key, value) VALUES ('outer', '1')")
            dl.engine.write(lambda inner: inner.execute("INSERT INTO jetpack_meta(key, value) VALUES ('inner', '1')"))
            raise RuntimeError("roll both back")

        with pytest.raises(JetpackError):
            dl.engine.write(outer)
        assert dl.engine.value("SELECT count(*) FROM jetpack_meta WHERE key IN ('outer', 'inner')") == 0


def test_threads_sharing_one_data_layer_claim_each_task_once(tmp_path):
    with create_local_data_layer(tmp_path / "j.db") as dl:
        for n in range(300):
            dl.tasks.create(f"task {n}", id=f"t{n:03d}")
        claimed, errors = [], []

        def worker(name):
            dl.agents.register(name)
            try:
                while (task := dl.tasks.claim(name)) is not None:
                    claimed.append(task.id)
                    dl.tasks.list(claimed_by=name, limit=5)  # reads interleave with writes
                    dl.tasks.complete(task.id, name, task.claim_token)
            except BaseException as error:  # noqa: BLE001 - any escape is the failure
                errors.append(repr(error))

        threads = [threading.Thread(target=worker, args=(f"agent-{n}",)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sorted(Counter(claimed)) == [f"t{n:03d}" for n in range(300)]
        assert set(Counter(claimed).values()) == {1}
        assert dl.tasks.count(status="completed") == 300


def test_single_thread_promise_is_checked(tmp_path):
    with create_local_data_layer(tmp_path / "j.db", single_thread=True) as dl:
        refused = []

        def other():
            try:
                dl.tasks.count()
            except JetpackError as error:
                refused.append(str(error))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(5)
        assert refused and "single_thread=True" in refused[0]
        assert dl.tasks.count() == 0
