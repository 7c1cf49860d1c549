"""``dl.settings``: typed settings stored in the database (``jetpack_meta``),
so every reader of one database — agents, dashboard, ``status``, ``doctor`` —
applies one liveness rule."""

from __future__ import annotations

import json
import math
import time

import pytest

from jetpack_tui.data import InvalidInputError, Liveness, ReadOnlyError, create_local_data_layer
from jetpack_tui.data.settings import LIVENESS, SETTINGS, Setting, non_negative_number
from modes import dl_any, open_replica, turso_primary  # noqa: F401 - fixtures


def test_default_until_set_then_stored_for_every_reader(db_path, dl):
    assert dl.settings.get(LIVENESS) == Liveness()
    assert dl.settings.set(LIVENESS, Liveness(stale_after=5, dead_after=9)) == Liveness(5.0, 9.0)
    with create_local_data_layer(db_path, read_only=True) as other:  # another reader of the same file
        assert other.settings.get(LIVENESS) == Liveness(5.0, 9.0)
        assert other.agents.liveness_rule() == Liveness(5.0, 9.0)
        shown = {s.name: s for s in other.settings.all()}["liveness"]
        assert (shown.value, shown.source, shown.problem) == (Liveness(5.0, 9.0), "database", None)
    dl.settings.reset(LIVENESS)
    assert dl.settings.get(LIVENESS) == Liveness()
    assert {s.name: s.source for s in dl.settings.all()}["liveness"] == "default"


@pytest.mark.parametrize("bad", [
    Liveness(stale_after=10, dead_after=5), Liveness(stale_after=0, dead_after=5),
    Liveness(stale_after=-1, dead_after=5), Liveness(stale_after=1, dead_after=math.inf),
    Liveness(stale_after=math.nan, dead_after=5), {"stale_after": 1, "dead_after": 2}, None, "30",
])
def test_invalid_values_are_refused_and_nothing_is_stored(dl, bad):
    with pytest.raises(InvalidInputError):
        dl.settings.set(LIVENESS, bad)
    assert {s.name: s.source for s in dl.settings.all()}["liveness"] == "default"


@pytest.mark.parametrize("raw", ["{broken", '{"stale_after": 50, "dead_after": 10}', '"fast"', "[]",
                                 '{"stale_after": "x", "dead_after": 10}', "\x1b[31mfast"])
def test_a_foreign_unreadable_value_falls_back_to_the_default_and_says_why(dl, foreign_sql, raw):
    foreign_sql([("INSERT INTO jetpack_meta(key, value) VALUES ('setting.liveness', ?)", (raw,))])
    assert dl.settings.get(LIVENESS) == Liveness()
    shown = {s.name: s for s in dl.settings.all()}["liveness"]
    assert shown.source == "default" and shown.problem and shown.raw == raw
    dl.agents.register("a")
    assert dl.agents.get("a").liveness == "alive"  # readers keep working


def test_a_read_only_layer_refuses_to_change_settings(db_path, dl):
    dl.close()
    with create_local_data_layer(db_path, read_only=True) as ro:
        with pytest.raises(ReadOnlyError):
            ro.settings.set(LIVENESS, Liveness(1, 2))
        with pytest.raises(ReadOnlyError):
            ro.settings.reset(LIVENESS)


def test_agents_apply_the_stored_rule_unless_this_layer_overrides_it(db_path, dl):
    dl.settings.set(LIVENESS, Liveness(stale_after=0.05, dead_after=0.15))
    dl.agents.register("a")
    time.sleep(0.08)
    assert dl.agents.get("a").liveness == "stale"
    with create_local_data_layer(db_path, liveness=Liveness(30, 120)) as overriding:
        assert overriding.agents.get("a").liveness == "alive"
        assert overriding.agents.liveness_rule() == Liveness(30, 120)
    time.sleep(0.1)
    assert [a.liveness for a in dl.agents.list()] == ["dead"]
    assert dl.agents.liveness_counts()["dead"] == 1
    dl.settings.set(LIVENESS, Liveness(60, 120))  # a change applies to the next read, no reopening
    assert dl.agents.get("a").liveness == "alive"


def test_adding_a_setting_is_one_declaration(dl):
    aging = Setting("test.aging_per_minute", 0.0, decode=non_negative_number, encode=float,
                    help="priority points a waiting task gains per minute")
    assert SETTINGS["test.aging_per_minute"] is aging
    assert dl.settings.get(aging) == 0.0
    dl.settings.set(aging, 2.5)
    assert dl.settings.get(aging) == 2.5
    assert json.loads(dl.engine.value("SELECT value FROM jetpack_meta WHERE key = ?", (aging.key,))) == 2.5
    with pytest.raises(InvalidInputError):
        dl.settings.set(aging, -1)
    with pytest.raises(ValueError):
        Setting("test.aging_per_minute", 1.0, decode=non_negative_number, encode=float)  # one name, one setting


def test_settings_and_stop_in_both_storage_modes(dl_any):  # noqa: F811
    dl_any.settings.set(LIVENESS, Liveness(5, 9))
    assert dl_any.settings.get(LIVENESS) == Liveness(5.0, 9.0) == dl_any.agents.liveness_rule()
    dl_any.agents.register("a")
    dl_any.tasks.create("x", id="x")
    dl_any.tasks.claim("a", "x")
    assert [t.id for t in dl_any.agents.stop("a").tasks] == ["x"]
    assert dl_any.agents.get("a").liveness == "stopped" and dl_any.tasks.get("x").status == "pending"
    dl_any.settings.reset(LIVENESS)
    assert dl_any.settings.get(LIVENESS) == Liveness()


def test_another_replica_applies_the_rule_one_stored(turso_primary, tmp_path):  # noqa: F811
    with open_replica(turso_primary, tmp_path, "one") as one, open_replica(turso_primary, tmp_path, "two") as two:
        one.settings.set(LIVENESS, Liveness(5, 9))
        two.sync()
        assert two.agents.liveness_rule() == Liveness(5.0, 9.0)
