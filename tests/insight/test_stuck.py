"""Healthy-looking work that can never run (issue 12, hole 6): every reason,
written the way other clients write it (stdlib sqlite3 in another process)."""

from __future__ import annotations

import time

import pytest

from jetpack_tui.data.insight import Insight
from jetpack_tui.data.insight.stuck import CODES, LABELS, find_stuck

DAY = 86_400


@pytest.fixture
def stuck_swarm(dl, foreign_sql):
    now = time.time()
    dl.agents.register("ada", skills=["python"])
    dl.agents.register("bob", skills=["Rust"])
    dl.agents.register("old", skills=["fortran"])
    dl.agents.register("ghoul", skills=["python"])
    dl.tasks.create("fine", id="fine", required_skills=["python"])
    dl.tasks.create("cobol", id="cobol", required_skills=["cobol"])
    dl.tasks.create("both", id="both", required_skills=["python", "rust"])
    dl.tasks.create("fortran", id="fortran", required_skills=["fortran"])
    dl.tasks.create("gone", id="gone")
    dl.tasks.create("after gone", id="after-gone", dependencies=["gone"])
    dl.tasks.create("waits on missing", id="missing", dependencies=["ghost"])
    dl.tasks.create("p", id="p")
    dl.tasks.create("q", id="q", dependencies=["p"])
    dl.tasks.create("after the cycle", id="r", dependencies=["q"])
    dl.tasks.create("far", id="far")
    dl.tasks.create("text time", id="text-time")
    dl.tasks.create("bad skills", id="bad-skills")
    dl.tasks.create("bad deps", id="bad-deps")
    dl.tasks.create("downstream", id="down", dependencies=["cobol"])
    held = dl.tasks.claim("ghoul", "fine")
    dl.tasks.create("leased", id="leased")
    dl.tasks.claim("ada", "leased")
    dl.tasks.cancel("gone", by="operator")
    foreign_sql([
        ("UPDATE agents SET heartbeat_at = ?, last_heartbeat = NULL WHERE id = 'old'", (now - 3 * DAY,)),
        ("UPDATE agents SET heartbeat_at = ? WHERE id = 'ghoul'", (now + 30 * DAY,)),
        ("UPDATE tasks SET dependencies = '[\"q\"]' WHERE id = 'p'", ()),
        ("UPDATE tasks SET available_at = ? WHERE id = 'far'", (now + 10 * DAY,)),
        ("UPDATE tasks SET available_at = 'tomorrow' WHERE id = 'text-time'", ()),
        ("UPDATE tasks SET required_skills = 'python, rust' WHERE id = 'bad-skills'", ()),
        ("UPDATE tasks SET dependencies = '{not json' WHERE id = 'bad-deps'", ()),
        ("UPDATE tasks SET lease_expires_at = ? WHERE id = 'leased'", (now + 400 * DAY,)),
    ])
    assert held.id == "fine"
    return dl


def codes(report) -> dict[str, list[str]]:
    return {task: sorted(r.code for r in reasons) for task, reasons in report.reasons.items()}


def test_every_reason_is_found_and_named(stuck_swarm):
    report = Insight(stuck_swarm).stuck()
    assert codes(report) == {
        "cobol": ["skills_unregistered"],
        "both": ["skills_unregistered"],
        "fortran": ["skills_no_live_agent"],
        "after-gone": ["dependency_dead"],
        "missing": ["dependency_missing"],
        "p": ["dependency_cycle"],
        "q": ["dependency_cycle"],
        "r": ["upstream_stuck"],
        "far": ["available_far_future"],
        "text-time": ["available_unreadable"],
        "bad-skills": ["skills_unreadable"],
        "bad-deps": ["dependencies_unreadable"],
        "down": ["upstream_stuck"],
        "fine": ["owner_immortal"],
        "leased": ["lease_absurd"],
    }
    messages = {task: reasons[0].message for task, reasons in report.reasons.items()}
    assert messages["cobol"] == "no registered agent has cobol"
    assert messages["both"] == "no registered agent has all of python + rust"
    assert messages["r"] == "waits on q, which is stuck"
    assert report.cycles == [["p", "q"]]
    assert [(a.agent_id, a.code) for a in report.agents] == [("ghoul", "heartbeat_future")]
    assert report.is_stuck("p") and not report.is_stuck("fine") and not report.is_stuck("leased")
    assert set(report.stuck_ids) == set(codes(report)) - {"fine", "leased"}
    assert set(LABELS) == set(CODES)


def test_stuck_tasks_are_shown_as_stuck_next_to_ready_and_blocked(stuck_swarm):
    analysis = Insight(stuck_swarm).graph()
    assert analysis.state_of("cobol") == "stuck" and analysis.state_of("r") == "stuck"
    assert analysis.state_of("fine") == "claimed"
    assert all(step.id not in analysis.stuck.stuck_ids for step in analysis.critical_path)


def test_a_healthy_swarm_has_no_reasons(dl):
    dl.agents.register("ada", skills=["python"])
    dl.tasks.create("a", id="a", required_skills=["PYTHON"])
    dl.tasks.create("b", id="b", dependencies=["a"])
    report = find_stuck(dl)
    assert report.reasons == {} and report.agents == [] and report.tasks_checked == 2
