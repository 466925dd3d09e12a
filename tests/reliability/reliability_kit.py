"""Shared by the reliability tests: a stack of the real cluster, a real Redis and
operator processes (killable), in one namespace."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kubernetes import client

from e2e.operator_process import OperatorProcess, faulty_worker_settings
from e2e.taskutil import Tasks
from fixtures_redis import RedisServer

# `make reliability` sets it: the long parameters of the chaos tests.
LONG = os.environ.get("RELIABILITY_LONG", "") not in ("", "0")


class Stack:
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

    def operator(self, agent_id: str = "devops-rel0", **extra: str) -> OperatorProcess:
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
