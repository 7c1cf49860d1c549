"""Operator actions that must not act on a stale view, in both modes: the
check (did the agent / reservation change since the operator saw it?) and the
act happen in ONE write transaction, so nothing can slip in between."""

from __future__ import annotations

import pytest

from modes import dl_any  # noqa: F401 - fixture
from jetpack_tui.data import ConflictError, NotFoundError


@pytest.fixture
def dl(dl_any):  # noqa: F811
    return dl_any


def _dead_agent_holding(dl):
    dl.agents.register("a")
    dl.tasks.create("one", id="one")
    dl.tasks.create("two", id="two")
    dl.tasks.create("other", id="other")
    dl.tasks.claim("a", "one")
    dl.tasks.claim("a", "two")
    dl.tasks.start("two", "a", dl.tasks.get("two").claim_token)
    dl.agents.register("b")
    dl.tasks.claim("b", "other")
    dl.leases.acquire("deploy", "a", 60)
    dl.reservations.reserve("a", "src/x.py", "edit", task_id="one")
    return dl.agents.get("a")


def test_release_all_returns_everything_in_one_step_and_tells_the_agent(dl):
    seen = _dead_agent_holding(dl)
    before = {t: dl.tasks.get(t).version for t in ("one", "two")}
    report = dl.agents.release_all("a", by="op", seen_heartbeat=seen.last_heartbeat, seen_version=seen.version)
    assert sorted(t.id for t in report.tasks) == ["one", "two"]
    assert (report.reservations, report.leases) == (1, 1)
    assert "2 task(s), 1 reservation(s), 1 lease(s)" in report.describe()
    for task_id in ("one", "two"):
        task = dl.tasks.get(task_id)
        assert (task.status, task.claimed_by, task.version) == ("pending", None, before[task_id] + 1)
        event = dl.tasks.history(task_id)[-1]
        assert (event.actor, event.action, event.to_status) == ("op", "release_all", "pending")
    assert dl.tasks.get("other").claimed_by == "b"  # another agent's work is untouched
    assert dl.leases.get("deploy") is None and dl.leases.inspect("deploy").agent_id is None
    assert dl.reservations.list(agent_id="a") == []
    inbox = dl.messages.receive("a")
    assert [d.message.type for d in inbox] == ["operator.release_all"]
    assert dl.agents.find("a") is not None  # still registered: release is not deregister
    again = dl.agents.release_all("a", by="op")
    assert (again.tasks, again.reservations, again.leases) == ([], 0, 0)


def test_release_all_refused_when_the_agent_heartbeated_or_re_registered(dl):
    seen = _dead_agent_holding(dl)
    dl.agents.heartbeat("a")
    with pytest.raises(ConflictError) as beat:
        dl.agents.release_all("a", by="op", seen_heartbeat=seen.last_heartbeat, seen_version=seen.version)
    assert beat.value.current.id == "a" and beat.value.current.last_heartbeat > seen.last_heartbeat
    dl.agents.register("a")
    with pytest.raises(ConflictError) as again:
        dl.agents.release_all("a", by="op", seen_version=seen.version)
    assert again.value.current.version == seen.version + 1
    assert dl.tasks.get("one").claimed_by == "a"  # nothing was released
    assert dl.leases.get("deploy").agent_id == "a"
    assert len(dl.reservations.list(agent_id="a")) == 1
    assert dl.messages.receive("a") == []
    with pytest.raises(NotFoundError):
        dl.agents.release_all("ghost", by="op")


def test_deregister_guard_refuses_a_changed_agent(dl):
    seen = _dead_agent_holding(dl)
    dl.agents.heartbeat("a")
    with pytest.raises(ConflictError):
        dl.agents.deregister("a", by="op", seen_heartbeat=seen.last_heartbeat)
    with pytest.raises(ConflictError):
        dl.agents.deregister("a", by="op", seen_version=seen.version + 5)
    assert dl.agents.find("a") is not None and dl.tasks.get("one").claimed_by == "a"
    now = dl.agents.get("a")
    released = dl.agents.deregister("a", by="op", seen_heartbeat=now.last_heartbeat, seen_version=now.version)
    assert sorted(t.id for t in released) == ["one", "two"]
    assert dl.agents.find("a") is None


def test_reservation_release_refused_when_renewed_since_seen(dl):
    seen = dl.reservations.reserve("a", "src/x.py", "edit", task_id="t", ttl=60).reservation
    renewed = dl.reservations.reserve("a", "src/x.py", "edit", task_id="t", ttl=600).reservation
    assert renewed.id == seen.id and renewed.expires_at != seen.expires_at
    for act in (lambda e: dl.reservations.release(seen.id, agent_id="a", expected_expires_at=e),
                lambda e: dl.reservations.force_release(seen.id, by="op", expected_expires_at=e)):
        with pytest.raises(ConflictError) as refused:
            act(seen.expires_at)
        assert refused.value.current.expires_at == renewed.expires_at
    assert dl.reservations.get(seen.id).state == "active"
    assert dl.messages.receive("a") == []  # a refused force-release tells nobody
    done = dl.reservations.force_release(seen.id, by="op", expected_expires_at=renewed.expires_at)
    assert done.state == "released"
    assert [d.message.type for d in dl.messages.receive("a")] == ["operator.force_release"]


def test_reservation_release_with_what_was_seen(dl):
    seen = dl.reservations.reserve("a", "src/y.py", "edit", ttl=60).reservation
    with pytest.raises(ConflictError):
        dl.reservations.release(seen.id, agent_id="b", expected_expires_at=seen.expires_at)
    assert dl.reservations.release(seen.id, agent_id="a", expected_expires_at=seen.expires_at).state == "released"
