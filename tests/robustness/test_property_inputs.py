"""Property: any input to the public DataLayer either succeeds — and what was
stored reads back equal — or raises a typed :class:`JetpackError`.  Never a
``ValueError``/``TypeError``/panic from the binding, never silent change.

Inputs are arbitrary text (NUL, lone surrogates, escapes, markup), huge and
negative integers, floats with NaN/inf, arbitrary JSON payloads and vectors.
One database per test function; hypothesis runs many examples against it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jetpack_tui.data import JetpackError, NotFoundError, create_local_data_layer
from jetpack_tui.data.embedders import DIMENSIONS
from jetpack_tui.data.memory_models import MEMORY_TYPES
from jetpack_tui.data.models import PRIORITIES

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Any code point, lone surrogates and NUL included.
ANY_CHAR = st.characters(codec=None, categories=None)
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800", "[bold]x[/]", "[@click=app.quit]q[/]",
                     "\x1b[2J", "\x9b31m", "é" * 3, "*", "**/*", "../../etc/passwd", "%s", "'; DROP TABLE tasks; --"]),
)
HUGE_INT = st.one_of(st.integers(), st.sampled_from([0, -1, 2**31, 2**53, 2**53 + 1, 2**63 - 1, 2**63, -2**63 - 1,
                                                     2**64 + 3, 10**30]))
ANY_FLOAT = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                      st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324]))
NUMBER = st.one_of(HUGE_INT, ANY_FLOAT, st.booleans(), st.none())
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), HUGE_INT, ANY_FLOAT, st.text(ANY_CHAR, max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(ANY_CHAR, max_size=8), inner,
                                                                         max_size=4)),
    max_leaves=12,
)
NAMES = st.lists(TEXT, max_size=4)


@pytest.fixture
def layer(tmp_path):
    dl = create_local_data_layer(str(tmp_path / "prop.db"), lease_ttl=60, retry_base=0.01)
    dl.agents.register("worker", skills=["python"])
    yield dl
    dl.close()


def attempt(fn, *args, **kwargs):
    """``(True, result)`` or ``(False, error)`` for a JetpackError; anything else escapes."""
    try:
        return True, fn(*args, **kwargs)
    except JetpackError as error:
        return False, error


def same_json(stored, given_value) -> bool:
    return stored == json.loads(json.dumps(given_value, ensure_ascii=False))


@SETTINGS
@given(title=TEXT, task_id=st.one_of(st.none(), TEXT), skills=NAMES, description=st.one_of(st.none(), TEXT),
       priority=st.one_of(st.sampled_from(PRIORITIES), TEXT), max_attempts=NUMBER)
def test_task_create_reads_back(layer, title, task_id, skills, description, priority, max_attempts):
    ok, task = attempt(layer.tasks.create, title, id=task_id, required_skills=skills, description=description,
                       priority=priority, max_attempts=max_attempts)
    if not ok:
        return
    back = layer.tasks.get(task.id)
    assert (back.title, back.required_skills, back.description, back.priority, back.max_attempts) == (
        title, skills, description, priority, max_attempts)
    assert back.problems == ()
    assert layer.tasks.list(text=task.id, limit=5, exclude_status=())[0].id in {t.id for t in layer.tasks.list(
        text=task.id, limit=None)}


@SETTINGS
@given(title=TEXT, result=JSON, description=TEXT, new_priority=TEXT)
def test_task_update_and_finish_read_back(layer, title, result, description, new_priority):
    task = layer.tasks.create("property target")
    ok, _ = attempt(layer.tasks.update, task.id, title=title, description=description)
    back = layer.tasks.get(task.id)
    if ok:
        assert (back.title, back.description) == (title, description)
    else:
        assert back.title == "property target"
    attempt(layer.tasks.set_priority, task.id, new_priority, by="op")
    claimed = layer.tasks.claim("worker", task.id)
    ok, _ = attempt(layer.tasks.complete, task.id, "worker", claimed.claim_token, result=result)
    back = layer.tasks.get(task.id)
    if ok:
        assert back.status == "completed" and same_json(back.result, result)
    else:
        assert back.status == "claimed"


@SETTINGS
@given(task_id=TEXT, agent=TEXT, token=NUMBER, ttl=NUMBER, text=st.one_of(st.none(), TEXT), limit=NUMBER,
       offset=NUMBER, order=TEXT)
def test_task_lookups_and_lifecycle_with_garbage(layer, task_id, agent, token, ttl, text, limit, offset, order):
    attempt(layer.tasks.get, task_id)
    attempt(layer.tasks.find, task_id)
    attempt(layer.tasks.blockers, task_id)
    attempt(layer.tasks.history, task_id)
    attempt(layer.tasks.list, text=text, limit=limit, offset=offset)
    attempt(layer.tasks.list, order_by=order)
    attempt(layer.tasks.count, text=text, claimed_by=agent)
    attempt(layer.tasks.claim, agent, ttl=ttl)
    attempt(layer.tasks.claim, agent, task_id, ttl=ttl)
    for verb in (layer.tasks.start, layer.tasks.renew, layer.tasks.complete):
        attempt(verb, task_id, agent, token)
    attempt(layer.tasks.fail, task_id, agent, token, text)
    attempt(layer.tasks.release, task_id, by=agent)
    attempt(layer.tasks.cancel, task_id, by=agent, reason=text)
    attempt(layer.tasks.reassign, task_id, agent, by=agent)
    attempt(layer.tasks.get_many, [task_id, agent])
    attempt(layer.memories.get_task_context, task_id)
    attempt(layer.changes_since, token)


@SETTINGS
@given(agent_id=TEXT, name=st.one_of(st.none(), TEXT), skills=NAMES, status=TEXT)
def test_agent_register_reads_back(layer, agent_id, name, skills, status):
    ok, _ = attempt(layer.agents.register, agent_id, name=name, skills=skills, status=status)
    if ok:
        back = layer.agents.get(agent_id)
        assert (back.id, back.skills, back.status) == (agent_id, skills, status)
        if name is not None:
            assert back.name == name
        assert attempt(layer.agents.heartbeat, agent_id, status=status)[0]
        assert agent_id in {a.id for a in layer.agents.list()}
    attempt(layer.agents.deregister, agent_id)


@SETTINGS
@given(sender=TEXT, to=TEXT, kind=TEXT, payload=JSON, task_id=st.one_of(st.none(), TEXT), since=NUMBER)
def test_message_send_reads_back(layer, sender, to, kind, payload, task_id, since):
    ok, sent = attempt(layer.messages.send, sender, to, kind, payload, task_id=task_id)
    if ok:
        back = layer.messages.get(sent.id)
        assert (back.from_agent, back.to_agent, back.type, back.task_id) == (sender, to, kind, task_id)
        assert same_json(back.payload, payload) and back.problems == ()
        inbox = {d.message.id for d in layer.messages.receive(to, limit=1000)}
        assert sent.id in inbox
        assert attempt(layer.messages.ack, sent.id, to)[0]
    attempt(layer.messages.broadcast, sender, kind, payload)
    attempt(layer.messages.list, agent=to, type=kind, since=since)
    attempt(layer.messages.threads, agent=sender, type=kind)
    attempt(layer.messages.receive, to, since=since)
    attempt(layer.messages.thread, kind)


@SETTINGS
@given(agent=TEXT, path=TEXT, kind=st.one_of(st.sampled_from(["edit", "read", "exclusive"]), TEXT),
       ttl=NUMBER, strict=st.booleans())
def test_reservation_reads_back(layer, agent, path, kind, ttl, strict):
    ok, result = attempt(layer.reservations.reserve, agent, path, kind, ttl=ttl, strict=strict)
    if ok:
        back = layer.reservations.get(result.reservation.id)
        assert (back.agent_id, back.file_path, back.reservation_type) == (agent, path, kind)
        assert back.problems == ()
        attempt(layer.reservations.release, back.id, agent_id=agent)
    attempt(layer.reservations.check, agent, path, kind)
    attempt(layer.reservations.list, path_contains=path, agent_id=agent)
    attempt(layer.reservations.conflicts)


VECTOR = st.one_of(
    st.none(),
    st.builds(lambda seed: np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32).tolist(),
              st.integers(0, 2**32 - 1)),
    st.lists(ANY_FLOAT, min_size=DIMENSIONS, max_size=DIMENSIONS),
    st.lists(st.floats(-1, 1), min_size=0, max_size=8),
    st.binary(max_size=64),
)


@SETTINGS
@given(content=TEXT, kind=st.one_of(st.sampled_from(MEMORY_TYPES), TEXT), importance=NUMBER,
       metadata=st.one_of(st.none(), st.dictionaries(st.text(ANY_CHAR, max_size=6), JSON, max_size=3), JSON),
       vector=VECTOR, query=TEXT, k=NUMBER)
def test_memory_store_reads_back(layer, content, kind, importance, metadata, vector, query, k):
    ok, memory = attempt(layer.memories.store, content, type=kind, importance=importance, metadata=metadata,
                         embedding=vector)
    if ok:
        back = layer.memories.get(memory.id, with_embedding=True)
        assert (back.content, back.type, back.importance) == (content, kind, float(importance))
        assert same_json(back.metadata, metadata) and back.problems == ()
        if vector is not None:
            assert np.array_equal(np.asarray(back.embedding, np.float32), np.asarray(vector, np.float32))
        attempt(layer.memories.similar, memory.id, k=3)
    attempt(layer.memories.search, query, k=k)
    attempt(layer.memories.search, query, embedding=vector)
    attempt(layer.memories.list, text=query, min_importance=importance, type=kind)
    attempt(layer.memories.list, limit=importance, offset=k)
    attempt(layer.memories.get, query)


@SETTINGS
@given(resource=TEXT, agent=TEXT, ttl=NUMBER, token=NUMBER)
def test_leases_with_garbage(layer, resource, agent, ttl, token):
    ok, lease = attempt(layer.leases.acquire, resource, agent, ttl)
    if ok and lease is not None:
        back = layer.leases.inspect(resource)
        assert (back.resource, back.agent_id, back.token) == (resource, agent, lease.token)
        assert back.expires_at == lease.expires_at and back.expires_at >= back.acquired_at
    attempt(layer.leases.renew, resource, agent, token, ttl)
    attempt(layer.leases.release, resource, agent, token)


def test_not_found_is_typed(layer):
    with pytest.raises(NotFoundError):
        layer.tasks.get("no such task")
