"""Reliability fixtures: the DevOpsTask CRD once, and a stack per test: a namespace ready
for worker Jobs, the test's real Redis, and operator processes (killable) bound to both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from kubernetes import client
from reliability_kit import Stack

from e2e.taskutil import wait_for
from fixtures_redis import RedisServer

REPO = Path(__file__).resolve().parents[2]
CRD = REPO / "crds" / "devopstask.yaml"
WORKER_MANIFESTS = REPO / "manifests" / "worker"


@pytest.fixture(scope="session")
def reliability_crd(cluster: Any) -> None:
    cluster.kubectl("apply", "-f", str(CRD))
    api = client.ApiextensionsV1Api(cluster.api_client())

    def established() -> bool:
        crd = api.read_custom_resource_definition("devopstasks.devops.agentnet.dev")
        return any(
            c.type == "Established" and c.status == "True" for c in crd.status.conditions or []
        )

    wait_for("the DevOpsTask CRD", established, 60)


@pytest.fixture
def stack(
    cluster: Any,
    reliability_crd: None,
    namespace: str,
    redis_server: RedisServer,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> Iterator[Stack]:
    cluster.kubectl("apply", "-k", str(WORKER_MANIFESTS), "-n", namespace)
    api = cluster.api_client()
    built = Stack(cluster, redis_server, namespace, tmp_path, api)
    yield built
    for proc in built.operators:
        proc.stop()
    api.close()
