"""devopsctl against a real redis-server: submit speaks the protocol, exit codes, --json."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import redis
from click.testing import CliRunner

from devops_orchestrator import constants as c
from devops_orchestrator.adapters import registry
from devops_orchestrator.adapters.redis_client import connect
from devops_orchestrator.cli import main
from fixtures_redis import RedisServer


def _run(server: RedisServer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--redis-url", server.url, *args])
    return result.exit_code, result.output


def test_submit_matches_the_protocol(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(c.notifications_channel())
    code, out = _run(
        redis_server,
        "submit",
        "Containerize the app",
        "-r",
        "Non-root user",
        "-r",
        "Multi-stage build",
        "--context",
        '{"project_type": "nodejs"}',
        "--priority",
        "high",
        "--timeout",
        "120",
    )
    assert code == 0, out
    task_id = out.strip()
    assert uuid.UUID(task_id).version == 4
    [raw] = redis_client.lrange("tasks:pending:devops", 0, -1)
    task = json.loads(raw)
    assert set(task) == {
        "task_id",
        "type",
        "source",
        "destination",
        "timestamp",
        "payload",
        "metadata",
    }
    assert task["task_id"] == task_id and task["type"] == "task_assignment"
    assert task["source"] == "devopsctl" and task["destination"] == "devops"
    assert datetime.fromisoformat(task["timestamp"]).utcoffset() is not None
    assert task["payload"] == {
        "description": "Containerize the app",
        "requirements": ["Non-root user", "Multi-stage build"],
        "context": {"project_type": "nodejs"},
    }
    assert task["metadata"] == {"priority": "high", "timeout_seconds": 120}
    assert redis_client.hgetall(f"results:{task_id}") == {"task_id": task_id, "status": "pending"}
    notice = None
    for _ in range(20):
        notice = pubsub.get_message(timeout=0.1)
        if notice:
            break
    pubsub.close()
    assert notice is not None and notice["data"] == raw


def test_usage_errors_exit_2(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    assert _run(redis_server, "submit", "x", "--context", "[1]")[0] == 2
    assert _run(redis_server, "submit", "x", "--priority", "urgent")[0] == 2
    assert _run(redis_server, "nope")[0] == 2
    assert redis_client.llen("tasks:pending:devops") == 0


def test_status_and_wait_exit_codes(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    output = json.dumps({"status": "partial", "summary": "half", "files_created": ["Dockerfile"]})
    redis_client.hset(
        "results:ok",
        mapping={"task_id": "ok", "status": "completed", "output": output, "completed_at": "t"},
    )
    redis_client.hset(
        "results:bad",
        mapping={"task_id": "bad", "status": "failed", "error": "boom", "completed_at": "t"},
    )
    redis_client.rpush("results:ok:logs", "[2026-01-01T00:00:00+00:00] received: x")
    assert _run(redis_server, "status", "ok")[0] == 0
    code, out = _run(redis_server, "--json", "status", "ok")
    assert code == 0 and json.loads(out)["output"]["status"] == "partial"
    code, out = _run(redis_server, "status", "bad", "--json")
    assert code == 1 and json.loads(out)["error"] == "boom"
    assert _run(redis_server, "wait", "ok")[0] == 0
    assert _run(redis_server, "wait", "bad")[0] == 1
    assert _run(redis_server, "status", "missing")[0] == 1
    code, out = _run(redis_server, "logs", "ok", "--follow")
    assert code == 0 and "received: x" in out
    redis_client.hset("results:slow", mapping={"task_id": "slow", "status": "in_progress"})
    code, out = _run(redis_server, "wait", "slow", "--timeout", "1")
    assert code == 1 and "not finished" in out


def test_agents_lists_health(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    client = connect(redis_server.url)
    registry.register(client, registry.Agent("devops-a"), now=datetime.now(UTC))
    registry.register(client, registry.Agent("devops-b"), now=datetime.now(UTC))
    redis_client.delete("agents:heartbeat:devops-b")
    code, out = _run(redis_server, "agents", "--json")
    assert code == 0
    health = {a["agent_id"]: a["healthy"] for a in json.loads(out)}
    assert health == {"devops-a": "true", "devops-b": "false"}
    code, out = _run(redis_server, "agents")
    assert re.search(r"devops-b\s+domain\s+devops\s+starting\s+false", out)


def test_unreachable_redis_is_a_clear_message() -> None:
    result = CliRunner().invoke(main, ["--redis-url", "redis://127.0.0.1:1/0", "status", "x"])
    assert result.exit_code == 1
    assert "cannot reach Redis" in result.output and "Traceback" not in result.output
