"""The full stack of an end-to-end test: the real cluster with the DevOpsTask CRD, a
namespace ready for worker Jobs, the test's real Redis, and operator processes
(killable) bound to both. Used by the bridge and reliability suites."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from kubernetes import client

from e2e.operator_process import OperatorProcess, faulty_worker_settings
from e2e.taskutil import Tasks, wait_for
from fixtures_redis import RedisServer

REPO = Path(__file__).resolve().parents[1]
CRD = REPO / "crds" / "devopstask.yaml"
WORKER_MANIFESTS = REPO / "manifests" / "worker"


class Stack:
    """Operators (killable subprocesses) sharing the test's Redis and namespace."""

    def __init__(
        self,
        cluster: Any,
        redis_server: RedisServer,
        namespace: str,
        log_dir: Path,
        api: client.ApiClient,
    ) -> None:
        self.cluster = cluster
        self.redis_server = redis_server
        self.namespace = namespace
        self.log_dir = log_dir
        self.api = api
        self.operators: list[OperatorProcess] = []
        self.tasks = Tasks(api, namespace, self.log_tail)

    def operator(self, agent_id: str = "devops-op0", **extra: str) -> OperatorProcess:
        settings = {
            **faulty_worker_settings(),
            "DEVOPS_REDIS_URL": self.redis_server.url,
            "DEVOPS_NAMESPACE": self.namespace,
            "DEVOPS_WATCH_NAMESPACES": json.dumps([self.namespace]),
            "DEVOPS_AGENT_ID": agent_id,
            "DEVOPS_REDIS_RECOVERY_INTERVAL_SECONDS": "1",
            "DEVOPS_REDIS_BLOCK_SECONDS": "1",
            **extra,
        }
        proc = OperatorProcess(
            Path(self.cluster.kubeconfig), self.log_dir / f"{agent_id}.log", settings=settings
        )
        proc.start()
        self.operators.append(proc)
        return proc

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.log_path.name}\n{p.log_tail(40)}" for p in self.operators)

    def dt_names(self) -> list[str]:
        body = self.tasks.custom.list_namespaced_custom_object(
            "devops.agentnet.dev", "v1alpha1", self.namespace, "devopstasks"
        )
        return sorted(item["metadata"]["name"] for item in body["items"])

    def job_count(self) -> int:
        return len(self.tasks.batch.list_namespaced_job(self.namespace).items)


@pytest.fixture(scope="session")
def devopstask_crd(cluster: Any) -> None:
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
    devopstask_crd: None,
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
