"""Mail, reservations and memories: the same contract in both modes.

As in ``test_contract_modes``, ``dl`` is overridden by the two-mode fixture
and the existing contract tests are imported, so each runs against a local
libSQL file and against a Turso replica of a real ``tursodb`` primary.

Not re-run here (they stay local-only, each for a reason):

* ``test_messages.test_foreign_rows_are_shown_never_raised`` and
  ``test_reservations.test_foreign_rows_are_flagged_never_raised``: they end
  by opening a second DataLayer on the local file (``db_path``);
* ``test_memories``: ``test_broken_rows_are_flagged_never_raised``,
  ``test_index_follows_other_processes_inserts_updates_and_deletes`` and
  ``test_keyword_index_follows_content_changes_and_migrates_old_rows`` write
  the local file from another process with stdlib ``sqlite3`` (the last one
  also checks FTS5 and its migration); ``test_configured_embedder_…`` and
  ``test_task_context_reports_gaps_…`` open their own local layer with an
  embedder; ``test_approximate_first_pass_keeps_recall_and_filters`` stores
  600 memories one by one (~30 s through the primary) to test the sketch
  index, which only ever reads through the engine;
* ``test_memories`` tests taking ``dl_any`` already run in both modes there;
* the pure functions of ``test_reservations`` and
  ``test_strict_reservations`` (processes racing on one local file); the
  race through the primary is below.

Added here: keyword search without FTS5 (Turso's scan) finds what FTS5 finds,
accents and case folded, and ranks a corpus like FTS5 does; strict
reservations raced by processes with their own replicas have one winner.
"""

from __future__ import annotations

import json
import multiprocessing
import queue

import numpy as np
import pytest

from modes import TOKEN, dl_any, open_replica, turso_primary  # noqa: F401 - fixtures
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.keyword_search import PRUNE_FROM, SAMPLE
from test_messages import (  # noqa: F401 - collected again with this module's dl
    test_ack_only_by_a_recipient_idempotent_and_implies_read,
    test_broadcast_from_an_unregistered_sender_reaches_everyone,
    test_broadcast_reaches_every_registered_agent_but_the_sender,
    test_deregistering_an_agent_keeps_its_mail,
    test_for_task_list_and_paging,
    test_free_form_types_and_unregistered_parties_are_allowed,
    test_invalid_mail_is_refused_and_nothing_is_written,
    test_reading_a_broadcast_is_per_recipient,
    test_receive_is_oldest_first_with_since_and_limit,
    test_repeated_read_and_ack_do_not_touch_the_change_feed,
    test_reply_carries_the_thread_and_thread_lists_in_order,
    test_reply_to_an_unknown_thread_is_refused,
    test_send_starts_a_thread_and_keeps_the_payload,
    test_thread_type_filter_takes_a_family,
    test_threads_by_newest_activity_with_counts,
)
from test_reservations import (  # noqa: F401
    test_advisory_is_granted_strict_is_refused_with_the_conflicts,
    test_check_reports_conflicts_without_writing,
    test_expire_marks_only_lapsed_reservations,
    test_finishing_or_moving_a_task_releases_its_reservations,
    test_force_release_mails_the_holder_in_the_same_transaction,
    test_invalid_reservations_are_refused,
    test_list_filters,
    test_only_read_with_read_is_compatible,
    test_overlap_between_globs_is_exact,
    test_release_for_task_and_for_agent,
    test_release_is_idempotent_and_checks_the_holder,
    test_released_and_expired_reservations_do_not_count,
    test_reserve_returns_the_reservation_and_no_conflicts,
    test_reserving_again_renews_instead_of_piling_up,
    test_the_same_agent_never_conflicts_with_itself,
)
from test_memories import (  # noqa: F401
    test_hybrid_search_fuses_by_reciprocal_rank,
    test_similar_finds_neighbours_by_the_stored_vector,
    test_store_refuses_bad_input_and_stores_nothing,
    test_vector_formats_agree_with_libsql,
)
from test_strict_reservations import PATTERNS, reserve_in_rounds


@pytest.fixture
def dl(dl_any):  # noqa: F811 - the imported tests ask for ``dl``
    return dl_any


# -- keyword search without FTS5 ------------------------------------------------------------
FOLDED = ["naïve café au lait", "ÉCOLE normale supérieure", "Login FAILS on Ünïcode", "plain ascii login note",
          "emoji 🚀 rocket — launch", "résumé parsing", "diff of two files", "한국어 검색", "мой дом ёлка",
          "Η οδός είναι ΚΛΕΙΣΤΗ", "Straße"]


FOUND = {"café": [0], "CAFE": [0], "école": [1], "Ecole": [1], "SUPERIEURE": [1], "ünïcode": [2], "UNICODE": [2],
         "login": [2, 3], "rocket": [4], "resume": [5], "iff": [], "launch—rocket": [4], "한국어": [7], "МОЙ": [8],
         "ёлка": [8], "οδός": [9], "είναι": [9], "straße": [10]}


def test_keyword_search_folds_case_and_accents(dl):
    """SQL's lower() folds ASCII only: Turso's scan must still find these;
    FTS5 must get words it folds as it folded the text (not our NFKD fold)."""
    assert dl.memories.has_keyword_index is (dl.mode == "local")
    ids = [dl.memories.store(text).id for text in FOLDED]
    found = {}
    for query in FOUND:
        hits = dl.memories.search(query)
        assert all(h.keyword_score > 0 for h in hits)
        found[query] = sorted(ids.index(h.memory.id) for h in hits)
    assert found == FOUND


def _corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Zipf-distributed made-up words, some accented, a third with an em dash."""
    rng = np.random.default_rng(seed)
    consonants, vowels = list("bcdfghklmnprstvz"), list("aeiou")
    vocab = sorted({"".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(int(rng.integers(1, 4))))
                    for _ in range(900)})
    rng.shuffle(vocab)
    weights = 1 / np.arange(1, len(vocab) + 1) ** 1.07
    weights /= weights.sum()
    accented = {w: w.replace("e", "é").replace("u", "Ü") for w in vocab[100:160]}
    docs = []
    for _ in range(n):
        words = [accented.get(w, w) for w in rng.choice(vocab, size=int(rng.integers(6, 40)), p=weights)]
        if rng.random() < 0.3:
            words.insert(int(rng.integers(0, len(words))), "—")
        docs.append(" ".join(words).capitalize())
    queries = [" ".join(rng.choice(vocab[:400], size=int(rng.integers(1, 4)))) for _ in range(40)]
    return docs, queries


def test_turso_scan_ranks_like_local_fts5(turso_primary, tmp_path):  # noqa: F811
    """The same memories, searched in both modes, give (nearly) the same top 10.

    Big enough that common words are dropped and the sample is a sample; the
    modes may differ only by estimates (average length from the sample).
    """
    docs, queries = _corpus(max(PRUNE_FROM, SAMPLE) + 500, seed=4)
    rows = json.dumps([[f"mem-{i:05d}", text] for i, text in enumerate(docs)])
    insert = ("INSERT INTO memories(id, type, content, importance, created_at)"
              " SELECT value->>0, 'fact', value->>1, 0.5, '2026-01-01 00:00:00' FROM json_each(?)")
    with create_local_data_layer(str(tmp_path / "local.db")) as local, open_replica(turso_primary, tmp_path) as turso:
        assert (local.memories.has_keyword_index, turso.memories.has_keyword_index) == (True, False)
        for layer in (local, turso):
            layer.engine.write(lambda tx: tx.execute(insert, (rows,)))
        overlaps, firsts, informative = [], 0, 0
        for query in queries + ["cafe"]:
            expected = local.memories.search(query, k=10)
            got = [h.memory.id for h in turso.memories.search(query, k=10)]
            if not expected or expected[0].keyword_score < 0.01:  # only very common words: ~0 for FTS5 too
                continue
            informative += 1
            overlaps.append(len({h.memory.id for h in expected} & set(got)) / len(expected))
            firsts += got[:1] == [expected[0].memory.id]
    assert informative >= 30
    assert sum(overlaps) / len(overlaps) >= 0.95 and firsts >= 0.9 * informative, (overlaps, firsts)


# -- strict reservations decided by the primary ----------------------------------------------
ROUNDS = 6
WORKERS = 3


def race_on_replica(url: str, replica: str, worker: int, barrier, results) -> None:
    from jetpack_tui.data.turso import create_turso_data_layer

    with create_turso_data_layer(url, TOKEN, replica_path=replica, sync_interval=None, busy_deadline=60) as dl:
        results.put((worker, reserve_in_rounds(dl, worker, ROUNDS, barrier)))


def test_strict_reservations_raced_through_the_primary_have_one_winner(turso_primary, tmp_path):  # noqa: F811
    """Processes with their own replicas race for overlapping globs: the check
    and the insert run in one transaction on the primary, so one wins."""
    with open_replica(turso_primary, tmp_path, "setup"):
        pass  # migrates the primary before the race
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    workers = [ctx.Process(target=race_on_replica,
                           args=(turso_primary.url, str(tmp_path / f"w{w}" / "local.db"), w, barrier, results))
               for w in range(WORKERS)]
    for proc in workers:
        proc.start()
    outcomes = {}
    while len(outcomes) < WORKERS:
        try:
            worker, rounds = results.get(timeout=1)
            outcomes[worker] = rounds
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in workers):
                barrier.abort()
                raise AssertionError(f"a worker died: {[p.exitcode for p in workers]}") from None
    for proc in workers:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    winners: dict[int, list[int]] = {n: [] for n in range(ROUNDS)}
    for worker, rounds in outcomes.items():
        for n, outcome in rounds:
            assert outcome == "won" or outcome.startswith("lost to "), outcome
            if outcome == "won":
                winners[n].append(worker)
    assert all(len(w) == 1 for w in winners.values()), winners
    with open_replica(turso_primary, tmp_path, "check") as dl:
        held = dl.reservations.list()
        assert sorted(r.file_path for r in held) == sorted(PATTERNS[w].format(n=n) for n, [w] in winners.items())
        assert dl.reservations.conflicts() == []
