"""The network's producer (tests/producer, written from PROTOCOL.md) against the
operator: tasks in, complete results out (hash, channel, log lines)."""

from __future__ import annotations

import json
import re

import redis

from fixtures_stack import Stack
from producer.producer import LOG_LINE, Producer, make_task

RESULT_KEYS = {
    "status",
    "workers_used",
    "files_created",
    "files_modified",
    "summary",
    "issues",
    "deployment_info",
    "details",
}


def test_producer_gets_complete_results(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    stack.operator()
    docker = producer.submit(
        make_task(
            "Containerize the Node.js app with a Dockerfile",
            requirements=["Non-root user"],
            context={"project_type": "nodejs"},
        )
    )
    pipeline = producer.submit(
        make_task(  # the example task of PROTOCOL.md, word for word
            "Set up complete deployment pipeline for the application",
            requirements=["Multi-stage build", "Non-root user"],
            context={"project_type": "nodejs", "cloud_provider": "aws", "workspace": "/workspace"},
            priority="high",
            timeout_seconds=600,
        )
    )
    results = producer.wait([docker, pipeline], timeout=240)
    for task_id, result in results.items():
        assert result["status"] == "completed", (result.get("error"), stack.log_tail())
        assert set(result) == {"task_id", "status", "started_at", "completed_at", "output"}
        assert result["task_id"] == task_id
        output = json.loads(result["output"])
        assert set(output) == RESULT_KEYS | {"artifacts"}  # no shared workspace: files inline
        assert output["status"] in ("completed", "partial")
        assert producer.published[task_id] == result  # the channel carried the same fields
        logs = producer.logs(task_id)
        assert all(re.match(LOG_LINE, line) for line in logs), logs
        text = "\n".join(logs)
        for milestone in ("received:", "planned:", "started", "finished: Succeeded", "completed:"):
            assert milestone in text, logs
    assert "Dockerfile" in json.loads(results[docker]["output"])["files_created"]
    pipeline_output = json.loads(results[pipeline]["output"])
    assert pipeline_output["workers_used"] == ["docker-worker", "infra-worker", "ci-worker"]
    assert redis_client.llen("tasks:active:devops") == 0
    assert redis_client.llen("tasks:pending:devops") == 0
    assert len(stack.dt_names()) == 2
    assert redis_client.hget("agents:info:devops-op0", "status") == "active"


def test_malformed_items_are_dead_lettered_and_a_good_task_completes(
    stack: Stack, producer: Producer, redis_client: redis.Redis
) -> None:
    stack.operator()
    producer.push_raw("{not json")
    producer.push_raw(json.dumps({"payload": {"description": "no id"}}))
    bad = make_task("x", priority="urgent")
    producer.submit(bad)
    empty = make_task(" ")
    producer.submit(empty)
    good = producer.submit(
        make_task("Containerize the app with a Dockerfile", context={"project_type": "python"})
    )
    results = producer.wait([bad["task_id"], empty["task_id"], good], timeout=180)
    assert results[good]["status"] == "completed", stack.log_tail()
    for task in (bad, empty):
        result = results[task["task_id"]]
        assert result["status"] == "failed" and result["error"], result
        assert producer.published[task["task_id"]] == result
    dead = [json.loads(x) for x in redis_client.lrange("tasks:dead:devops", 0, -1)]
    assert len(dead) == 4
    assert all(d["reason"] and "raw" in d for d in dead)
    assert redis_client.llen("tasks:active:devops") == 0
    assert stack.dt_names() == [f"t-{good}"]
