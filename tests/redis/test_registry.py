"""The agent registry against a real redis-server: keys, TTL, heartbeats, deregistration."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import redis

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import registry
from devops_orchestrator.adapters.redis_client import connect
from devops_orchestrator.bridge.heartbeat import Heartbeat
from fixtures_redis import RedisServer

AGENT = registry.Agent(agent_id="devops-test-host")


def _raw(server: RedisServer) -> redis.Redis:
    return connect(server.url)  # as the bridge connects


def _wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_register_writes_every_key_of_the_protocol(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    registry.register(_raw(redis_server), AGENT, now=datetime.now(UTC))
    for key in (c.AGENTS_ALL, c.AGENTS_DOMAINS, "agents:domains:devops"):
        assert redis_client.smembers(key) == {AGENT.agent_id}, key
    assert not redis_client.sismember(c.AGENTS_WORKERS, AGENT.agent_id)
    info = redis_client.hgetall("agents:info:devops-test-host")
    assert info["agent_id"] == AGENT.agent_id
    assert info["role"] == "domain" and info["domain_type"] == "devops"
    assert info["status"] == "starting"
    for stamp in (info["created_at"], info["last_heartbeat"]):
        assert datetime.fromisoformat(stamp).utcoffset() is not None
    assert 0 < redis_client.ttl("agents:heartbeat:devops-test-host") <= 30
    assert redis_client.type("agents:heartbeat:devops-test-host") == "string"


def test_heartbeat_keeps_created_at_and_reports_status(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = _raw(redis_server)
    registry.register(client, AGENT, now=datetime(2026, 1, 1, tzinfo=UTC))
    registry.heartbeat(client, AGENT, status="busy", now=datetime(2026, 1, 1, 0, 1, tzinfo=UTC))
    info = redis_client.hgetall(c.agent_info_key(AGENT.agent_id))
    assert info["created_at"] == "2026-01-01T00:00:00+00:00"
    assert info["last_heartbeat"] == "2026-01-01T00:01:00+00:00"
    assert info["status"] == "busy"
    assert registry.list_agents(client)[0]["healthy"] == "true"


def test_deregister_removes_everything(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = _raw(redis_server)
    other = registry.Agent(agent_id="devops-other")
    registry.register(client, AGENT, now=datetime.now(UTC))
    registry.register(client, other, now=datetime.now(UTC))
    registry.deregister(client, AGENT)
    for key in (c.AGENTS_ALL, c.AGENTS_DOMAINS, "agents:domains:devops"):
        assert redis_client.smembers(key) == {"devops-other"}
    assert not redis_client.exists(c.agent_info_key(AGENT.agent_id))
    assert not redis_client.exists(c.agent_heartbeat_key(AGENT.agent_id))


def test_heartbeats_keep_flowing_while_idle(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    """10 s interval, 35 s idle: the 30 s key never expires, last_heartbeat advances,
    then a clean stop deregisters (status `stopping` first)."""
    beat = Heartbeat(_raw(redis_server), AGENT, interval=10.0, status=lambda: "active")
    beat.start()
    key = c.agent_heartbeat_key(AGENT.agent_id)
    _wait_for(lambda: redis_client.exists(key))
    seen: set[str] = set()
    deadline = time.monotonic() + 35
    while time.monotonic() < deadline:
        assert redis_client.exists(key), "heartbeat key expired while idle"
        assert redis_client.ttl(key) > 15  # renewed every 10 s, 30 s TTL
        seen.add(redis_client.hget(c.agent_info_key(AGENT.agent_id), "last_heartbeat") or "")
        time.sleep(1)
    assert len(seen) >= 4  # 0, 10, 20, 30 s
    assert redis_client.hget(c.agent_info_key(AGENT.agent_id), "status") == "active"
    beat.stop()
    assert not redis_client.exists(key)
    assert not redis_client.sismember(c.AGENTS_ALL, AGENT.agent_id)


def test_heartbeat_survives_a_redis_restart(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    errors: list[BaseException | None] = []
    beat = Heartbeat(
        _raw(redis_server), AGENT, interval=0.3, status=lambda: "active", on_result=errors.append
    )
    beat.start()
    try:
        _wait_for(lambda: errors)
        redis_server.restart(down_seconds=3)
        redis_client.delete(c.AGENTS_ALL, c.agent_info_key(AGENT.agent_id))  # data lost
        _wait_for(lambda: redis_client.sismember(c.AGENTS_ALL, AGENT.agent_id))
        assert any(e is not None for e in errors), "the outage was not reported"
        _wait_for(lambda: errors[-1] is None)
        assert redis_client.hget(c.agent_info_key(AGENT.agent_id), "role") == "domain"
    finally:
        beat.stop()
