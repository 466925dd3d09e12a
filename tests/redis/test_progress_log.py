"""Progress lines in a task's Redis log list (real redis-server): capped per task,
stopped once the result is published, and a Redis outage drops lines without raising."""

from __future__ import annotations

from datetime import UTC, datetime

import redis

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import network_results
from devops_orchestrator.adapters.redis_client import connect
from devops_orchestrator.core.progress import ToolCall
from devops_orchestrator.core.progress_jobs import FollowTarget
from devops_orchestrator.core.progress_throttle import Throttle
from devops_orchestrator.progress.channels import RedisChannel
from fixtures_redis import RedisServer, free_port

NOW = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
TARGET = FollowTarget("ns", "t-docker-1", "j1", "docker-worker", "t", "u1")
CALL = ToolCall("Write", "Dockerfile", False, 0.01)


def test_lines_up_to_the_tasks_cap(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    client = connect(redis_server.url)
    counts = [network_results.log_progress(client, "t1", f"line {i}", 3) for i in range(5)]
    assert counts == [1, 2, 3, 0, 0]
    assert network_results.read_logs(client, "t1") == ["line 0", "line 1", "line 2"]
    assert redis_client.ttl(c.progress_count_key("t1")) > 0


def test_no_line_once_the_result_is_published(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = connect(redis_server.url)
    network_results.publish_result(client, {"task_id": "t2", "status": "completed"})
    assert network_results.log_progress(client, "t2", "late", 10) == -1
    assert network_results.read_logs(client, "t2") == []


def test_a_channel_shares_the_cap_with_the_tasks_other_workers(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = connect(redis_server.url)
    network_results.log_progress(client, "t3", "another worker's line", 2)
    channel = RedisChannel(TARGET, Throttle(0.0, 2), client, "t3")
    for now in (0.0, 1.0, 2.0):
        channel.offer(CALL, now, NOW)
    assert channel.sent == 1
    assert network_results.read_logs(client, "t3") == [
        "another worker's line",
        "[2026-11-23T21:00:00+00:00] docker-worker: Write Dockerfile (0.0 s)",
    ]


def test_redis_down_drops_the_line_and_raises_nothing() -> None:
    channel = RedisChannel(
        TARGET, Throttle(0.0, 5), connect(f"redis://127.0.0.1:{free_port()}"), "t4"
    )
    channel.offer(CALL, 0.0, NOW)
    channel.offer(CALL, 1.0, NOW)
    assert channel.sent == 0 and not channel.closed
