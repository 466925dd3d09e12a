"""A producer of the agent network, written from ../shared/PROTOCOL.md alone.

It deliberately imports nothing of devops_orchestrator: it is what the Main
Orchestrator does, so the operator is tested against the protocol, not against itself."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

DOMAIN = "devops"
FINAL = ("completed", "failed")
LOG_LINE = r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)\] .+"


def make_task(
    description: str,
    *,
    requirements: list[str] | None = None,
    context: dict[str, Any] | None = None,
    priority: str = "normal",
    timeout_seconds: int = 300,
    task_id: str | None = None,
) -> dict[str, Any]:
    return {
        "task_id": task_id or str(uuid.uuid4()),
        "type": "task_assignment",
        "source": "main-orchestrator",
        "destination": DOMAIN,
        "timestamp": datetime.now(UTC).isoformat(),
        "payload": {
            "description": description,
            "requirements": requirements or [],
            "context": context or {},
        },
        "metadata": {"priority": priority, "timeout_seconds": timeout_seconds},
    }


@dataclass
class Producer:
    client: redis.Redis  # decode_responses=True
    published: dict[str, dict[str, Any]] = field(default_factory=dict)
    publications: Counter[str] = field(default_factory=Counter)  # messages per task
    _pubsub: Any = None

    def __post_init__(self) -> None:
        self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)

    def submit(self, task: dict[str, Any]) -> str:
        """Listen on the result channel, mark pending, queue the task, notify."""
        task_id = str(task["task_id"])
        self._pubsub.subscribe(f"results:{task_id}")
        raw = json.dumps(task)
        self.client.hset(f"results:{task_id}", mapping={"task_id": task_id, "status": "pending"})
        self.client.lpush(f"tasks:pending:{DOMAIN}", raw)
        self.client.publish(f"notifications:{DOMAIN}", raw)
        return task_id

    def push_raw(self, raw: str | bytes) -> None:
        self.client.lpush(f"tasks:pending:{DOMAIN}", raw)

    def drain(self, timeout: float = 0.0) -> None:
        """Collect the results published within the next `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self._pubsub.get_message(timeout=0.05)
            except redis.ConnectionError:  # Redis restarting: it resubscribes on reconnect
                time.sleep(0.2)
                message = None
            if message is not None and message.get("type") == "message":
                task_id = str(message["channel"]).removeprefix("results:")
                self.published[task_id] = json.loads(message["data"])
                self.publications[task_id] += 1
                continue
            if time.monotonic() >= deadline:
                return

    def result(self, task_id: str) -> dict[str, str]:
        return dict(self._retrying(lambda: self.client.hgetall(f"results:{task_id}")))

    def logs(self, task_id: str) -> list[str]:
        return list(self._retrying(lambda: self.client.lrange(f"results:{task_id}:logs", 0, -1)))

    @staticmethod
    def _retrying(call: Any, attempts: int = 60) -> Any:
        for _ in range(attempts - 1):
            try:
                return call()
            except redis.ConnectionError:
                time.sleep(0.5)
        return call()

    def wait(self, task_ids: list[str], timeout: float) -> dict[str, dict[str, str]]:
        """Until every task's hash is final (raises TimeoutError), collecting publications."""
        deadline = time.monotonic() + timeout
        while True:
            self.drain(timeout=0.2)
            results = {t: self.result(t) for t in task_ids}
            if all(r.get("status") in FINAL for r in results.values()):
                self.drain(timeout=0.5)
                return results
            if time.monotonic() > deadline:
                pending = {
                    t: r.get("status") for t, r in results.items() if r.get("status") not in FINAL
                }
                raise TimeoutError(f"not final after {timeout}s: {pending}")

    def close(self) -> None:
        self._pubsub.close()
