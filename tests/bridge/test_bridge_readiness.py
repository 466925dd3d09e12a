"""Readiness says honestly whether Redis is reachable: `GET :METRICS_PORT/readyz` of the
real operator process answers 200 while Redis answers, 503 with the reason while it is
down (liveness stays 200: nothing to restart), and 200 again once it is back."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from e2e.operator_process import OperatorProcess, real_worker_settings
from e2e.taskutil import wait_for
from fixtures_redis import RedisServer
from fixtures_stack import Stack

TIMEOUT = 30.0  # several probe periods of the Deployment's readinessProbe


def get(url: str) -> tuple[int, str]:
    """Status and body; (0, reason) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def wait_status(url: str, code: int, explain: Any) -> str:
    def probe() -> str | None:
        status, body = get(url)
        return body if status == code else None

    return wait_for(f"{url} to answer {code}", probe, TIMEOUT, explain)


def test_readyz_follows_redis(stack: Stack, redis_server: RedisServer) -> None:
    operator = stack.operator()
    port = operator.metrics_port
    readyz, metrics = f"http://127.0.0.1:{port}/readyz", f"http://127.0.0.1:{port}/metrics"
    healthz = f"http://127.0.0.1:{operator.health_port}/healthz"

    assert wait_status(readyz, 200, stack.log_tail).strip() == "ready: Redis is reachable"
    status, body = get(metrics)
    assert status == 200 and "devops_jobs_created_total" in body  # the same server

    redis_server.stop()
    try:
        reason = wait_status(readyz, 503, stack.log_tail)
        assert reason.startswith("not ready: Redis is unreachable ("), reason
        assert get(healthz)[0] == 200  # liveness does not depend on Redis
        assert get(metrics)[0] == 200
    finally:
        redis_server.start()

    assert wait_status(readyz, 200, stack.log_tail).strip() == "ready: Redis is reachable"
    operator.wait_for_log("Redis is reachable")  # the transitions are logged too
    assert "Redis is unreachable" in operator.log_text()


def test_readyz_without_redis(cluster: Any, devopstask_crd: None, tmp_path: Path) -> None:
    operator = OperatorProcess(
        Path(cluster.kubeconfig), tmp_path / "operator.log", settings=real_worker_settings()
    )
    operator.start()
    try:
        url = f"http://127.0.0.1:{operator.metrics_port}/readyz"
        body = wait_status(url, 200, operator.log_tail)
        assert body.strip() == "ready (no Redis configured)"
    finally:
        operator.stop()
