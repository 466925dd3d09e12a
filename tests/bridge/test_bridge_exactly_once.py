"""Nothing lost, nothing doubled: SIGKILL at each moment, two operators on one queue,
Redis restarted mid-run, the in-flight cap. Each task: one DevOpsTask, only the Jobs its
own status accounts for, one final publication."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import redis

from e2e.taskutil import wait_for
from fixtures_stack import Stack
from producer.producer import Producer, make_task

FINAL = ("completed", "failed")


def _sleepy(description: str, seconds: float) -> dict[str, Any]:
    return make_task(description, context={"e2e": {"sleep": {"docker-worker": seconds}}})


def _assert_once(
    stack: Stack, producer: Producer, task_ids: list[str], redis_client: redis.Redis
) -> None:
    results = producer.wait(task_ids, timeout=300)
    time.sleep(2)  # a double publication would arrive now
    assert sorted(stack.dt_names()) == sorted(f"t-{t}" for t in task_ids)
    for task_id, result in results.items():
        assert result["status"] in FINAL
        assert producer.publications[task_id] == 1, (task_id, producer.publications)
        status = stack.tasks.status(f"t-{task_id}")
        accounted = sum(int(w.get("attempts") or 0) for w in status.get("workers", []))
        jobs = stack.tasks.jobs(f"t-{task_id}")
        assert len(jobs) == accounted, (task_id, [j.metadata.name for j in jobs])
        logs = producer.logs(task_id)
        assert sum(1 for line in logs if "] received:" in line) == 1, logs
    assert redis_client.llen("tasks:active:devops") == 0


def test_killed_after_the_take(stack: Stack, producer: Producer, redis_client: redis.Redis) -> None:
    """The state a SIGKILL right after BLMOVE leaves: the item in active, no resource."""
    task = make_task("Containerize the app with a Dockerfile")
    producer.submit(task)
    redis_client.lmove("tasks:pending:devops", "tasks:active:devops", "RIGHT", "LEFT")
    stack.operator()
    _assert_once(stack, producer, [task["task_id"]], redis_client)


def test_killed_after_resource_creation(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    operator = stack.operator()
    ids = [
        producer.submit(_sleepy(f"Containerize service {i} with a Dockerfile", 4)) for i in range(3)
    ]
    wait_for("the resources", lambda: len(stack.dt_names()) == 3, 60, stack.log_tail)
    operator.kill()
    operator.start()
    _assert_once(stack, producer, ids, redis_client)


def test_killed_after_completion_before_publishing(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    """Tasks finish while no bridge runs (an operator without Redis reconciles them);
    the restarted bridge publishes each exactly once and clears the active list."""
    operator = stack.operator()
    ids = [producer.submit(_sleepy(f"Containerize app {i} with a Dockerfile", 2)) for i in range(2)]
    wait_for("the resources", lambda: len(stack.dt_names()) == 2, 60, stack.log_tail)
    operator.kill()
    no_redis = stack.operator("devops-noredis", DEVOPS_REDIS_URL="")
    for task_id in ids:
        stack.tasks.wait_final(f"t-{task_id}", timeout=180)
    no_redis.kill()
    assert all(producer.result(t)["status"] == "in_progress" for t in ids)
    assert redis_client.llen("tasks:active:devops") == 2
    operator.start()
    _assert_once(stack, producer, ids, redis_client)


def test_two_operators_one_queue(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    stack.operator("devops-a")
    stack.operator("devops-b")
    ids = [
        producer.submit(make_task(f"Containerize service {i} with a Dockerfile")) for i in range(30)
    ]
    _assert_once(stack, producer, ids, redis_client)
    takers = Counter(
        stack.tasks.get(f"t-{t}")["metadata"]["annotations"]["devops.agentnet.dev/taken-by"]
        for t in ids
    )
    assert set(takers) <= {"devops-a", "devops-b"}


def test_redis_restarted_mid_run(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    stack.operator()
    ids = [producer.submit(_sleepy(f"Containerize app {i} with a Dockerfile", 3)) for i in range(4)]
    wait_for("the resources", lambda: len(stack.dt_names()) == 4, 60, stack.log_tail)
    stack.redis_server.restart(down_seconds=8)  # workers finish while Redis is away
    late = producer.submit(make_task("Containerize the late app with a Dockerfile"))
    results = producer.wait([*ids, late], timeout=300)
    assert all(r["status"] in FINAL for r in results.values())
    assert redis_client.llen("tasks:active:devops") == 0
    assert len(stack.dt_names()) == 5
    assert redis_client.exists("agents:heartbeat:devops-op0")


def test_in_flight_cap(stack: Stack, producer: Producer, redis_client: redis.Redis) -> None:
    stack.operator(DEVOPS_MAX_IN_FLIGHT="2", DEVOPS_HEARTBEAT_INTERVAL_SECONDS="0.5")
    ids = [producer.submit(_sleepy(f"Containerize app {i} with a Dockerfile", 6)) for i in range(5)]
    most, statuses = 0, set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        names = stack.dt_names()
        running = [
            n
            for n in names
            if stack.tasks.status(n).get("phase")
            not in ("Succeeded", "PartiallySucceeded", "Failed", "Cancelled")
        ]
        most = max(most, len(running))
        statuses.add(redis_client.hget("agents:info:devops-op0", "status"))
        if len(names) == 5 and not running:
            break
        time.sleep(0.3)
    assert most <= 2, most
    assert statuses == {"active"}, statuses  # at the cap too: the network's client still finds us
    results = producer.wait(ids, timeout=60)
    assert all(r["status"] in FINAL for r in results.values())
    assert json.loads(results[ids[0]]["output"])["status"]
