"""Property: whatever garbage sits on `tasks:pending:devops` (random bytes, truncated
JSON, wrong types, huge fields), the bridge's consumer dead-letters every item, never
raises, and still takes the good task queued behind it.

The consumer runs step by step (`take_one`) against a real redis-server; its TaskStore is
an in-memory recorder (tests/task_store_double.py), so the "create" step is observed
directly (the full path through the operator is covered by tests/bridge)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devops_orchestrator.adapters.redis_client import connect
from devops_orchestrator.bridge.consumer import Consumer
from fixtures_redis import RedisServer
from task_store_double import RecordingStore

PENDING, ACTIVE, DEAD = "tasks:pending:devops", "tasks:active:devops", "tasks:dead:devops"
MAX_DESCRIPTION = 8000


def good_task(task_id: str | None = None) -> dict[str, Any]:
    """A valid task exactly as PROTOCOL.md shows it."""
    return {
        "task_id": task_id or str(uuid.uuid4()),
        "type": "task_assignment",
        "source": "main-orchestrator",
        "destination": "devops",
        "timestamp": "2026-11-23T21:00:00.000000+00:00",
        "payload": {
            "description": "Containerize the Node.js app with a Dockerfile",
            "requirements": ["Non-root user"],
            "context": {"project_type": "nodejs"},
        },
        "metadata": {"priority": "normal", "timeout_seconds": 300},
    }


# --- garbage strategies -----------------------------------------------------------------


def _is_json_object_with_task(raw: bytes) -> bool:
    """Our own (independent) view of "could be a task": a JSON object with a task_id."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "task_id" in data


random_bytes = st.binary(min_size=0, max_size=512).filter(
    lambda b: not _is_json_object_with_task(b)
)


@st.composite
def truncated_json(draw: st.DrawFn) -> bytes:
    """A proper prefix of a valid task: never a complete JSON object."""
    text = json.dumps(good_task()).encode()
    cut = draw(st.integers(min_value=0, max_value=len(text) - 1))
    return text[:cut]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

# (path, a strategy of values that are certainly wrong there)
_NOT_STR = json_values.filter(lambda v: not isinstance(v, str))
_NOT_DICT = json_values.filter(lambda v: not isinstance(v, dict))
_NOT_POSITIVE = json_values.filter(
    lambda v: isinstance(v, bool) or not isinstance(v, int | float) or v <= 0
)
WRONG_TYPES: list[tuple[tuple[str, ...], st.SearchStrategy[Any]]] = [
    (("task_id",), _NOT_STR),
    (("payload",), _NOT_DICT),
    (("payload", "description"), _NOT_STR),
    (
        ("payload", "requirements"),
        _NOT_DICT.filter(
            lambda v: not (isinstance(v, list) and all(isinstance(x, str) for x in v))
        ),
    ),
    (("payload", "context"), _NOT_DICT),
    (("metadata",), _NOT_DICT),
    (("metadata", "priority"), json_values.filter(lambda v: v not in ("low", "normal", "high"))),
    (("metadata", "timeout_seconds"), _NOT_POSITIVE),
    (("type",), _NOT_STR),
    (("timestamp",), _NOT_STR),
]


@st.composite
def wrong_types(draw: st.DrawFn) -> bytes:
    task = good_task()
    path, values = draw(st.sampled_from(WRONG_TYPES))
    where = task
    for key in path[:-1]:
        where = where[key]
    where[path[-1]] = draw(values)
    required = path in (("task_id",), ("payload",), ("payload", "description"))
    if required and draw(st.booleans()):  # or the required field is missing altogether
        del where[path[-1]]
    return json.dumps(task).encode()


@st.composite
def huge_fields(draw: st.DrawFn) -> bytes:
    task = good_task()
    kind = draw(st.sampled_from(["description", "task_id", "item", "blank"]))
    if kind == "description":
        size = draw(st.integers(min_value=MAX_DESCRIPTION + 1, max_value=50_000))
        task["payload"]["description"] = "x" * size
    elif kind == "task_id":
        task["task_id"] = "t" * draw(st.integers(min_value=201, max_value=5_000))
    elif kind == "item":  # the whole item beyond what an annotation can hold
        task["payload"]["context"]["blob"] = "y" * draw(st.integers(200_001, 600_000))
    else:
        task["payload"]["description"] = " " * draw(st.integers(0, 20))
    return json.dumps(task).encode()


garbage_items = st.one_of(random_bytes, truncated_json(), wrong_types(), huge_fields())


# --- the property -----------------------------------------------------------------------


def make_consumer(server: RedisServer, store: RecordingStore) -> Consumer:
    return Consumer(
        client=connect(server.url),
        queue_client=connect(server.url, block_seconds=0.1),
        store=store,
        agent_id="devops-reliability",
        namespace="garbage",
        block_seconds=0.1,
    )


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(items=st.lists(garbage_items, min_size=1, max_size=6))
def test_garbage_is_dead_lettered_and_a_good_task_still_taken(
    redis_server: RedisServer, items: list[bytes]
) -> None:
    raw = redis.Redis.from_url(redis_server.url)
    raw.flushall()
    store = RecordingStore()
    consumer = make_consumer(redis_server, store)
    try:
        for item in items:
            raw.lpush(PENDING, item)
        good = good_task()
        raw.lpush(PENDING, json.dumps(good))

        taken = [consumer.take_one() for _ in range(len(items) + 1)]

        assert taken[:-1] == items  # FIFO: the garbage first, byte for byte
        assert raw.llen(PENDING) == 0
        dead = [json.loads(x) for x in raw.lrange(DEAD, 0, -1)]
        assert len(dead) == len(items)
        for envelope in dead:
            assert envelope["reason"] and envelope["agent_id"] == "devops-reliability"
        assert sorted(d["raw"] for d in dead) == sorted(
            i.decode("utf-8", "backslashreplace") for i in items
        )
        for envelope in dead:  # a readable id: the producer is told, it is failed
            if envelope["task_id"]:
                result = raw.hgetall(f"results:{envelope['task_id']}")
                assert result[b"status"] == b"failed" and result[b"error"], result
        # The good task went to the create step, and only it.
        assert [b["spec"]["taskId"] for b in store.created] == [good["task_id"]]
        assert raw.lrange(ACTIVE, 0, -1) == [json.dumps(good).encode()]
        assert raw.hget(f"results:{good['task_id']}", "status") == b"in_progress"
        assert consumer.take_one() is None  # idle, and still fine
    finally:
        consumer.client.close()
        consumer.queue_client.close()
        raw.close()


def test_recovery_sweep_dead_letters_garbage_left_in_active(redis_server: RedisServer) -> None:
    """Items a crashed consumer left in `tasks:active` are handled by the sweep the same way."""
    raw = redis.Redis.from_url(redis_server.url)
    raw.flushall()
    store = RecordingStore()
    consumer = make_consumer(redis_server, store)
    try:
        good = good_task()
        items = [b"\xff\xfe", b'{"task_id": "abc", "payload": 3}', json.dumps(good).encode()]
        for item in items:
            raw.lpush(ACTIVE, item)
        assert consumer.recover() == 3
        assert raw.llen(DEAD) == 2
        assert [b["spec"]["taskId"] for b in store.created] == [good["task_id"]]
        assert raw.hget("results:abc", "status") == b"failed"
    finally:
        consumer.client.close()
        consumer.queue_client.close()
        raw.close()
