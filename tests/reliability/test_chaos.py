"""Fault injection on the whole stack (real cluster, real Redis, the operator as a
killable subprocess): every task completes, each exactly once.

Short parameters by default (part of `make test`); `RELIABILITY_LONG=1` (`make
reliability`) runs the long ones: 50 tasks and more kills."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from kubernetes import client
from reliability_long import LONG

from e2e.taskutil import wait_for
from fixtures_stack import Stack
from producer.producer import Producer, make_task

TASKS = 50 if LONG else 10
KILLS = 8 if LONG else 3
SEED = 7


@pytest.fixture
def producer(stack: Stack) -> Iterator[Producer]:
    made = Producer(stack.redis_server.client())
    yield made
    made.close()


def sleepy_task(index: int, seconds: float, **faults: Any) -> dict[str, Any]:
    return make_task(
        f"Containerize service {index} of the Node.js app with a Dockerfile",
        context={"project_type": "nodejs", "e2e": {"sleep": {"docker-worker": seconds}, **faults}},
    )


def assert_each_exactly_once(
    stack: Stack, producer: Producer, redis_client: redis.Redis, task_ids: list[str], timeout: float
) -> dict[str, dict[str, str]]:
    """All completed; one DevOpsTask each; its Jobs are exactly the worker attempts its
    status accounts for, none twice; at most one publication each; nothing left active."""
    results = producer.wait(task_ids, timeout=timeout)
    producer.drain(timeout=2.0)  # a second publication would arrive now
    bad = {
        t: (r.get("status"), r.get("error"))
        for t, r in results.items()
        if r.get("status") != "completed"
    }
    assert not bad, (bad, stack.log_tail())
    assert stack.dt_names() == sorted(f"t-{t}" for t in task_ids)
    for task_id in task_ids:
        name = f"t-{task_id}"
        status = stack.tasks.status(name)
        accounted = sum(int(w.get("attempts") or 0) for w in status.get("workers", []))
        jobs = stack.tasks.jobs(name)
        attempts = Counter(
            (
                j.metadata.labels["devops.agentnet.dev/worker"],
                j.metadata.labels["devops.agentnet.dev/attempt"],
            )
            for j in jobs
        )
        assert all(n == 1 for n in attempts.values()), (name, attempts)
        assert len(jobs) == accounted, (name, [j.metadata.name for j in jobs], status)
        assert producer.publications[task_id] <= 1, (task_id, producer.publications[task_id])
    assert redis_client.llen("tasks:active:devops") == 0
    assert redis_client.llen("tasks:pending:devops") == 0
    assert redis_client.llen("tasks:dead:devops") == 0
    return results


def test_operator_sigkilled_at_random_moments(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    rng = random.Random(SEED)
    operator = stack.operator()
    task_ids = [producer.submit(sleepy_task(i, rng.choice([0, 1, 3]))) for i in range(TASKS)]
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.5, 6.0))
        operator.kill()
        time.sleep(rng.choice([0.0, 0.5, 2.0]))
        operator.start()
        producer.drain()
    results = assert_each_exactly_once(
        stack, producer, redis_client, task_ids, timeout=300 + TASKS * 12
    )
    assert operator.starts == KILLS + 1
    assert len(results) == TASKS


def test_redis_and_apiserver_restarted_mid_run(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    operator = stack.operator()
    count = max(4, TASKS // 2)
    first = [producer.submit(sleepy_task(i, 4)) for i in range(count // 2)]
    wait_for(
        "the first tasks to start", lambda: len(stack.dt_names()) >= len(first), 60, stack.log_tail
    )
    stack.redis_server.restart(down_seconds=2.0)
    later = [producer.submit(sleepy_task(i, 4)) for i in range(count // 2, count)]
    wait_for(
        "the later tasks to be taken", lambda: len(stack.dt_names()) == count, 120, stack.log_tail
    )
    stack.cluster.restart_apiserver(down_seconds=3.0)
    extra = [producer.submit(sleepy_task(count, 1))]  # taken after both came back
    assert_each_exactly_once(stack, producer, redis_client, first + later + extra, timeout=400)
    assert operator.process is not None and operator.process.poll() is None  # it survived
    assert operator.starts == 1


def test_worker_pod_killed_mid_run_is_retried(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    stack.operator()
    core = client.CoreV1Api(stack.api)
    task_id = producer.submit(sleepy_task(0, 8))  # the retry sleeps 8 s again
    name = f"t-{task_id}"

    def running_pod() -> str | None:
        for pod in core.list_namespaced_pod(stack.namespace).items:
            if pod.status.phase == "Running" and pod.metadata.name.startswith(name):
                return str(pod.metadata.name)
        return None

    pod = wait_for("the worker pod to run", running_pod, 120, stack.log_tail)
    time.sleep(1.0)
    core.delete_namespaced_pod(pod, stack.namespace, grace_period_seconds=0)
    assert_each_exactly_once(stack, producer, redis_client, [task_id], timeout=300)
    status = stack.tasks.status(name)
    docker = next(w for w in status["workers"] if w["name"] == "docker-worker")
    assert docker["attempts"] == 2, status
    assert len(stack.tasks.jobs(name)) == 2
