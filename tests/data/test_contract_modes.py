"""The same contract in both modes: local libSQL file and Turso replica.

``dl`` is overridden here by the two-mode fixture, and the existing contract
tests that do not need a local file (no foreign ``sqlite3`` writer, no
timing of hundreds of writes) are imported so they run in both modes too:
one contract, two backends, no copies.
"""

from __future__ import annotations

import time

import pytest

from modes import dl_any  # noqa: F401 - fixture
from jetpack_tui.data import ConflictError, DataLayer, NotFoundError, StaleLeaseError
from test_agents_leases import (  # noqa: F401 - collected again with this module's dl
    test_deregister_leaves_nothing_orphaned,
    test_expired_lease_can_be_taken_over,
    test_leases_are_exclusive_and_fenced,
    test_register_updates_existing,
)
from test_changes import (  # noqa: F401
    test_first_call_reloads_and_an_idle_feed_is_empty,
    test_own_writes_insert_update_and_collapse,
)
import test_task_routes as routes
from test_task_routes import (  # noqa: F401
    test_a_row_with_a_null_id_is_listed_by_every_route,
    test_counts_with_a_text_match_the_plain_count,
)
from test_tasks import (  # noqa: F401
    test_children_and_parent,
    test_claim_order_priority_then_oldest,
    test_claim_respects_skills_case_insensitively,
    test_create_defaults_and_validation,
    test_dependency_cycles_are_refused,
    test_expired_claim_on_last_attempt_fails,
    test_lease_token_fences_stale_workers,
    test_operator_actions_with_expected_version,
    test_ready_blocked_and_blockers,
    test_retry_cancel_priority_and_claim_for,
    test_start_moves_to_in_progress,
    test_update_fields_and_cas,
)


@pytest.fixture
def dl(dl_any):  # noqa: F811 - the imported tests ask for ``dl``
    return dl_any


def test_every_route_gives_the_plain_page_in_both_modes(dl):
    """The bounded routes' SQL (slices, windows, unions) in both dialects: one
    offset and limit (a page deeper than the first, kept short), 40 rows a slice."""
    routes.check_every_route(dl, routes.SLICE, offsets=(37,), limits=(5,))


def test_both_modes_implement_the_protocol(dl):
    assert isinstance(dl, DataLayer)
    assert dl.mode in ("local", "turso") and not dl.read_only
    assert dl.schema_version() >= 2


def test_claim_complete_and_audit(dl):
    dl.agents.register("a1", skills=["python"])
    dl.tasks.create("parse", id="t1", required_skills=["Python"])
    claimed = dl.tasks.claim("a1")
    assert (claimed.id, claimed.status, claimed.claimed_by, claimed.claim_token) == ("t1", "claimed", "a1", 1)
    assert dl.tasks.claim("a1") is None
    done = dl.tasks.complete("t1", "a1", claimed.claim_token, result={"ok": True})
    assert done.status == "completed" and done.result == {"ok": True}
    assert [e.action for e in dl.tasks.history("t1")] == ["create", "claim", "complete"]


def test_fail_backs_off_then_reclaim(dl):
    dl.context.retry_base = 60.0  # a back-off no slow round trip can outlast
    dl.tasks.create("flaky", id="f", max_attempts=2)
    task = dl.tasks.claim("a", "f")
    after = dl.tasks.fail("f", "a", task.claim_token, "boom")
    assert after.status == "pending" and after.available_at > time.time() - 1
    with pytest.raises(ConflictError, match="backing off"):
        dl.tasks.claim("a", "f")  # an agent's claim by id respects the back-off
    again = dl.tasks.claim("a", "f", ttl=0.01, by="operator")  # an operator may override it
    time.sleep(0.05)  # the lease running out is what is under test
    [reclaimed] = dl.tasks.reclaim_expired(by="janitor")
    assert reclaimed.status == "failed" and reclaimed.claim_token == again.claim_token


def test_operator_cas_conflict_keeps_the_newer_state(dl):
    dl.tasks.create("x", id="x")
    seen = dl.tasks.get("x")
    claimed = dl.tasks.claim("a", "x")
    with pytest.raises(ConflictError) as info:
        dl.tasks.cancel("x", by="op", expected_version=seen.version)
    assert info.value.current.claimed_by == "a"
    assert dl.tasks.get("x").status == "claimed"
    with pytest.raises(StaleLeaseError):
        dl.tasks.complete("x", "a", claimed.claim_token + 1)


def test_heartbeat_and_missing_agent(dl):
    dl.agents.register("a", skills=["go"])
    beat = dl.agents.heartbeat("a", status="working", current_task="t9")
    assert beat.status == "working" and beat.current_task == "t9" and beat.liveness == "alive"
    with pytest.raises(NotFoundError):
        dl.agents.heartbeat("ghost")


def test_changes_since_reports_every_table_written(dl):
    cursor = dl.change_cursor()
    dl.agents.register("a")
    dl.tasks.create("x", id="x")
    dl.leases.acquire("deploy", "a", 60)
    changes, after = dl.changes_since(cursor)
    assert changes.ids("agents") == {"a"} and changes.ids("tasks") == {"x"}
    assert changes.ids("leases") == {"deploy"} and after == dl.change_cursor()
    quiet, same = dl.changes_since(after)
    assert not quiet and same == after
