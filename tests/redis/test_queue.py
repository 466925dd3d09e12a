"""The queue side against a real redis-server: take, dead-letter, idempotent writes."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import network_results, task_queue
from devops_orchestrator.adapters.errors import PermanentError, RedisUnavailableError
from devops_orchestrator.adapters.redis_client import connect
from devops_orchestrator.bridge.consumer import Consumer
from fixtures_redis import RedisServer
from task_store_double import RecordingStore

NOW = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)


def _messages(pubsub: Any, wait: float = 1.0) -> list[Any]:
    """Every pub/sub message (not subscription notices) arriving within `wait` seconds."""
    out: list[Any] = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None and message["type"] == "message":
            out.append(message)
    return out


def _consumer(server: RedisServer, block: float = 1.0) -> Consumer:
    # Malformed items never reach the store: no cluster is needed for these tests.
    return Consumer(
        client=connect(server.url),
        queue_client=connect(server.url, block_seconds=block),
        store=RecordingStore(),
        agent_id="devops-test",
        namespace="default",
        block_seconds=block,
    )


def test_idle_takes_are_quiet(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    """The blocking-pop trap: the socket outlives the block, so idle is just None."""
    consumer = _consumer(redis_server, block=1.0)
    kwargs = consumer.queue_client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] > consumer.block_seconds
    started = time.monotonic()
    for _ in range(3):
        assert consumer.take_one() is None
    assert time.monotonic() - started >= 2.9


def test_malformed_items_are_dead_lettered_and_the_queue_flows(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    consumer = _consumer(redis_server)
    good_id = "has-an-id"
    items = [
        "not json at all",
        json.dumps({"no": "task_id"}),
        json.dumps({"task_id": good_id, "payload": {"description": ""}}),
        json.dumps({"task_id": 42, "payload": {"description": "x"}}),
    ]
    for item in items:
        redis_client.lpush(c.pending_key(), item)
    redis_client.lpush(c.pending_key(), b"\xff\xfe garbage")
    for _ in range(5):
        assert consumer.take_one() is not None
    assert redis_client.llen(c.pending_key()) == 0
    assert redis_client.llen(c.active_key()) == 0
    raw_dead = redis.Redis(port=redis_server.port).lrange(c.dead_key(), 0, -1)
    dead = [json.loads(x) for x in raw_dead]
    assert len(dead) == 5
    assert {d["reason"].split(":")[0] for d in dead} >= {
        "not JSON",
        "missing task_id",
        "empty payload.description",
    }
    assert sorted(d["raw"] for d in dead if d["raw"] in items) == sorted(items)
    result = redis_client.hgetall(c.result_key(good_id))
    assert result["status"] == "failed"
    assert "empty payload.description" in result["error"]
    assert result["task_id"] == good_id and result["completed_at"]
    assert json.loads(result["output"])["status"] == "failed"


def test_dead_letter_publishes_the_failed_fields(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    consumer = _consumer(redis_server)
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(c.result_key("bad-prio"))
    item = json.dumps(
        {"task_id": "bad-prio", "payload": {"description": "x"}, "metadata": {"priority": "urgent"}}
    )
    redis_client.lpush(c.pending_key(), item)
    consumer.take_one()
    [message] = _messages(pubsub)
    pubsub.close()
    published = json.loads(message["data"])
    assert published == redis_client.hgetall(c.result_key("bad-prio"))


def test_dead_letter_twice_writes_once(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    """Two replicas dead-lettering the same active item: only the one whose LREM hit."""
    client = connect(redis_server.url)
    redis_client.lpush(c.active_key(), "junk")
    assert task_queue.dead_letter(client, b"junk", "{}") is True
    assert task_queue.dead_letter(client, b"junk", "{}") is False
    assert redis_client.llen(c.dead_key()) == 1


def test_publish_result_is_atomic_and_once(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = connect(redis_server.url)
    raw = json.dumps({"task_id": "t1"})
    redis_client.lpush(c.active_key(), raw, "other", raw)
    started = {"task_id": "t1", "status": "in_progress", "started_at": NOW.isoformat()}
    redis_client.hset(c.result_key("t1"), mapping=started)
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(c.result_key("t1"))
    fields = {
        "task_id": "t1",
        "status": "completed",
        "output": "{}",
        "completed_at": NOW.isoformat(),
    }
    assert network_results.publish_result(client, fields, raw=raw) is True
    assert network_results.publish_result(client, fields, raw=raw) is False
    messages = _messages(pubsub)
    pubsub.close()
    # the channel carries the whole final hash, started_at included
    final = {**started, **fields}
    assert [json.loads(m["data"]) for m in messages] == [final]
    assert redis_client.hgetall(c.result_key("t1")) == final
    assert redis_client.lrange(c.active_key(), 0, -1) == ["other"]


def test_in_progress_never_overwrites_a_final_status(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = connect(redis_server.url)
    first = {"task_id": "t2", "status": "in_progress", "started_at": "A"}
    assert network_results.mark_in_progress(client, first) is True
    assert network_results.mark_in_progress(client, {**first, "started_at": "B"}) is False
    assert redis_client.hget(c.result_key("t2"), "started_at") == "A"
    redis_client.hset(c.result_key("t2"), "status", "completed")
    assert network_results.mark_in_progress(client, first) is False
    assert redis_client.hget(c.result_key("t2"), "status") == "completed"


def test_milestones_are_logged_once(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    client = connect(redis_server.url)
    lines = [("received", "[t] received: x"), ("planned", "[t] planned: a")]
    assert network_results.log_milestones(client, "t3", lines) == 2
    assert network_results.log_milestones(client, "t3", [*lines, ("completed", "[t] done")]) == 1
    assert redis_client.lrange(c.result_logs_key("t3"), 0, -1) == [
        "[t] received: x",
        "[t] planned: a",
        "[t] done",
    ]


def test_submit_is_what_the_producer_does(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = connect(redis_server.url)
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(c.notifications_channel())
    task_queue.submit(client, "t4", '{"task_id": "t4"}')
    [message] = _messages(pubsub)
    pubsub.close()
    assert message["data"] == '{"task_id": "t4"}'
    assert redis_client.lrange(c.pending_key(), 0, -1) == ['{"task_id": "t4"}']
    assert redis_client.hgetall(c.result_key("t4")) == {"task_id": "t4", "status": "pending"}


def test_redis_failures_map_into_the_one_taxonomy(redis_server: RedisServer) -> None:
    down = connect("redis://127.0.0.1:1/0")
    with pytest.raises(RedisUnavailableError):
        task_queue.active_items(down)
    client = connect(redis_server.url)
    client.set(c.result_logs_key("wrong-type"), "a string where a list belongs")
    with pytest.raises(PermanentError) as caught:
        network_results.read_logs(client, "wrong-type")
    assert "WRONGTYPE" in str(caught.value)
    client.close()
