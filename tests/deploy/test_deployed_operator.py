"""The operator deployed from the manifests (overlays/local) into the local cluster: its
pod runs through the node agent (`python -m devops_orchestrator` as a local process, as
uid 10001), joins the kopf peering, and completes tasks end to end: one applied with
kubectl on the sample app's workspace volume, one pushed on the Redis queue; and, with
the operator's real RBAC, a task in a namespace without manifests/worker fails fast."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis

from deploy.deploy_util import REPO, uninstall_operator
from devcluster import processes
from devcluster.demo import (
    CLAIM,
    NAMESPACE,
    NETWORK_CLAIM,
    NETWORK_PROJECT,
    Kubectl,
    ensure_workspace_volume,
    install_operator,
    seed_workspace,
    wait_for_task,
    write_local_overlay,
)
from devops_orchestrator import constants as c
from devops_orchestrator.core.task_mapping import build_task_name
from polling import wait_for

T = TypeVar("T")
TASK_TIMEOUT = 420.0


@dataclass
class Deployed:
    kubectl: Kubectl
    redis_url: str
    metrics_port: int
    health_port: int
    pod_log: Callable[[], str]


def _operator_pod(kubectl: Kubectl) -> str | None:
    pods = kubectl.json("pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/component=operator")
    running = [
        p["metadata"]["name"]
        for p in (pods or {}).get("items", [])
        if p["status"].get("phase") == "Running"
    ]
    return running[0] if len(running) == 1 else None


@pytest.fixture(scope="module")
def deployed(
    cluster: Any, redis_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    kubectl = Kubectl(cluster.bin_dir / "kubectl", cluster.kubeconfig)
    metrics_port, health_port = processes.free_port(), processes.free_port()
    overlay = write_local_overlay(
        tmp_path_factory.mktemp("overlay"),
        redis_url=redis_server.url,
        metrics_port=metrics_port,
        health_port=health_port,
    )

    def pod_log() -> str:
        pod = _operator_pod(kubectl)
        if pod is None:
            return kubectl("get", "pods,jobs", "-A", check=False).stdout
        return "\n".join(cluster.pod_log(NAMESPACE, pod).splitlines()[-60:])

    try:
        install_operator(kubectl, overlay)
        # The overlay names the agent network's shared workspace claim, as `make demo`
        # does; without it a Redis task's worker pod would wait for a missing volume.
        network = Path(cluster.state_dir) / "deploy-test" / f"network-{uuid.uuid4().hex[:8]}"
        seed_workspace(network / NETWORK_PROJECT, clear=network)
        ensure_workspace_volume(kubectl, network, claim=NETWORK_CLAIM)
        yield Deployed(kubectl, redis_server.url, metrics_port, health_port, pod_log)
    finally:
        uninstall_operator(kubectl)


def test_operator_pod_is_up_healthy_and_peered(deployed: Deployed) -> None:
    pod = wait_for(
        "one Running operator pod", lambda: _operator_pod(deployed.kubectl), 60, deployed.pod_log
    )

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{deployed.health_port}/healthz", timeout=2
            ) as rsp:
                return bool(rsp.status == 200)
        except OSError:
            return False

    wait_for("kopf's liveness endpoint", healthy, 60, deployed.pod_log)
    with urllib.request.urlopen(
        f"http://127.0.0.1:{deployed.metrics_port}/metrics", timeout=5
    ) as rsp:
        assert rsp.status == 200

    def peered() -> bool:
        peering = deployed.kubectl.json("clusterkopfpeering", "devops-orchestrator") or {}
        return any(pod in identity for identity in (peering.get("status") or {}))

    # The keep-alive in the ClusterKopfPeering proves the peering CRD, object and RBAC.
    wait_for("the operator's keep-alive in the peering object", peered, 60, deployed.pod_log)


def test_kubectl_task_on_the_sample_app_completes(deployed: Deployed, cluster: Any) -> None:
    # Beside the cluster's own files, like `make demo` (.devcluster/demo/workspace).
    workspace = Path(cluster.state_dir) / "deploy-test" / uuid.uuid4().hex[:8]
    seed_workspace(workspace)
    ensure_workspace_volume(deployed.kubectl, workspace)
    deployed.kubectl("apply", "-n", NAMESPACE, "-f", str(REPO / "examples" / "demo-task.yaml"))
    task = wait_for_task(
        deployed.kubectl, "sample-app-pipeline", timeout=TASK_TIMEOUT, on_change=print
    )
    status = task["status"]
    assert status["phase"] == "Succeeded", (json.dumps(status, indent=1), deployed.pod_log())
    result = status["result"]
    assert result["status"] == "completed"
    assert set(result["workers_used"]) == {"docker-worker", "ci-worker", "infra-worker"}
    assert "Dockerfile" in result["files_created"]
    for path in result["files_created"]:  # written straight into the workspace volume
        assert (workspace / path).is_file(), path
    assert (workspace / "package.json").is_file()  # the app itself is still there
    jobs = (
        deployed.kubectl.json("jobs", "-n", NAMESPACE, "-l", f"{c.LABEL_TASK}=sample-app-pipeline")
        or {}
    )
    accounts = {j["spec"]["template"]["spec"]["serviceAccountName"] for j in jobs["items"]}
    assert accounts == {"devops-worker"}
    deployed.kubectl(
        "delete", "devopstask", "sample-app-pipeline", "-n", NAMESPACE, "--wait=true", timeout=120
    )
    deployed.kubectl("delete", "pvc", CLAIM, "-n", NAMESPACE, "--wait=false")
    shutil.rmtree(workspace)


def test_redis_task_completes_and_is_published(deployed: Deployed) -> None:
    """The Main Orchestrator's side of the protocol: LPUSH a task, read the result hash."""
    client = redis.Redis.from_url(deployed.redis_url, decode_responses=True)
    task_id = str(uuid.uuid4())
    message = {
        "task_id": task_id,
        "type": "task_assignment",
        "source": "main-orchestrator",
        "destination": "devops",
        "timestamp": datetime.now(UTC).isoformat(),
        "payload": {
            "description": "Containerize the application with a Dockerfile",
            "requirements": ["Multi-stage build", "Non-root user"],
            "context": {"project_type": "nodejs"},
        },
        "metadata": {"priority": "normal", "timeout_seconds": 300},
    }
    client.hset(c.result_key(task_id), mapping={"task_id": task_id, "status": "pending"})
    client.lpush(c.pending_key(), json.dumps(message))

    def final() -> dict[str, str] | None:
        result: dict[str, str] = client.hgetall(c.result_key(task_id))  # type: ignore[assignment]
        return result if result.get("status") in ("completed", "failed") else None

    result = wait_for(f"results:{task_id} to be final", final, TASK_TIMEOUT, deployed.pod_log)
    assert result["status"] == "completed", (result, deployed.pod_log())
    output = json.loads(result["output"])
    assert output["status"] == "completed"
    assert "docker-worker" in output["workers_used"]
    assert client.llen(c.active_key()) == 0
    task = deployed.kubectl.json("devopstask", build_task_name(task_id), "-n", NAMESPACE)
    assert task is not None and task["status"]["phase"] == "Succeeded"
    domain_orchestrators = client.smembers(c.agents_domain_key())
    assert domain_orchestrators, "the deployed operator registered in the agent registry"


def test_a_namespace_without_manifests_worker_fails_fast(deployed: Deployed) -> None:
    """The operator may create a worker's Job only where manifests/worker bound its
    Role: elsewhere the refusal fails the task at once, saying what to apply
    (no kopf retry loop, no silent Running)."""
    namespace = f"no-worker-{uuid.uuid4().hex[:8]}"
    name = "no-worker-grant"
    wait_for("one Running operator pod", lambda: _operator_pod(deployed.kubectl), 60)
    deployed.kubectl("create", "namespace", namespace)
    task = {
        "apiVersion": f"{c.GROUP}/{c.VERSION}",
        "kind": "DevOpsTask",
        "metadata": {"name": name},
        "spec": {
            "description": "Containerize the application with a Dockerfile",
            "context": {"project_type": "nodejs"},
        },
    }
    try:
        started = time.monotonic()
        deployed.kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(task))
        final = wait_for_task(deployed.kubectl, name, namespace, timeout=30, on_change=print)
        assert time.monotonic() - started <= 30
        status = final["status"]
        reason = f"in {namespace} (apply manifests/worker to this namespace)"
        assert status["phase"] == "Failed", (status, deployed.pod_log())
        assert "worker pods cannot be created" in status["message"], status
        assert reason in status["message"], status
        (worker,) = status["workers"]
        assert worker["phase"] == "Failed" and worker["attempts"] == 1, worker  # not retried
        shown = deployed.kubectl("get", "dt", name, "-n", namespace).stdout
        assert "Failed" in shown and reason in shown, shown

        def warned() -> bool:
            events = deployed.kubectl.json("events", "-n", namespace) or {}
            return any(
                e.get("type") == "Warning"
                and (e.get("involvedObject") or {}).get("name") == name
                and reason in str(e.get("message"))
                for e in events.get("items", [])
            )

        wait_for("a Warning Event with the reason", warned, 15, deployed.pod_log)
        assert not (deployed.kubectl.json("jobs", "-n", namespace) or {}).get("items")
        refusals = [
            line
            for line in deployed.pod_log().splitlines()
            if namespace in line and "forbidden" in line.lower()
        ]
        assert not refusals, refusals  # decided in the pass, not a handler error retried
    finally:
        deployed.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
