"""The queue at its edges, through the whole stack (real cluster, real Redis, the
operator as a process): a burst of odd items among good tasks, a crashed consumer's
item, reused ids, others' ids, kubectl tasks that must not publish; the in-flight cap
and discovery while the operator is busy."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import redis

from e2e.taskutil import wait_for
from fixtures_stack import Stack
from producer.discovery import find_available_domain
from producer.producer import Producer, make_task

ACTIVE, DEAD = "tasks:active:devops", "tasks:dead:devops"


def docker_task(index: int, **extra: Any) -> dict[str, Any]:
    return make_task(
        f"Containerize service {index} of the Node.js app with a Dockerfile",
        context={"project_type": "nodejs", **extra},
    )


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def dead_letters(redis_client: redis.Redis) -> list[dict[str, Any]]:
    return [json.loads(x) for x in redis_client.lrange(DEAD, 0, -1)]


def test_a_burst_of_odd_items_among_good_tasks(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    # Left in flight by a consumer that crashed after taking it (nothing runs yet).
    crashed = docker_task(0)
    redis_client.hset(f"results:{crashed['task_id']}", mapping={"status": "pending"})
    redis_client.lpush(ACTIVE, json.dumps(crashed))
    # Another domain's task, taken by its own consumer.
    theirs = str(uuid.uuid4())
    redis_client.hset(f"results:{theirs}", mapping={"task_id": theirs, "status": "in_progress"})
    stack.operator()
    earlier = producer.submit(docker_task(1))
    assert producer.wait([earlier], timeout=120)[earlier]["status"] == "completed"

    good = [docker_task(index) for index in (2, 3)]
    answered: dict[str, str] = {
        # id -> what its error says
        producer.submit(
            make_task("Containerize the app", requirements=["r"] * 51)
        ): "too many payload.requirements",
        producer.submit(
            make_task("Containerize the app", context={"deep": nested(300)})
        ): "nested too deep",
        producer.submit(
            make_task("Containerize the app", context={"blob": "x" * 40_000})
        ): "payload.context too large",
        producer.submit(make_task("Containerize the app", context={"blob": "y" * 90_000})): (
            "item too large"
        ),
        producer.submit({**docker_task(1), "task_id": earlier}): "duplicate task_id",
    }
    unanswered = [
        json.dumps({**docker_task(4), "task_id": f"{good[0]['task_id']}:logs"}),
        json.dumps({"task_id": theirs, "destination": "devops", "payload": "not an object"}),
        json.dumps({"task_id": theirs, "payload": {"description": "x", "requirements": 7}}),
    ]
    for raw in unanswered:
        producer.push_raw(raw)
    good_ids = [producer.submit(item) for item in good]
    description = "Containerize the Node.js app with a Dockerfile"
    stack.tasks.create("kubectl-quiet", description=description, taskId=theirs)  # publishes nothing
    stack.tasks.create("kubectl-loud", description=description, taskId="loud-1", publish=True)

    results = producer.wait([*good_ids, crashed["task_id"], *answered], timeout=150)
    for task_id in [*good_ids, crashed["task_id"]]:
        assert results[task_id]["status"] == "completed", (results[task_id], stack.log_tail())
    for task_id, error in answered.items():
        assert results[task_id]["status"] == "failed", (error, results[task_id])
        assert error in results[task_id]["error"], (error, results[task_id])
    wait_for("an empty active list", lambda: redis_client.llen(ACTIVE) == 0, 30, stack.log_tail)

    letters = dead_letters(redis_client)
    raws = {letter["raw"] for letter in letters}
    assert set(unanswered) <= raws
    assert {letter["task_id"] for letter in letters} >= set(answered)
    assert redis_client.type(f"results:{good[0]['task_id']}:logs") == "list"
    # the earlier task's run is the one the cluster keeps; no second task for its id
    assert stack.dt_names().count(f"t-{earlier}") == 1
    # kubectl tasks: only the one that asked publishes, and nothing goes under a uid
    stack.tasks.wait_final("kubectl-quiet", 120)
    stack.tasks.wait_final("kubectl-loud", 120)
    assert redis_client.hgetall(f"results:{theirs}") == {"task_id": theirs, "status": "in_progress"}
    loud = producer.wait(["loud-1"], timeout=30)["loud-1"]
    assert loud["status"] == "completed"
    uid = stack.tasks.get("kubectl-quiet")["metadata"]["uid"]
    assert not redis_client.exists(f"results:{uid}")
    # results expire (DEVOPS_RESULT_TTL_SECONDS, a week by default)
    assert 0 < redis_client.ttl(f"results:{good_ids[0]}") <= 7 * 86400


def test_discoverable_while_busy_at_its_cap(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    """With room for one task: the operator stays `active` (the network's client finds
    it) while that task runs, and the second starts only once the first is done (the
    cap across restarts and replicas: tests/redis/test_queue_isolation.py)."""
    stack.operator(DEVOPS_MAX_IN_FLIGHT="1", DEVOPS_HEARTBEAT_INTERVAL_SECONDS="1")
    slow = producer.submit(docker_task(1, e2e={"sleep": {"docker-worker": 6}}))
    second = producer.submit(docker_task(2))
    started = wait_for(
        "the first task to run",
        lambda: producer.result(slow).get("started_at"),
        60,
        stack.log_tail,
    )

    def beat_since_started() -> bool:
        return str(redis_client.hget("agents:info:devops-op0", "last_heartbeat") or "") > started

    wait_for("a heartbeat while busy", beat_since_started, 30, stack.log_tail)
    assert find_available_domain(redis_client, "devops") == "devops-op0"
    results = producer.wait([slow, second], timeout=180)
    assert all(r["status"] == "completed" for r in results.values()), results
    first_done = parse(results[slow]["completed_at"])
    assert parse(results[second]["started_at"]) >= first_done, results
    assert find_available_domain(redis_client, "devops") == "devops-op0"


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
