"""The worker process in a cluster stores its result and files as ConfigMaps (real API
server; the Job around it is tested by the reconciler's end-to-end tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from kubernetes import client as k8s
from workerkit import APPS, make_briefing

from devops_orchestrator import constants as c
from devops_orchestrator.worker.artifacts import build_result_configmap
from devops_orchestrator.worker.store import ensure_configmap

pytestmark = pytest.mark.cluster


def _run(
    briefing_json: str, workspace: Path, kubeconfig: Path, namespace: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env.update(
        DEVOPS_BRIEFING=briefing_json,
        DEVOPS_WORKSPACE_DIR=str(workspace),
        POD_NAMESPACE=namespace,
        KUBECONFIG=str(kubeconfig),
    )
    return subprocess.run(
        [sys.executable, "-m", "devops_orchestrator.worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_result_and_artifacts_configmaps(
    cluster: object, kube: k8s.ApiClient, namespace: str, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(APPS / "node-express-ts", workspace)
    (workspace / "logo.bin").write_bytes(b"\x00\xff")  # not generated: not stored
    briefing = make_briefing(
        "docker-worker",
        namespace=namespace,
        job_name="shop-docker-1",
        result_configmap="shop-docker-1-result",
    )
    kubeconfig = cluster.kubeconfig  # type: ignore[attr-defined]
    done = _run(briefing.model_dump_json(), workspace, kubeconfig, namespace)
    assert done.returncode == 0, done.stderr

    core = k8s.CoreV1Api(kube)
    result_cm = core.read_namespaced_config_map("shop-docker-1-result", namespace)
    assert result_cm.metadata.labels[c.LABEL_COMPONENT] == "result"
    assert result_cm.metadata.labels[c.LABEL_TASK] == "shop"
    result = json.loads(result_cm.data["result.json"])
    assert result["artifacts_configmap"] == "shop-docker-1-artifacts"
    assert "error" not in result_cm.data

    artifacts = core.read_namespaced_config_map("shop-docker-1-artifacts", namespace)
    index = json.loads(artifacts.data["files.json"])
    assert sorted(index.values()) == sorted(result["files_created"])
    assert artifacts.data["Dockerfile"] == (workspace / "Dockerfile").read_text()

    # A second attempt under the same names replaces them (idempotent upsert).
    done = _run(briefing.model_dump_json(), workspace, kubeconfig, namespace)
    assert done.returncode == 0, done.stderr
    again = json.loads(
        core.read_namespaced_config_map("shop-docker-1-result", namespace).data["result.json"]
    )
    assert again["files_created"] == []  # nothing changed the second time


def test_failure_is_stored_with_its_error(
    cluster: object, kube: k8s.ApiClient, namespace: str, tmp_path: Path
) -> None:
    briefing = make_briefing(
        "docker-worker",
        namespace=namespace,
        job_name="shop-docker-2",
        result_configmap="shop-docker-2-result",
    )
    kubeconfig = cluster.kubeconfig  # type: ignore[attr-defined]
    done = _run(briefing.model_dump_json(), tmp_path / "empty", kubeconfig, namespace)
    assert done.returncode == 1
    stored = k8s.CoreV1Api(kube).read_namespaced_config_map("shop-docker-2-result", namespace)
    assert "could not recognise the application" in stored.data["error"]
    assert "result.json" not in stored.data


def test_ensure_configmap_upserts(kube: k8s.ApiClient, namespace: str) -> None:
    core = k8s.CoreV1Api(kube)
    briefing = make_briefing("ci-worker", namespace=namespace, result_configmap="x-result")
    body = build_result_configmap(briefing, None, "first")
    ensure_configmap(core, body)
    ensure_configmap(core, build_result_configmap(briefing, None, "second"))
    assert core.read_namespaced_config_map("x-result", namespace).data == {"error": "second"}
