"""Insight is read-only SQL: the same answers on a local file and on a Turso
replica (a real tursodb sync server on loopback)."""

from __future__ import annotations

import time

from modes import dl_any  # noqa: F401 - fixture

from jetpack_tui.data.insight import Insight


def test_graph_stuck_history_and_trends_in_both_modes(dl_any):  # noqa: F811
    dl = dl_any
    dl.agents.register("ada", skills=["python"])
    dl.tasks.create("first", id="first", required_skills=["python"])
    dl.tasks.create("second", id="second", dependencies=["first"])
    dl.tasks.create("nobody can", id="cobol", required_skills=["cobol"])
    time.sleep(0.003)
    before = time.time()
    time.sleep(0.003)
    task = dl.tasks.claim("ada")
    dl.tasks.complete(task.id, "ada", task.claim_token)
    insight = Insight(dl)
    analysis = insight.graph()
    assert [step.id for step in analysis.critical_path] == ["second"]
    assert analysis.state_of("cobol") == "stuck" and analysis.state_of("second") == "ready"
    assert [r.code for r in insight.stuck().reasons_for("cobol")] == ["skills_unregistered"]
    then = insight.state_at(before)
    assert {t.id: (t.status, t.owner) for t in then} == {
        "first": ("pending", None), "second": ("pending", None), "cobol": ("pending", None)}
    assert then.counts == {"pending": 3, "ready": 2, "blocked": 1}
    now = insight.state_at(time.time())
    assert now.get("first").status == "completed" and now.get("first").owner == "ada"
    changes = insight.diff(before, time.time())
    assert changes.by_kind == {"claims": 1, "completions": 1}
    trends = insight.trends("1h")
    assert sum(p.completed for p in trends.points) == 1 and sum(p.created for p in trends.points) == 3
    assert insight.neighbourhood("second", analysis).edges == [("first", "second")]
